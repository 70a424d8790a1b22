/**
 * `portrait messages` as one library call: read the campaign (a file, or the id of a stored one),
 * validate it, store it as a versioned definition, and render it.
 */
import { basename } from 'node:path';
import { PortraitError } from '../../errors.js';
import { storedDefinitions } from '../../workspace/definitions.js';
import type { Workspace } from '../../workspace/workspace.js';
import { inFileAsync, PortraitConditions, requirePortrait } from '../scoring/conditions.js';
import { storeVersioned, type StoredDefinition } from '../scoring/versioned.js';
import { loadCampaign, type Campaign } from './campaign.js';
import { renderCampaign, type MessagesRun, type RenderOptions } from './render.js';

/** The workspace's stored campaigns, each validated against the current tags and segments. */
export function storedCampaigns(ws: Workspace, conditions = PortraitConditions.load(ws)): Campaign[] {
  return storedDefinitions(ws, 'messages').map(([path, json]) => {
    const campaign = loadCampaign(json, path, conditions);
    if (basename(path) !== `${campaign.id}.json`) throw new PortraitError(`${path}: id "${campaign.id}" does not match the file name`);
    return campaign;
  });
}

export interface MessagesResult extends MessagesRun {
  stored: StoredDefinition;
}

/**
 * Renders a campaign given as a parsed JSON document (`where` names its file) or a stored campaign's id
 * into `out`. Nothing is stored unless the campaign is valid and the portrait is built.
 */
export async function runCampaign(ws: Workspace, campaign: { input: unknown; where: string } | { id: string }, out: string, options: RenderOptions = {}): Promise<MessagesResult> {
  const conditions = PortraitConditions.load(ws);
  let parsed: Campaign;
  let where: string;
  if ('id' in campaign) {
    // Only this campaign is read and checked: another stored campaign gone stale must not block it.
    const stored = storedDefinitions(ws, 'messages').find(([path]) => basename(path) === `${campaign.id}.json`);
    if (!stored) throw new PortraitError(`unknown message campaign "${campaign.id}"`, 'give a campaign file: portrait messages --campaign CAMPAIGN.json --out FILE');
    parsed = loadCampaign(stored[1], stored[0], conditions);
    if (parsed.id !== campaign.id) throw new PortraitError(`${stored[0]}: id "${parsed.id}" does not match the file name`);
    where = stored[0];
  } else {
    parsed = loadCampaign(campaign.input, campaign.where, conditions);
    where = campaign.where;
  }
  if (options.sendAt !== undefined && Number.isNaN(options.sendAt.getTime())) throw new PortraitError('send time is not a valid date');
  const asOf = await requirePortrait(ws, `message campaign ${parsed.id}`);
  // A problem found while rendering (a campaign item unknown to the warehouse) names the file too.
  const run = await inFileAsync(where, () => renderCampaign(ws, parsed, conditions, asOf, out, options));
  return { ...run, stored: storeVersioned(ws, 'messages', parsed.id, parsed) };
}
