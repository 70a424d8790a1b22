/**
 * A plan's scores are tags, so segments, conditions and the profile card read them like any other:
 * `lead_score_ID` (number) and `lead_band_ID` (text), workspace tags of the `source` form reading the keyed
 * source `lead_scores` (src/tags/registry/sources.ts) with the plan's id as key.
 */
import { parseDefinition, TagRegistry } from '../../tags/registry/registry.js';
import type { TagDefinitionInput } from '../../tags/registry/definition.js';
import type { Workspace } from '../../workspace/workspace.js';
import { planTagKeys, type ScoringPlan } from './plan.js';

export function planTagDefinitions(plan: ScoringPlan): TagDefinitionInput[] {
  const keys = planTagKeys(plan.id);
  const source = (column: 'score' | 'band') => ({ source: { table: 'lead_scores', key: plan.id, column } });
  return [
    {
      key: keys.score,
      family: 'own_behaviour',
      kind: 'model',
      type: 'integer',
      unit: 'points',
      description: { en: `Lead score of scoring plan ${plan.id}: the points of the rules the lead matched.`, zh: `线索评分（评分方案 ${plan.id}）` },
      definition: source('score'),
    },
    {
      key: keys.band,
      family: 'own_behaviour',
      kind: 'model',
      type: 'text',
      description: { en: `Lead band of scoring plan ${plan.id} (${plan.bands.map((b) => b.band).join(', ')}).`, zh: `线索等级（评分方案 ${plan.id}）` },
      definition: source('band'),
    },
  ];
}

/**
 * Defines the plan's two tags in the workspace where they are missing or differ (a re-run with the same
 * plan writes nothing, so the tags' history holds real changes only). Returns the registry with them.
 */
export function ensurePlanTags(ws: Workspace, plan: ScoringPlan): TagRegistry {
  let registry = TagRegistry.load(ws);
  for (const input of planTagDefinitions(plan)) {
    const wanted = parseDefinition(input, `scoring plan ${plan.id}`);
    const existing = registry.get(wanted.key);
    if (existing) {
      const { origin: _origin, ...stored } = existing;
      if (JSON.stringify(stored) === JSON.stringify(wanted)) continue;
    }
    TagRegistry.define(ws, wanted, `scoring plan ${plan.id}`);
    registry = TagRegistry.load(ws);
  }
  return registry;
}
