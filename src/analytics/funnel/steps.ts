/**
 * Funnel steps: an event filter (the condition language's `EventFilterSchema`, so "cart in category 123"
 * means what it means in tags and segments), an optional name, and optionally a segment whose members
 * alone count at the step. Written on the command line as `cart:category=123&brand=Acme` or read from a
 * JSON steps file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PortraitError } from '../../errors.js';
import { EVENT_TYPES } from '../../model/enums.js';
import { EventFilterSchema, type EventFilter } from '../../conditions/schema.js';
import type { UserRelation } from './relation.js';

export interface FunnelStep {
  /** Shown in results; defaults to the step's spec. */
  name: string;
  /** Which events make the step; `event` is required. */
  filter: EventFilter;
  /** Only events of these users count for this step (a segment's members, resolved by the caller). */
  users?: UserRelation | undefined;
  /** A segment named in the spec (`segment:NAME`); the caller resolves it into `users`. */
  segment?: string | undefined;
}

/** One step of a steps file: a name, an event filter, optionally a segment. */
export const StepFileEntrySchema = z.strictObject({
  name: z.string().min(1).max(80).optional(),
  filter: EventFilterSchema,
  segment: z.string().min(1).optional(),
});

/** A steps file: `{"steps": [...]}` or the list alone. */
export const StepsFileSchema = z.union([z.strictObject({ steps: z.array(StepFileEntrySchema).min(1) }), z.array(StepFileEntrySchema).min(1)]);

const FILTER_KEYS = ['category', 'item', 'brand', 'content', 'live', 'place'] as const;

/**
 * One step spec: `TYPE[:FILTER[&FILTER...]]`, each FILTER `key=value[|value...]` with key one of
 * category, item, brand, content, live, place, or `segment:NAME` (also `segment=NAME`).
 * Example: `cart:category=123|456&segment:vip`.
 */
export function parseStepSpec(spec: string): FunnelStep {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const type = colon < 0 ? text : text.slice(0, colon);
  if (!(EVENT_TYPES as readonly string[]).includes(type)) {
    throw new PortraitError(`funnel step "${text}": unknown event type "${type}"`, `event types: ${EVENT_TYPES.join(', ')}`);
  }
  const raw: Record<string, unknown> = { event: type };
  let segment: string | undefined;
  if (colon >= 0) {
    for (const part of text.slice(colon + 1).split('&')) {
      const seg = /^segment[:=](.+)$/.exec(part.trim());
      if (seg) {
        segment = seg[1]!.trim();
        continue;
      }
      const m = /^([a-z]+)=(.+)$/.exec(part.trim());
      if (!m || !(FILTER_KEYS as readonly string[]).includes(m[1]!)) {
        throw new PortraitError(
          `funnel step "${text}": cannot read the filter "${part}"`,
          `write TYPE:key=value[|value]&..., key one of ${FILTER_KEYS.join(', ')}, or segment:NAME; e.g. cart:category=123&segment:vip`,
        );
      }
      const values = m[2]!.split('|').map((v) => v.trim());
      raw[m[1]!] = values.length === 1 ? values[0] : values;
    }
  }
  const parsed = EventFilterSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PortraitError(`funnel step "${text}": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { name: text, filter: parsed.data, segment };
}

/** Steps from a comma-separated list of specs: `pv,cart:category=123,buy`. */
export function parseStepsList(list: string): FunnelStep[] {
  const specs = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return specs.map(parseStepSpec);
}

/** Steps from a JSON steps file. Every step's filter must name its event type. */
export function readStepsFile(path: string): FunnelStep[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PortraitError(`cannot read the steps file ${path}: ${(err as Error).message}`);
  }
  return parseStepsJson(json, path);
}

export function parseStepsJson(json: unknown, where = 'steps'): FunnelStep[] {
  const parsed = StepsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new PortraitError(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`, 'a steps file is {"steps": [{"name": "cart shoes", "filter": {"event": "cart", "category": 123}}, ...]}');
  }
  const entries = Array.isArray(parsed.data) ? parsed.data : parsed.data.steps;
  return entries.map((s, i) => {
    if (!s.filter.event) throw new PortraitError(`${where}: step ${i + 1} has no "event" in its filter`);
    return { name: s.name ?? describeFilter(s.filter), filter: s.filter, segment: s.segment };
  });
}

/** A short readable name for a filter: `cart:category=123`. */
export function describeFilter(f: EventFilter): string {
  const parts: string[] = [];
  for (const key of FILTER_KEYS) {
    const v = f[key];
    if (v) parts.push(`${key}=${v.join('|')}`);
  }
  if (f.properties) parts.push(...Object.entries(f.properties).map(([k, v]) => `${k}=${String(v)}`));
  const head = (f.event ?? ['any']).join('|');
  return parts.length ? `${head}:${parts.join('&')}` : head;
}
