/**
 * The workspace's campaigns: parsing with the JSON path of any problem, checking the audience against the
 * tags and segments it names, and storing (versioned by src/workspace/definitions.ts).
 */
import { basename } from 'node:path';
import { describeZodError } from '../../conditions/issues.js';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import { saveDefinition, storedDefinitions } from '../../workspace/definitions.js';
import type { Workspace } from '../../workspace/workspace.js';
import { audienceSql, loadRegistries } from './audience.js';
import { CampaignDefinitionSchema, campaignWindows, type CampaignDefinition } from './definition.js';

export function parseCampaign(input: unknown, where: string): CampaignDefinition {
  const parsed = CampaignDefinitionSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/campaigns.md describes a campaign definition');
}

export class CampaignRegistry {
  private constructor(private readonly campaigns: Map<string, CampaignDefinition>) {}

  static load(ws: Workspace): CampaignRegistry {
    const campaigns = new Map<string, CampaignDefinition>();
    for (const [path, json] of storedDefinitions(ws, 'campaigns')) {
      const def = parseCampaign(json, path);
      if (basename(path) !== `${def.id}.json`) throw new PortraitError(`${path}: id "${def.id}" does not match the file name`);
      campaigns.set(def.id, def);
    }
    return new CampaignRegistry(campaigns);
  }

  list(): CampaignDefinition[] {
    return [...this.campaigns.values()].sort((a, b) => a.period.from.localeCompare(b.period.from) || a.id.localeCompare(b.id));
  }

  get(id: string): CampaignDefinition | undefined {
    return this.campaigns.get(id);
  }

  /** The campaign, or a PortraitError naming what exists. */
  require(id: string): CampaignDefinition {
    const def = this.campaigns.get(id);
    if (!def) {
      throw new PortraitError(
        `unknown campaign "${id}"`,
        this.campaigns.size ? `campaigns: ${[...this.campaigns.keys()].sort().join(', ')}` : 'define one with portrait campaign define FILE.json',
      );
    }
    return def;
  }

  /** Validates `input` (schema, then the audience's tags and segments), then stores it. Nothing is written on error. */
  define(ws: Workspace, input: unknown, where: string): { definition: CampaignDefinition; replaced: boolean } {
    const def = parseCampaign(input, where);
    try {
      audienceSql(def, new SqlParams(), loadRegistries(ws), campaignWindows(def).audienceAsOf);
    } catch (error) {
      if (error instanceof PortraitError) throw new PortraitError(`${where}: ${error.message}`, error.hint);
      throw error;
    }
    const replaced = saveDefinition(ws, 'campaigns', def.id, def);
    this.campaigns.set(def.id, def);
    return { definition: def, replaced };
  }
}
