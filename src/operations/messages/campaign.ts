/**
 * A message campaign (千人千面): templates per segment, the first whose condition a user meets giving
 * that user's copy and channel, with a frequency cap across campaigns, quiet hours and an optional item
 * and coupon. Kept in the workspace as definitions/messages/ID.json; the zod schema is its validator,
 * type and documentation (docs/messages.md).
 */
import { z } from 'zod';
import { describeZodError } from '../../conditions/issues.js';
import { PortraitError } from '../../errors.js';
import { ConditionOrSegmentSchema, inFile, type PortraitConditions } from '../scoring/conditions.js';
import { parseTemplate, TemplateError, templateVariables, type TemplatePart, type Variable } from './template.js';

export const CHANNELS = ['push', 'sms', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CAMPAIGN_ID = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'expected a campaign id: lower-case letters, digits, _ and -, starting with a letter');
const TIME_OF_DAY = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day HH:MM (00:00 to 23:59)');
/** Local wall-clock time, as events are stored. */
const SEND_AT = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/, 'expected a local time YYYY-MM-DD HH:MM[:SS]')
  .refine((s) => parseLocalTime(s) !== null, 'not a real time');

/** "2017-12-03 10:00" as the Date the warehouse stores for that wall-clock time (read as UTC). */
export function parseLocalTime(s: string): Date | null {
  const iso = `${s.replace(' ', 'T')}${s.length === 16 ? ':00' : ''}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== iso.slice(0, 19) ? null : d;
}

const TemplateSchema = z.strictObject({
  /** Shown in reports and the output file; default "template N". */
  name: z.string().min(1).max(60).optional(),
  /** Who gets this copy (a condition or a segment's name); absent: everyone in the audience. */
  when: ConditionOrSegmentSchema.optional(),
  /** Default: the campaign's channel. */
  channel: z.enum(CHANNELS).optional(),
  text: z.string().min(1).max(1000),
});

const ItemSchema = z.strictObject({
  id: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected a whole-number id')]).transform((v) => String(v)),
  /** Default: the item's title from the items table. */
  name: z.string().min(1).max(200).optional(),
});

export const CampaignSchema = z
  .strictObject({
    id: CAMPAIGN_ID,
    description: z.string().min(1).optional(),
    /** The channel of templates that name none. */
    channel: z.enum(CHANNELS).default('push'),
    /** When the messages go out (local time); default the portrait's as-of time. */
    sendAt: SEND_AT.optional(),
    /** Who is targeted (a condition or a segment's name); default every known user. */
    audience: ConditionOrSegmentSchema.optional(),
    /** The product the campaign is about: {item} for everyone. Without it, each user's own (docs/messages.md). */
    item: ItemSchema.optional(),
    /** The text of {coupon}, e.g. "20 yuan off 199". */
    coupon: z.string().min(1).max(200).optional(),
    /** {nickname} for every user: the warehouse holds no nicknames. */
    nickname: z.string().min(1).max(40).default('there'),
    templates: z.array(TemplateSchema).min(1).max(50),
    /** At most `messages` per user in any `days` days up to the send time, counting every campaign's log. */
    frequencyCap: z.strictObject({ messages: z.number().int().min(1).max(1000), days: z.number().int().min(1).max(365) }).optional(),
    /** No message on these channels when the send time falls between `from` and `to` (may span midnight). */
    quietHours: z
      .strictObject({ from: TIME_OF_DAY, to: TIME_OF_DAY, channels: z.array(z.enum(CHANNELS)).min(1).default(['push', 'sms']) })
      .refine((q) => q.from !== q.to, { message: 'quiet hours from and to are the same time', path: ['to'] })
      .optional(),
  })
  .superRefine((c, ctx) => {
    c.templates.forEach((t, i) => {
      try {
        const used = templateVariables(parseTemplate(t.text));
        if (used.includes('coupon') && c.coupon === undefined) {
          ctx.addIssue({ code: 'custom', path: ['templates', i, 'text'], message: 'uses {coupon} but the campaign has no "coupon"' });
        }
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['templates', i, 'text'], message: error.message });
      }
    });
  });

export type Campaign = z.infer<typeof CampaignSchema>;
export type CampaignTemplate = Campaign['templates'][number];

/** A template ready to render: its parts, the variables it needs and its channel. */
export interface PreparedTemplate {
  index: number;
  name: string;
  channel: Channel;
  parts: TemplatePart[];
  variables: Variable[];
  when?: CampaignTemplate['when'];
}

export function prepareTemplates(c: Campaign): PreparedTemplate[] {
  return c.templates.map((t, i) => {
    const parts = parseTemplate(t.text);
    return { index: i, name: t.name ?? `template ${i + 1}`, channel: t.channel ?? c.channel, parts, variables: templateVariables(parts), when: t.when };
  });
}

/** Minutes after midnight of a time of day "HH:MM". */
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `at` (local wall-clock) falls within the quiet hours for `channel`: from inclusive, to exclusive. */
export function inQuietHours(c: Campaign, channel: Channel, at: Date): boolean {
  const q = c.quietHours;
  if (!q || !q.channels.includes(channel)) return false;
  const t = at.getUTCHours() * 60 + at.getUTCMinutes();
  const from = minutes(q.from);
  const to = minutes(q.to);
  return from < to ? t >= from && t < to : t >= from || t < to;
}

/** Parses a campaign; a problem names `where` (the file) and the JSON path of the field. */
export function parseCampaign(input: unknown, where: string): Campaign {
  const parsed = CampaignSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/messages.md describes message campaigns');
}

/** Parses a campaign and checks its conditions against the workspace's tags and segments. */
export function loadCampaign(input: unknown, where: string, conditions: PortraitConditions): Campaign {
  const campaign = parseCampaign(input, where);
  inFile(where, () => {
    if (campaign.audience) conditions.check(campaign.audience, ['audience']);
    campaign.templates.forEach((t, i) => t.when && conditions.check(t.when, ['templates', i, 'when']));
  });
  return campaign;
}
