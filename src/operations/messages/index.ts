/** Personalised copy (千人千面): message campaigns of templates per segment, rendered per user. See docs/messages.md. */
export {
  CampaignSchema,
  CAMPAIGN_ID,
  CHANNELS,
  inQuietHours,
  loadCampaign,
  parseCampaign,
  parseLocalTime,
  prepareTemplates,
  type Campaign,
  type CampaignTemplate,
  type Channel,
  type PreparedTemplate,
} from './campaign.js';
export { parseTemplate, templateVariables, TemplateError, VARIABLES, type TemplatePart, type Variable } from './template.js';
export { variablesSql, type CampaignItem } from './variables.js';
export { MESSAGE_LOG_TABLE, OUTCOMES_IN_ORDER, renderCampaign, type MessagesRun, type Outcome, type RenderOptions, type TemplateReport } from './render.js';
export { runCampaign, storedCampaigns, type MessagesResult } from './run.js';
