/**
 * RFM and value tiers, a build stage writing `user_rfm`: per buyer in the window, recency (days since the
 * last purchase), frequency (purchase days) and monetary value (money paid), each scored 1..bins against
 * quantile edges of all buyers (ties share a score), the eight classic RFM groups, and a value tier from
 * CLV (else spend). See docs/segments.md.
 */
import { z } from 'zod';
import { requireAsOf } from '../analytics/as-of.js';
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import { tableExists } from '../tags/values/build.js';
import { RFM_GROUPS } from './rfm-groups.js';

export { RFM_GROUPS } from './rfm-groups.js';

export const RFM_TABLE = 'user_rfm';

export const RfmConfigSchema = z
  .strictObject({
    /** Purchases within this many days before as-of count. */
    windowDays: z.number().int().positive().default(365),
    /** Scores run 1..bins (5: quintiles). */
    bins: z.number().int().min(2).max(10).default(5),
    /** A score at or above this is "high" for the RFM groups (default: the middle of 1..bins, 3 of 5). */
    highFrom: z.number().int().min(1).optional(),
    /** Value tiers: this share of buyers (by CLV, else spend) is high, the next `middleShare` middle, the rest low. */
    highShare: z.number().gt(0).lt(1).default(0.2),
    middleShare: z.number().gt(0).lt(1).default(0.3),
  })
  .refine((c) => c.highShare + c.middleShare < 1, { message: 'highShare + middleShare must be below 1', path: ['middleShare'] })
  .refine((c) => c.highFrom === undefined || c.highFrom <= c.bins, { message: 'highFrom must not exceed bins', path: ['highFrom'] });
export type RfmConfig = z.infer<typeof RfmConfigSchema>;

export function resolveRfmConfig(input: unknown = {}): RfmConfig {
  const parsed = RfmConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PortraitError(`rfm config: field ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** The SQL (re)creating user_rfm; `withClv` when clv_scores exists. */
export function rfmSql(config: RfmConfig, withClv: boolean): string {
  // Quantile levels k / bins: numbers this code makes from a validated whole number, not user text.
  const levels = Array.from({ length: config.bins - 1 }, (_, k) => ((k + 1) / config.bins).toString()).join(', ');
  const highFrom = config.highFrom ?? Math.ceil((config.bins + 1) / 2);
  const group = (r: string, f: string, m: string, lang: 'en' | 'zh') =>
    `CASE ${RFM_GROUPS.map((g) => `WHEN (${r} >= ${highFrom}) = ${g.r} AND (${f} >= ${highFrom}) = ${g.f} AND (${m} >= ${highFrom}) = ${g.m} THEN '${g[lang]}'`).join(' ')} END`;
  return `CREATE OR REPLACE TABLE ${RFM_TABLE} AS
  WITH a AS (SELECT CAST($1 AS TIMESTAMP) AS as_of),
  b AS (
    SELECT e.user_id, date_diff('day', CAST(max(e.ts) AS DATE), CAST(any_value(a.as_of) AS DATE)) AS recency_days,
      count(DISTINCT CAST(e.ts AS DATE)) AS frequency, sum(coalesce(e.amount, 0)) AS monetary
    FROM events e CROSS JOIN a
    WHERE e.type = 'buy' AND e.ts <= a.as_of AND e.ts > a.as_of - to_seconds(CAST($2 AS BIGINT))
    GROUP BY e.user_id
  ), edges AS (
    SELECT quantile_disc(recency_days, [${levels}]) AS re, quantile_disc(frequency, [${levels}]) AS fe,
      quantile_disc(monetary, [${levels}]) AS me FROM b
  ), scored AS (
    SELECT b.*,
      1 + len(list_filter(edges.re, x -> x > b.recency_days)) AS r,
      1 + len(list_filter(edges.fe, x -> x < b.frequency)) AS f,
      1 + len(list_filter(edges.me, x -> x < b.monetary)) AS m,
      ${withClv ? 'coalesce(c.clv, b.monetary)' : 'b.monetary'} AS value
    FROM b CROSS JOIN edges${withClv ? ' LEFT JOIN clv_scores c ON c.user_id = b.user_id' : ''}
  ), ranked AS (
    SELECT *, (rank() OVER (ORDER BY value DESC) - 1) / count(*) OVER () AS value_rank FROM scored
  )
  SELECT CAST(user_id AS BIGINT) AS user_id, CAST(recency_days AS BIGINT) AS recency_days, CAST(frequency AS BIGINT) AS frequency,
    CAST(monetary AS DOUBLE) AS monetary, CAST(r AS INTEGER) AS r, CAST(f AS INTEGER) AS f, CAST(m AS INTEGER) AS m,
    CAST(r AS VARCHAR) || CAST(f AS VARCHAR) || CAST(m AS VARCHAR) AS rfm_score,
    ${group('r', 'f', 'm', 'en')} AS rfm_group, ${group('r', 'f', 'm', 'zh')} AS rfm_group_zh,
    CASE WHEN value_rank < $3 THEN 'high' WHEN value_rank < $3 + $4 THEN 'middle' ELSE 'low' END AS value_tier,
    (SELECT as_of FROM a) AS as_of
  FROM ranked ORDER BY user_id`;
}

export async function buildRfm(ws: Workspace, options: { asOf?: Date; config?: unknown } = {}): Promise<{ asOf: Date; rows: number; seconds: number }> {
  const started = Date.now();
  const config = resolveRfmConfig(options.config ?? {});
  const { wh } = ws;
  return wh.transaction(async () => {
    const asOf = await requireAsOf(wh, options.asOf, 'rfm');
    await wh.run(rfmSql(config, await tableExists(wh, 'clv_scores')), [asOf, config.windowDays * 86400, config.highShare, config.middleShare]);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${RFM_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
