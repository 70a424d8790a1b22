/**
 * Rendering a campaign (rendering only: nothing is sent). Every targeted user gets one outcome, decided
 * in this order: opted out of targeting; no template matched; the first matching template needs a
 * variable the user lacks; its channel is quiet at the send time; the frequency cap is reached; else the
 * message is rendered. All of it is one set-based query into a temporary table; then, in one
 * transaction, the campaign's earlier rendering at the same send time is taken out of `message_log`, the
 * new messages go in, the export is recorded in the audit log, and the output file is written (beside
 * the target, renamed at the end).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import { recordAudit } from '../../privacy/audit.js';
import { consentRefusedSql } from '../../privacy/consent.js';
import { RECS_TABLE } from '../../recommend/serve/train.js';
import { KNOWN_USERS_TABLE, tableExists } from '../../tags/values/build.js';
import type { Workspace } from '../../workspace/workspace.js';
import type { PortraitConditions } from '../scoring/conditions.js';
import { inQuietHours, parseLocalTime, prepareTemplates, type Campaign, type Channel, type PreparedTemplate } from './campaign.js';
import type { Variable } from './template.js';
import { variablesSql, type CampaignItem } from './variables.js';

export const MESSAGE_LOG_TABLE = 'message_log';
const OUTCOMES = 'message_outcomes';

/** Why a targeted user got no message (or that one was rendered), in the order they are decided. */
export const OUTCOMES_IN_ORDER = ['opted_out', 'no_template', 'missing_variable', 'quiet_hours', 'capped', 'rendered'] as const;
export type Outcome = (typeof OUTCOMES_IN_ORDER)[number];

export interface TemplateReport {
  index: number;
  name: string;
  channel: Channel;
  /** The channel is quiet at the send time: every user this template matched is skipped. */
  quiet: boolean;
  /** Users whose first matching template this is. */
  matched: number;
  rendered: number;
  /** The rendered message of the smallest user id, to read the copy. */
  example: { userId: number; text: string } | null;
}

export interface MessagesRun {
  campaign: string;
  sendAt: Date;
  /** The portrait's as-of time the conditions read. */
  asOf: Date;
  file: string;
  targeted: number;
  rendered: number;
  skipped: Record<Exclude<Outcome, 'rendered'>, number>;
  /** Of the users skipped for a missing variable, how many lacked each one (a user may lack several). */
  missing: Partial<Record<Variable, number>>;
  byChannel: Record<Channel, number>;
  templates: TemplateReport[];
}

async function campaignItem(ws: Workspace, c: Campaign): Promise<CampaignItem | null> {
  if (!c.item) return null;
  if (c.item.name) return { id: c.item.id, name: c.item.name };
  const rows = await ws.wh.query<{ title: string | null }>('SELECT title FROM items WHERE item_id = CAST($1 AS BIGINT)', [c.item.id]);
  const title = rows[0]?.title;
  if (!title) {
    throw new PortraitError(`item.id: item ${c.item.id} ${rows.length ? 'has no title' : 'is not in the items table'}`, 'give the item a name: "item": {"id": ..., "name": "..."}');
  }
  return { id: c.item.id, name: title };
}

/** A variable's value as text in the message. */
function variableSql(v: Variable, c: Campaign, params: SqlParams): string {
  switch (v) {
    case 'nickname':
      return params.bind(c.nickname);
    case 'coupon':
      return params.bind(c.coupon ?? '');
    case 'item':
      return 'v.item';
    case 'friend_count':
      return 'CAST(v.friend_count AS VARCHAR)';
    case 'days_until_due':
      return 'CAST(v.days_until_due AS VARCHAR)';
    default: {
      const never: never = v;
      throw new Error(`unknown variable ${String(never)}`);
    }
  }
}

/** Whether the user lacks a variable (nickname, coupon and friend_count always have a value). */
function missingSql(v: Variable): string {
  switch (v) {
    case 'nickname':
    case 'coupon':
    case 'friend_count':
      return 'false';
    case 'item':
      return 'v.item IS NULL';
    case 'days_until_due':
      return 'v.days_until_due IS NULL';
    default: {
      const never: never = v;
      throw new Error(`unknown variable ${String(never)}`);
    }
  }
}

/** CASE over the chosen template: each template's own expression. */
function perTemplate(templates: readonly PreparedTemplate[], expr: (t: PreparedTemplate) => string): string {
  return `CASE o.template ${templates.map((t) => `WHEN ${t.index} THEN ${expr(t)}`).join(' ')} END`;
}

