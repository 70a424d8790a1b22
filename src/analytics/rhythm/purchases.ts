/**
 * Buying rhythm: time from the first view of an item to its purchase, and payday (the day-of-month window
 * where a user's purchase days bunch up, when the data shows one). Reads the buy events once, and the
 * views only of bought (user, item) pairs through a join.
 */
import type { RhythmConfig } from './config.js';
import type { Params } from './params.js';

/** Windows a payday test could pick (start days 1..31): the p-value is multiplied by this (Bonferroni). */
export const PAYDAY_WINDOWS = 31;

/**
 * CTEs: rbuy (buy events), rvb (per user: bought items with an earlier view and the median minutes from
 * first view to purchase), rpd (per user: distinct purchase days and payday). Needs ru (first_day).
 */
export function purchaseCtes(p: Params, config: RhythmConfig, asOf: string): string {
  const c = config.payday;
  const w = p.add(c.windowDays, 'BIGINT');
  const minPeak = p.add(c.minPeakDays, 'BIGINT');
  const minMonths = p.add(c.minMonths, 'BIGINT');
  const maxP = p.add(c.maxPValue, 'DOUBLE');
  const gapMin = p.add(c.monthlyGapDays[0], 'BIGINT');
  const gapMax = p.add(c.monthlyGapDays[1], 'BIGINT');
  // Position of a day inside the window that starts on day-of-month d (0 = the payday itself); days of
  // month are taken modulo 31, so a window from the 30th holds the 30th, the 31st and the 1st.
  const offset = (day: string, d: string) => `((dayofmonth(${day}) - ${d} + 31) % 31)`;
  return `rbuy AS MATERIALIZED (
    SELECT user_id, item_id, category_id, ts FROM events WHERE type = 'buy' AND ts <= ${asOf}
  ), rbi AS (
    SELECT user_id, item_id, min(ts) AS bought FROM rbuy WHERE item_id IS NOT NULL GROUP BY user_id, item_id
  ), rvb0 AS (
    -- per bought item: from the user's first view of it (at or before the first purchase) to that purchase
    SELECT b.user_id, b.item_id, (epoch_us(b.bought) - epoch_us(min(e.ts))) / 60000000.0 AS minutes
    FROM rbi b JOIN events e ON e.user_id = b.user_id AND e.item_id = b.item_id
    WHERE e.type = 'pv' AND e.ts <= b.bought
    GROUP BY b.user_id, b.item_id, b.bought
  ), rvb AS (
    SELECT user_id, count(*) AS viewed_buys, median(minutes) AS median_view_to_buy_minutes FROM rvb0 GROUP BY user_id
  ), rcd AS MATERIALIZED (
    SELECT DISTINCT b.user_id, COALESCE(b.category_id, it.category_id) AS category_id, CAST(b.ts AS DATE) AS day
    FROM rbuy b LEFT JOIN items it ON it.item_id = b.item_id
  ), rmonthly AS (
    -- categories the user replenishes monthly (a typical gap of about a month between purchase days):
    -- they land on the same day of month by themselves, so they are no evidence of a payday
    SELECT user_id, category_id FROM (
      SELECT user_id, category_id, day - lag(day) OVER (PARTITION BY user_id, category_id ORDER BY day) AS gap
      FROM rcd WHERE category_id IS NOT NULL
    ) GROUP BY user_id, category_id
    HAVING count(gap) >= 2 AND median(gap) BETWEEN ${gapMin} AND ${gapMax}
  ), rpdays AS MATERIALIZED (
    SELECT DISTINCT c.user_id, c.day FROM rcd c ANTI JOIN rmonthly m ON m.user_id = c.user_id AND m.category_id = c.category_id
  ), rpn AS (
    -- purchase days counted as payday evidence (monthly refills left out)
    SELECT user_id, count(*) AS buy_days FROM rpdays GROUP BY user_id
  ), rph AS (
    -- every candidate payday (a day of month the user bought on) with the purchase days in its window
    SELECT c.user_id, c.d, count(*) AS k, count(*) FILTER (WHERE dayofmonth(x.day) = c.d) AS k0,
      count(DISTINCT x.day - CAST(${offset('x.day', 'c.d')} AS INTEGER)) AS months
    FROM (SELECT DISTINCT user_id, dayofmonth(day) AS d FROM rpdays) c
    JOIN rpdays x ON x.user_id = c.user_id AND ${offset('x.day', 'c.d')} < ${w}
    GROUP BY c.user_id, c.d
  ), rpb AS (
    SELECT * FROM rph WHERE k >= ${minPeak} AND months >= ${minMonths}
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY k DESC, k0 DESC, d) = 1
  ), rcal AS (
    -- per window start d and calendar day: how many days up to it fall in the window (for the even spread)
    SELECT r.d, c.day,
      sum(CASE WHEN ${offset('c.day', 'r.d')} < ${w} THEN 1 ELSE 0 END) OVER (PARTITION BY r.d ORDER BY c.day) AS cum
    FROM range(1, 32) r(d)
    CROSS JOIN (SELECT CAST(unnest(generate_series((SELECT min(first_day) - 1 FROM ru), CAST(${asOf} AS DATE), INTERVAL 1 DAY)) AS DATE) AS day) c
  ), rpt AS (
    -- p0: the share of the user's observed days (first event .. as-of) inside the window
    SELECT b.user_id, b.d, b.k, n.buy_days AS n,
      (ce.cum - cs.cum) / (CAST(${asOf} AS DATE) - u.first_day + 1) AS p0
    FROM rpb b JOIN rpn n USING (user_id) JOIN ru u USING (user_id)
    JOIN rcal ce ON ce.d = b.d AND ce.day = CAST(${asOf} AS DATE)
    JOIN rcal cs ON cs.d = b.d AND cs.day = u.first_day - 1
  ), rpv AS (
    -- binomial tail P(X >= k), X ~ Bin(n, p0), times the windows that could have been picked
    SELECT user_id, d, LEAST(1.0, ${PAYDAY_WINDOWS} * CASE WHEN p0 >= 1 THEN 1.0 ELSE
      list_sum(list_transform(range(k, n + 1), lambda j: exp(lgamma(n + 1) - lgamma(j + 1) - lgamma(n - j + 1) + j * ln(p0) + (n - j) * ln(1 - p0)))) END) AS p_value
    FROM rpt
  ), rpd AS (
    SELECT n.user_id, n.buy_days, CASE WHEN v.p_value <= ${maxP} THEN v.d END AS payday, v.p_value AS payday_p_value
    FROM (SELECT user_id, count(DISTINCT day) AS buy_days FROM rcd GROUP BY user_id) n LEFT JOIN rpv v USING (user_id)
  )`;
}
