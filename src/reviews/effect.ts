/**
 * How quality reviews go with later conversion of the item: an OBSERVATIONAL comparison, not an
 * experiment (reviews are not assigned at random: items that sell get reviewed, and shoppers, prices
 * and seasons change over time). Two readings (docs/content.md):
 *
 * - before / after: for each item whose first quality review q falls in the period, with both windows
 *   [q - W, q) and [q, q + W] inside the data, the conversion of the item's viewers in each window;
 * - with / without: among the items that had sold (a delivered order line) before the period started, so
 *   could have been reviewed, the conversion over the period of those with a quality review by then
 *   against those without.
 *
 * Conversion is the share of the item's viewers (users with a pv of it in the window) who also bought it
 * in the window, pooled over items. Users who reviewed the item (at any time up to as-of) are left out:
 * their own purchase is what made the review possible.
 */
import { SqlParams } from '../conditions/params.js';
import { ratio } from '../content/engagement.js';
import type { Period } from '../content/period.js';
import type { Workspace } from '../workspace/workspace.js';
import { scopeItemsCtes } from './categories.js';
import { qualitySql } from './quality.js';

export interface ConversionCell {
  /** Items with at least one counted viewer. */
  items: number;
  /** Item-viewer pairs (a user viewing the item in the window). */
  viewers: number;
  /** Of those, pairs where the user also bought the item in the window. */
  converted: number;
  /** converted / viewers. */
  conversion: number | null;
}

export interface Comparison {
  /** Conversion in the second group minus the first (after - before; with - without). */
  difference: number | null;
  /** Second / first - 1. */
  relativeChange: number | null;
}

export interface ReviewEffect {
  window: string;
  windowSeconds: number;
  beforeAfter: Comparison & {
    /** Items whose first quality review qualifies (in the period, both windows inside the data). */
    items: number;
    before: ConversionCell;
    after: ConversionCell;
  };
  withWithout: Comparison & { with: ConversionCell; without: ConversionCell };
  note: string;
}

export const EFFECT_NOTE =
  'observational: quality reviews are not assigned at random (items that sell get reviewed), so a difference is an association, not the effect of the review';

export interface EffectInput {
  period: Period;
  root: number | null;
  minLength: number;
  window: string;
  windowSeconds: number;
}

const cellOf = (r: Record<string, unknown> | undefined): ConversionCell => {
  const viewers = Number(r?.viewers ?? 0);
  const converted = Number(r?.converted ?? 0);
  return { items: Number(r?.items ?? 0), viewers, converted, conversion: ratio(converted, viewers) };
};

const compare = (a: ConversionCell, b: ConversionCell): Comparison => ({
  difference: a.conversion === null || b.conversion === null ? null : b.conversion - a.conversion,
  relativeChange: a.conversion === null || b.conversion === null || a.conversion === 0 ? null : b.conversion / a.conversion - 1,
});