/** The query of every targeted user's outcome, template, channel, item and text. */
function outcomesSql(c: Campaign, templates: readonly PreparedTemplate[], conditions: PortraitConditions, params: SqlParams, asOf: Date, sendAt: Date, item: CampaignItem | null, hasRecs: boolean, hasLog: boolean): string {
  const audience = c.audience ? conditions.compile(c.audience, params, asOf, ['audience']) : `SELECT user_id FROM ${KNOWN_USERS_TABLE}`;
  const hits = templates.map(
    (t) => `SELECT user_id, ${t.index} AS t FROM (${t.when ? conditions.compile(t.when, params, asOf, ['templates', t.index, 'when']) : 'SELECT user_id FROM audience'})`,
  );
  // Consent as of the send time, by the one definition (src/privacy/consent.ts).
  const optedOut = consentRefusedSql('targeting', params.bind(sendAt));
  const cap = c.frequencyCap;
  // Messages already rendered for the user in the cap's window, from every campaign's log; this
  // campaign's rendering at this same send time is being replaced, so it does not count.
  const sent =
    cap && hasLog
      ? `SELECT user_id, count(*) AS n FROM ${MESSAGE_LOG_TABLE}
         WHERE send_at > CAST(${params.bind(sendAt)} AS TIMESTAMP) - to_days(CAST(${params.bind(cap.days)} AS INTEGER))
           AND send_at <= CAST(${params.bind(sendAt)} AS TIMESTAMP)
           AND NOT (campaign = ${params.bind(c.id)} AND send_at = CAST(${params.bind(sendAt)} AS TIMESTAMP))
         GROUP BY user_id`
      : 'SELECT CAST(NULL AS BIGINT) AS user_id, CAST(0 AS BIGINT) AS n WHERE false';
  const capped = cap ? `coalesce(s.n, 0) >= CAST(${params.bind(cap.messages)} AS BIGINT)` : 'false';
  const missing = perTemplate(templates, (t) => (t.variables.length ? `(${t.variables.map(missingSql).join(' OR ')})` : 'false'));
  const quiet = perTemplate(templates, (t) => params.bind(inQuietHours(c, t.channel, sendAt)));
  const text = perTemplate(templates, (t) =>
    t.parts.length ? `concat(${t.parts.map((p) => ('text' in p ? params.bind(p.text) : variableSql(p.variable, c, params))).join(', ')})` : "''",
  );
  const channel = perTemplate(templates, (t) => `CAST(${params.bind(t.channel)} AS VARCHAR)`);
  // The item is reported with a message that names it.
  const usesItem = (expr: string) => perTemplate(templates, (t) => (t.variables.includes('item') ? expr : 'NULL'));
  // The user's template needs the variable and the user lacks it.
  const lacks = (v: Variable) => perTemplate(templates, (t) => (t.variables.includes(v) ? missingSql(v) : 'false'));
  return `WITH audience AS MATERIALIZED (SELECT DISTINCT user_id FROM (${audience})),
    first_match AS (
      SELECT a.user_id, min(h.t) AS template
      FROM audience a LEFT JOIN (${hits.join(' UNION ALL ')}) h ON h.user_id = a.user_id
      GROUP BY a.user_id),
    o AS (
      SELECT f.user_id, f.template, f.user_id IN (${optedOut}) AS opted_out FROM first_match f),
    v AS (${variablesSql(`SELECT user_id FROM o WHERE template IS NOT NULL`, params, sendAt, item, hasRecs)}),
    s AS (${sent})
    SELECT o.user_id, o.template,
      CASE WHEN o.opted_out THEN 'opted_out'
           WHEN o.template IS NULL THEN 'no_template'
           WHEN ${missing} THEN 'missing_variable'
           WHEN ${quiet} THEN 'quiet_hours'
           WHEN ${capped} THEN 'capped'
           ELSE 'rendered' END AS outcome,
      ${channel} AS channel, ${usesItem('v.item_id')} AS item_id, ${usesItem('v.item_source')} AS item_source,
      ${lacks('item')} AS no_item, ${lacks('days_until_due')} AS no_due,
      ${text} AS text
    FROM o LEFT JOIN v ON v.user_id = o.user_id LEFT JOIN s ON s.user_id = o.user_id`;
}

export interface RenderOptions {
  /** Overrides the campaign's send time. */
  sendAt?: Date;
}

/**
 * Renders `c` to `out` (.csv or .parquet: user_id, channel, send_at, template, item_id, item_source,
 * text) and logs the rendered messages, as of the portrait's build time `asOf`.
 */
