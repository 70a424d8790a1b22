/**
 * The traits build stage: per user, consumption level (where the prices paid sit within each category),
 * device price tier and operating system, and acquisition channel, into `user_traits`. One CREATE OR
 * REPLACE TABLE ... AS in one transaction; set-based, no JavaScript per event. See docs/tags.md.
 */
import { z } from 'zod';
import { requireAsOf } from '../../analytics/as-of.js';
import { PortraitError } from '../../errors.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';

export const TRAITS_TABLE = 'user_traits';

const fraction = z.number().min(0).max(1);
export const TraitsConfigSchema = z
  .strictObject({
    /** Purchases within this many days before as-of set the consumption level. */
    priceWindowDays: z.number().int().positive().default(180),
    /** A category needs this many purchases in the window before its prices rank anyone. */
    minCategoryPurchases: z.number().int().min(2).default(5),
    /** price_percentile below this is a low level; above highFrom, high; between, middle. */
    lowBelow: fraction.default(1 / 3),
    highFrom: fraction.default(2 / 3),
    /** Device price (yuan) below this is the low tier; at or above highFrom, high; between, middle. */
    deviceLowBelow: z.number().nonnegative().default(1500),
    deviceHighFrom: z.number().nonnegative().default(4000),
  })
  .refine((c) => c.lowBelow <= c.highFrom, { message: 'lowBelow must not exceed highFrom', path: ['highFrom'] })
  .refine((c) => c.deviceLowBelow <= c.deviceHighFrom, { message: 'deviceLowBelow must not exceed deviceHighFrom', path: ['deviceHighFrom'] });
export type TraitsConfig = z.infer<typeof TraitsConfigSchema>;

export function resolveTraitsConfig(input: unknown = {}): TraitsConfig {
  const parsed = TraitsConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PortraitError(`traits config: field ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

export interface TraitsBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
}

/**
 * The SELECT computing user_traits. A purchase's unit price is amount / quantity (else the item's list
 * price); its percentile within the category is the mid-rank (cheaper purchases + half of the equally
 * priced ones) / purchases, so a lone price sits at 0.5.
 */
export function traitsSql(config: TraitsConfig, asOf: Date): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [asOf, config.priceWindowDays * 86400, config.minCategoryPurchases, config.lowBelow, config.highFrom, config.deviceLowBelow, config.deviceHighFrom];
  const sql = `CREATE OR REPLACE TABLE ${TRAITS_TABLE} AS
  WITH a AS (SELECT CAST($1 AS TIMESTAMP) AS as_of),
  buys AS (
    SELECT e.user_id, COALESCE(e.category_id, it.category_id) AS category_id,
      CASE WHEN e.amount IS NOT NULL AND e.amount > 0 THEN e.amount / greatest(coalesce(e.quantity, 1), 1) ELSE it.price END AS unit_price
    FROM events e CROSS JOIN a LEFT JOIN items it ON it.item_id = e.item_id
    WHERE e.type = 'buy' AND e.ts <= a.as_of AND e.ts > a.as_of - to_seconds(CAST($2 AS BIGINT))
  ), priced AS (
    SELECT *, count(*) OVER (PARTITION BY category_id) AS n FROM buys WHERE unit_price IS NOT NULL AND category_id IS NOT NULL
  ), ranked AS (
    SELECT user_id,
      (rank() OVER (PARTITION BY category_id ORDER BY unit_price) - 1
        + 0.5 * count(*) OVER (PARTITION BY category_id, unit_price)) / n AS pct
    FROM priced WHERE n >= CAST($3 AS BIGINT)
  ), price AS (
    SELECT user_id, avg(pct) AS price_percentile FROM ranked GROUP BY user_id
  ), devices AS (
    SELECT l.user_id, max(d.price) AS device_price,
      list(d.os ORDER BY l.last_seen DESC NULLS LAST, d.os) FILTER (WHERE d.os IS NOT NULL)[1] AS device_os
    FROM identity_links l JOIN devices d ON d.device_id = l.device_id
    GROUP BY l.user_id
  ), firsts AS (
    SELECT e.user_id, arg_min(struct_pack(type := CAST(e.type AS VARCHAR), referrer := e.referrer_user_id,
      channel := json_extract_string(e.properties, '$.channel'), ts := e.ts), e.ts) AS f
    FROM events e CROSS JOIN a WHERE e.ts <= a.as_of GROUP BY e.user_id
  ), invited AS (
    SELECT DISTINCT s.dst_user_id AS user_id FROM social_edges s JOIN firsts f ON f.user_id = s.dst_user_id
    WHERE s.kind = 'invite' AND CAST(s.ts AS DATE) <= CAST(f.f.ts AS DATE)
  ), channel AS (
    SELECT f.user_id,
      CASE WHEN f.f.channel IS NOT NULL AND f.f.channel <> '' THEN f.f.channel
           WHEN f.f.type = 'invite_click' OR i.user_id IS NOT NULL THEN 'invite'
           WHEN f.f.referrer IS NOT NULL THEN 'share'
           ELSE 'organic' END AS channel
    FROM firsts f LEFT JOIN invited i ON i.user_id = f.user_id
  )
  SELECT CAST(c.user_id AS BIGINT) AS user_id,
    CAST(p.price_percentile AS DOUBLE) AS price_percentile,
    CASE WHEN p.price_percentile IS NULL THEN NULL WHEN p.price_percentile < $4 THEN 'low' WHEN p.price_percentile >= $5 THEN 'high' ELSE 'middle' END AS price_level,
    CAST(d.device_price AS DOUBLE) AS device_price,
    CASE WHEN d.device_price IS NULL THEN NULL WHEN d.device_price < $6 THEN 'low' WHEN d.device_price >= $7 THEN 'high' ELSE 'middle' END AS device_tier,
    d.device_os, c.channel, (SELECT as_of FROM a) AS as_of
  FROM channel c LEFT JOIN price p ON p.user_id = c.user_id LEFT JOIN devices d ON d.user_id = c.user_id`;
  return { sql, params };
}

export async function buildTraits(ws: Workspace, options: { asOf?: Date; config?: unknown } = {}): Promise<TraitsBuildReport> {
  const started = Date.now();
  const config = resolveTraitsConfig(options.config ?? {});
  const { wh } = ws;
  return wh.transaction(async () => {
    const asOf = await requireAsOf(wh, options.asOf, 'traits');
    const { sql, params } = traitsSql(config, asOf);
    await wh.run(sql, params);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${TRAITS_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