export async function reviewEffect(ws: Workspace, input: EffectInput): Promise<ReviewEffect> {
  const { period, root } = input;
  const first = await ws.wh.query<{ t: Date | null }>('SELECT min(ts) AS t FROM events');
  const dataStart = first[0]?.t ?? period.from;
  const w = input.windowSeconds * 1000;

  const p = new SqlParams();
  const scope = scopeItemsCtes(p, root);
  const asOf = `CAST(${p.bind(period.asOf)} AS TIMESTAMP)`;
  const window = `to_seconds(CAST(${p.bind(input.windowSeconds)} AS BIGINT))`;
  const beforeAfter = await ws.wh.query<Record<string, unknown>>(
    `WITH RECURSIVE ${scope},
    fq AS (
      SELECT r.item_id, min(r.ts) AS q FROM reviews r JOIN scope_items s ON s.item_id = r.item_id
      WHERE ${qualitySql(p.bind(input.minLength))} AND r.ts <= ${asOf} GROUP BY r.item_id
    ),
    el AS (
      SELECT item_id, q FROM fq
      WHERE q >= CAST(${p.bind(period.from)} AS TIMESTAMP) AND q <= CAST(${p.bind(new Date(period.asOf.getTime() - w))} AS TIMESTAMP)
        AND q >= CAST(${p.bind(new Date(dataStart.getTime() + w))} AS TIMESTAMP)
    ),
    rv AS (SELECT DISTINCT item_id, user_id FROM reviews WHERE ts <= ${asOf}),
    ev AS (
      SELECT e.item_id, e.user_id, e.ts >= el.q AS after, bool_or(e.type = 'pv') AS viewed, bool_or(e.type = 'buy') AS bought
      FROM events e JOIN el ON el.item_id = e.item_id
      WHERE e.type IN ('pv', 'buy') AND e.ts >= el.q - ${window} AND e.ts <= el.q + ${window}
        AND NOT EXISTS (SELECT 1 FROM rv WHERE rv.item_id = e.item_id AND rv.user_id = e.user_id)
      GROUP BY ALL
    )
    SELECT 'eligible' AS side, count(*) AS items, NULL AS viewers, NULL AS converted FROM el
    UNION ALL
    SELECT CASE WHEN after THEN 'after' ELSE 'before' END, count(DISTINCT item_id) FILTER (WHERE viewed),
      count(*) FILTER (WHERE viewed), count(*) FILTER (WHERE viewed AND bought)
    FROM ev GROUP BY after`,
    p.values,
  );

  const q = new SqlParams();
  const scope2 = scopeItemsCtes(q, root);
  const qFrom = `CAST(${q.bind(period.from)} AS TIMESTAMP)`;
  const qAsOf = `CAST(${q.bind(period.asOf)} AS TIMESTAMP)`;
  const withWithout = await ws.wh.query<Record<string, unknown>>(
    `WITH RECURSIVE ${scope2},
    sold AS (
      SELECT DISTINCT o.item_id FROM orders o ${root === null ? '' : 'JOIN scope_items s ON s.item_id = o.item_id'}
      WHERE o.status = 'delivered' AND o.ts < ${qFrom}
    ),
    qb AS (SELECT DISTINCT r.item_id FROM reviews r WHERE ${qualitySql(q.bind(input.minLength))} AND r.ts < ${qFrom}),
    rv AS (SELECT DISTINCT item_id, user_id FROM reviews WHERE ts <= ${qAsOf}),
    iv AS (
      SELECT e.item_id, e.user_id, bool_or(e.type = 'pv') AS viewed, bool_or(e.type = 'buy') AS bought
      FROM events e JOIN sold ON sold.item_id = e.item_id
      WHERE e.type IN ('pv', 'buy') AND e.ts >= ${qFrom} AND e.ts <= ${qAsOf}
        AND NOT EXISTS (SELECT 1 FROM rv WHERE rv.item_id = e.item_id AND rv.user_id = e.user_id)
      GROUP BY ALL
    )
    SELECT CASE WHEN qb.item_id IS NULL THEN 'without' ELSE 'with' END AS side,
      count(DISTINCT iv.item_id) FILTER (WHERE viewed) AS items, count(*) FILTER (WHERE viewed) AS viewers,
      count(*) FILTER (WHERE viewed AND bought) AS converted
    FROM iv LEFT JOIN qb ON qb.item_id = iv.item_id GROUP BY 1`,
    q.values,
  );

  const side = (rows: Record<string, unknown>[], s: string) => rows.find((r) => r.side === s);
  const before = cellOf(side(beforeAfter, 'before'));
  const after = cellOf(side(beforeAfter, 'after'));
  const withCell = cellOf(side(withWithout, 'with'));
  const without = cellOf(side(withWithout, 'without'));
  return {
    window: input.window,
    windowSeconds: input.windowSeconds,
    beforeAfter: { items: Number(side(beforeAfter, 'eligible')?.items ?? 0), before, after, ...compare(before, after) },
    withWithout: { with: withCell, without, ...compare(without, withCell) },
    note: EFFECT_NOTE,
  };
}