export async function renderCampaign(ws: Workspace, c: Campaign, conditions: PortraitConditions, asOf: Date, out: string, options: RenderOptions = {}): Promise<MessagesRun> {
  const format = { '.csv': 'csv', '.parquet': 'parquet' }[extname(out).toLowerCase()];
  if (!format) throw new PortraitError(`cannot write messages to ${out}`, 'name a .csv or .parquet file');
  const { wh } = ws;
  const sendAt = options.sendAt ?? (c.sendAt ? parseLocalTime(c.sendAt)! : asOf);
  const templates = prepareTemplates(c);
  const item = await campaignItem(ws, c);
  const hasLog = await tableExists(wh, MESSAGE_LOG_TABLE);
  const params = new SqlParams();
  const sql = outcomesSql(c, templates, conditions, params, asOf, sendAt, item, await tableExists(wh, RECS_TABLE), hasLog);
  const temp = `${out}.partial`;
  try {
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${OUTCOMES} AS ${sql}`, params.values);
    const counts = new Map(
      (await wh.query<{ outcome: Outcome; n: number }>(`SELECT outcome, count(*) AS n FROM ${OUTCOMES} GROUP BY outcome`)).map((r) => [r.outcome, Number(r.n)]),
    );
    const [lacking] = await wh.query<{ item: number; due: number }>(
      `SELECT count(*) FILTER (WHERE no_item) AS item, count(*) FILTER (WHERE no_due) AS due FROM ${OUTCOMES} o WHERE outcome = 'missing_variable'`,
    );
    const perTemplateRows = await wh.query<{ template: number; matched: number; rendered: number }>(
      `SELECT template, count(*) FILTER (WHERE outcome <> 'opted_out') AS matched, count(*) FILTER (WHERE outcome = 'rendered') AS rendered
       FROM ${OUTCOMES} WHERE template IS NOT NULL GROUP BY template`,
    );
    const examples = await wh.query<{ template: number; user_id: number; text: string }>(
      `SELECT template, min(user_id) AS user_id, arg_min(text, user_id) AS text FROM ${OUTCOMES} WHERE outcome = 'rendered' GROUP BY template`,
    );
    const channels = await wh.query<{ channel: Channel; n: number }>(`SELECT channel, count(*) AS n FROM ${OUTCOMES} WHERE outcome = 'rendered' GROUP BY channel`);

    const byTemplate = new Map(perTemplateRows.map((r) => [Number(r.template), r]));
    const example = new Map(examples.map((r) => [Number(r.template), { userId: Number(r.user_id), text: r.text }]));
    const needs = (v: Variable) => templates.some((t) => t.variables.includes(v));
    const missing: MessagesRun['missing'] = {};
    if (needs('item')) missing.item = Number(lacking?.item ?? 0);
    if (needs('days_until_due')) missing.days_until_due = Number(lacking?.due ?? 0);

    await wh.transaction(async () => {
      await wh.run(
        `CREATE TABLE IF NOT EXISTS ${MESSAGE_LOG_TABLE} (campaign VARCHAR, user_id BIGINT, channel VARCHAR, send_at TIMESTAMP, template INTEGER, item_id BIGINT, text VARCHAR)`,
      );
      await wh.run(`DELETE FROM ${MESSAGE_LOG_TABLE} WHERE campaign = $1 AND send_at = CAST($2 AS TIMESTAMP)`, [c.id, sendAt]);
      await wh.run(
        `INSERT INTO ${MESSAGE_LOG_TABLE} SELECT $1, user_id, channel, CAST($2 AS TIMESTAMP), template, item_id, text FROM ${OUTCOMES} WHERE outcome = 'rendered' ORDER BY user_id`,
        [c.id, sendAt],
      );
      const names = templates.map((t) => t.name);
      await wh.run(
        `COPY (SELECT user_id, channel, CAST($1 AS TIMESTAMP) AS send_at, list_extract(CAST($2 AS VARCHAR[]), template + 1) AS template, item_id, item_source, text
               FROM ${OUTCOMES} WHERE outcome = 'rendered' ORDER BY user_id) TO $3 (FORMAT ${format})`,
        [sendAt, JSON.stringify(names), temp],
      );
      await recordAudit(ws, {
        action: 'export',
        subject: `message campaign ${c.id}`,
        rows: counts.get('rendered') ?? 0,
        file: resolve(out),
        details: { kind: 'messages', format, send_at: sendAt.toISOString(), opted_out: counts.get('opted_out') ?? 0 },
      });
      renameSync(temp, out);
    });

    const skipped = Object.fromEntries(OUTCOMES_IN_ORDER.filter((o) => o !== 'rendered').map((o) => [o, counts.get(o) ?? 0])) as MessagesRun['skipped'];
    const byChannel: MessagesRun['byChannel'] = { push: 0, sms: 0, in_app: 0 };
    for (const r of channels) byChannel[r.channel] = Number(r.n);
    return {
      campaign: c.id,
      sendAt,
      asOf,
      file: out,
      targeted: [...counts.values()].reduce((a, b) => a + b, 0),
      rendered: counts.get('rendered') ?? 0,
      skipped,
      missing,
      byChannel,
      templates: templates.map((t) => ({
        index: t.index,
        name: t.name,
        channel: t.channel,
        quiet: inQuietHours(c, t.channel, sendAt),
        matched: Number(byTemplate.get(t.index)?.matched ?? 0),
        rendered: Number(byTemplate.get(t.index)?.rendered ?? 0),
        example: example.get(t.index) ?? null,
      })),
    };
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
    await wh.run(`DROP TABLE IF EXISTS ${OUTCOMES}`);
  }
}
