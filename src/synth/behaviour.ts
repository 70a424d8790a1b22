/**
 * Everyday browsing, the bulk of the world: sessions per user, then the events of each session.
 *
 * Sessions: how many follows the user's activity and active days; each falls on an active day (weekend
 * lovers shift some to weekends), at an hour near the user's peak or on the platform's daily curve
 * (evening peak), browses one interest slot (plus its complementary leaf now and then), and may open
 * with a login (device and place) or a search.
 *
 * Events: position j of a session draws a raw type; a fav, cart or buy acts on the item viewed at j-1,
 * and the position before a non-view is forced to be a view, so buys are of items just viewed (the
 * view -> fav/cart -> buy funnel). Buy odds rise in the days after the user's payday and follow income;
 * cycle-bought leaves are only browsed here (cycles.ts buys them). The raw odds are calibrated from the
 * sessions so the whole world hits the target mix.
 */
import { activeAt, maskSql, pick, into, write, type SynthContext } from './context.js';
import { itemIdSql, priceIndexSql, priceSql, type Catalogue } from './catalogue.js';

const HOUR_CURVE: [number, number][] = [
  [0, 3], [1, 1.5], [2, 0.8], [3, 0.5], [4, 0.4], [5, 0.5], [6, 1], [7, 2], [8, 3], [9, 4], [10, 4.5], [11, 4.5],
  [12, 5], [13, 5], [14, 4.5], [15, 4.5], [16, 4.5], [17, 4.5], [18, 5], [19, 6], [20, 7.5], [21, 8], [22, 7], [23, 5],
];
export const COMPLEMENT_SHARE = 0.12;
/** Payday lift: buy odds in the three days from payday, and the rest of the month (mean about 1). */
export const PAYDAY_LIFT = 2.0;
const PAYDAY_REST = 0.89;
const MAX_SESSION_EVENTS = 300;
const MAX_SESSIONS = 16383;

/** Day of the week (0 = Monday) of a day number of the world. */
export function weekdaySql(ctx: SynthContext, dayExpr: string): string {
  return `((${Math.floor(ctx.plan.epoch0 / 86400)} + ${dayExpr} + 3) % 7)`;
}

/** Maps an index into the user's active days (columns a0,a1,b0,b1) to a day number. */
function activeDay(idx: string): string {
  return `(CASE WHEN ${idx} < a1 - a0 THEN a0 + ${idx} ELSE b0 + ${idx} - (a1 - a0) END)`;
}

/** Day of the month of every day of the world, as a list literal indexed by day + 1. */
function dayOfMonthList(ctx: SynthContext): string {
  const out: number[] = [];
  for (let d = 0; d < ctx.plan.days; d++) out.push(new Date((ctx.plan.epoch0 + d * 86400) * 1000).getUTCDate());
  return `[${out.join(', ')}]`;
}

/**
 * A session's key: user in bits 24.., session number in bits 10..23, leaving bits 0..9 for positions.
 * Draws of a session and of its events hash this key (plus position), one hash per draw.
 */
export const SESSION_KEY = '((user_id << 24) | (k << 10))';

export async function buildSessions(ctx: SynthContext, mainCoreTarget: number): Promise<void> {
  const { r, plan } = ctx;
  const m = plan.sessionLength;
  // Sessions per user ∝ activity x active days, scaled so the main browsing fills its share of events.
  const sums = await ctx.wh.query<{ s: string }>(
    `SELECT CAST(sum(CAST(activity AS HUGEINT) * ((a1 - a0) + (b1 - b0))) AS VARCHAR) AS s FROM synth_people WHERE kind <> 'coupon_farm'`,
  );
  const weight = Number(sums[0]?.s ?? 0);
  const perUnit = weight > 0 ? mainCoreTarget / m / weight : 0;
  const end = plan.days * 86400;
  // Four hashes per session, each cut into four 16-bit uniforms: plenty for days, hours and switches.
  const part = (h: number, i: number) => `(CAST((h${h} >> ${16 * i}) & 65535 AS DOUBLE) * 1.52587890625e-5)`;
  const normal3 = `((${part(2, 0)} + ${part(2, 1)} + ${part(2, 2)} - 1.5e0) * 2)`;

  await ctx.wh.run(`CREATE TEMP TABLE synth_sessions AS
    WITH p AS (
      SELECT p.user_id, p.payday, p.arrival_sec, p.arrival_day, p.a0, p.a1, p.b0, p.b1, p.peak_hour, p.weekend_bias, p.shift_day,
        p.located, p.home_gh, p.work_gh, p.dev1, p.dev2, p.fav_w, p.cart_w, p.buy_w, p.price_tilt, s.leaves, s.cycle_slot,
        (p.a1 - p.a0) + (p.b1 - p.b0) AS act_days,
        CAST(p.activity * ((p.a1 - p.a0) + (p.b1 - p.b0)) AS DOUBLE) * ${perUnit.toExponential(16)} AS x
      FROM synth_people p JOIN synth_slots s USING (user_id)
      WHERE p.kind <> 'coupon_farm'
    ), q AS (
      SELECT p.*, LEAST(${MAX_SESSIONS}, GREATEST(CASE WHEN arrival_sec IS NOT NULL THEN 1 ELSE 0 END,
          CAST(floor(x) AS BIGINT) + CASE WHEN ${r.u('sessions', 'user_id')} < x - floor(x) THEN 1 ELSE 0 END)) AS n_sess
      FROM p
    ), s AS (
      SELECT q.*, unnest(range(n_sess)) AS k FROM q
    ), d AS (
      SELECT s.*, ${SESSION_KEY} AS sk FROM s
    ), h AS (
      SELECT d.*, ${r.packed('session-1', 'sk')} AS h1, ${r.packed('session-2', 'sk')} AS h2,
        ${r.packed('session-3', 'sk')} AS h3, ${r.packed('session-4', 'sk')} AS h4
      FROM d
    ), e AS (
      SELECT h.*,
        ${activeDay(`CAST(floor(${part(1, 0)} * act_days) AS BIGINT)`)} AS d1,
        ${activeDay(`CAST(floor(${part(1, 1)} * act_days) AS BIGINT)`)} AS d2,
        ${part(1, 2)} AS usw,
        CASE WHEN ${part(1, 3)} < 55e-2 THEN CAST((peak_hour + 24 + round(${normal3} * 1.2e0)) AS BIGINT) % 24
             ELSE ${pick(part(2, 3), HOUR_CURVE)} END AS hour0,
        LEAST(${MAX_SESSION_EVENTS}, 1 + CAST(floor(ln(1 - ${part(3, 0)}) / ${Math.log(1 - 1 / m).toExponential(16)}) AS BIGINT)) AS n0,
        CAST(floor(exp(${Math.log(6).toExponential(16)} + ${part(3, 1)} * ${Math.log(40).toExponential(16)})) AS BIGINT) AS gap,
        CAST(floor(pow(${plan.slots + 1}, ${part(3, 2)})) AS BIGINT) - 1 AS slot0,
        CAST(floor(${part(3, 3)} * 3600) AS BIGINT) AS sec_in_hour,
        ${part(4, 0)} AS uo,
        ${part(4, 1)} AS ud
      FROM h
    ), f AS (
      SELECT e.*,
        CASE WHEN k = 0 AND arrival_sec IS NOT NULL THEN arrival_day
             WHEN weekend_bias > 7e-1 AND ${weekdaySql(ctx, 'd1')} < 5 AND usw < 4e-1 THEN d2
             WHEN weekend_bias < 15e-2 AND ${weekdaySql(ctx, 'd1')} >= 5 AND usw < 4e-1 THEN d2
             ELSE d1 END AS day,
        CASE WHEN k = 0 AND arrival_sec IS NOT NULL THEN LEAST(n0, 40) ELSE n0 END AS n,
        CASE WHEN k = 0 THEN 1 WHEN uo < 2e-1 THEN 1 WHEN uo < 5e-1 THEN 2 ELSE 0 END AS opener
      FROM e
    ), g AS (
      SELECT f.*,
        CASE WHEN shift_day IS NOT NULL AND day >= shift_day THEN (slot0 + ${plan.slots / 2}) % ${plan.slots} ELSE slot0 END AS slot,
        CASE WHEN k = 0 AND arrival_sec IS NOT NULL THEN arrival_sec
             ELSE GREATEST(COALESCE(arrival_sec, 0) + 60 * k, LEAST(day * 86400 + hour0 * 3600 + sec_in_hour, ${end} - (n + 2) * gap - 1)) END AS start_sec
      FROM f
    )
    SELECT g.user_id, g.k, g.n, g.sk, g.gap, g.opener,
      xor(CAST((g.user_id << 32) | (g.k << 10) AS UBIGINT), ${maskSql(ctx)}) AS ev_base,
      (${plan.epoch0} + g.start_sec) * 1000000 AS start_us,
      l.leaf_id, l.comp_leaf, l.consumable,
      CAST(g.price_tilt * 65536 AS BIGINT) AS tilt,
      g.fav_w AS wf, g.cart_w AS wc,
      -- Cycle-bought leaves are only browsed here; buying lifts in the three days from payday.
      CASE WHEN g.slot = g.cycle_slot THEN 0
           ELSE g.buy_w * CASE WHEN (${dayOfMonthList(ctx)}[CAST(g.start_sec // 86400 AS INTEGER) + 1] - g.payday + 31) % 31 < 3
                               THEN ${Math.round(PAYDAY_LIFT * 1000)} ELSE ${Math.round(PAYDAY_REST * 1000)} END // 1000 END AS wb,
      CASE WHEN g.dev2 IS NOT NULL AND g.ud < 3e-1 THEN g.dev2 ELSE g.dev1 END AS device,
      -- Only logins carry a place: work on weekdays 9:00-18:00 for those with a job, else home.
      CASE WHEN g.located AND g.opener = 1 THEN
        CASE WHEN g.work_gh IS NOT NULL AND ${weekdaySql(ctx, 'g.start_sec // 86400')} < 5
                  AND g.start_sec % 86400 BETWEEN 9 * 3600 AND 18 * 3600 THEN g.work_gh ELSE g.home_gh END END AS geohash
    FROM g JOIN synth_leaf l ON l.leaf_id = g.leaves[g.slot + 1]
    WHERE ${activeAt('g.start_sec', 'g.')} OR (g.k = 0 AND g.arrival_sec IS NOT NULL)`);
}

export function dayString(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

export interface RawOdds {
  fav: number;
  cart: number;
  buy: number;
}

/**
 * Solves the raw odds per unit weight so the expected counts of fav, cart and buy in the main browsing
 * equal their targets. A non-view at j survives only if j+1 is a view (or j is last), so the expected
 * count of type t is sum over sessions of (n-1) p_t - (n-2) p_t q with q = p_fav + p_cart + p_buy.
 * The sums are exact integers, so the solution is the same on every run.
 */
export async function calibrate(ctx: SynthContext, targets: RawOdds): Promise<RawOdds> {
  const rows = await ctx.wh.query<Record<string, string>>(`SELECT
      CAST(sum((n - 1) * wf) AS VARCHAR) AS s1f, CAST(sum((n - 1) * wc) AS VARCHAR) AS s1c, CAST(sum((n - 1) * wb) AS VARCHAR) AS s1b,
      CAST(sum(CAST((n - 2) * wf AS HUGEINT) * wf) AS VARCHAR) AS ff, CAST(sum(CAST((n - 2) * wf AS HUGEINT) * wc) AS VARCHAR) AS fc,
      CAST(sum(CAST((n - 2) * wf AS HUGEINT) * wb) AS VARCHAR) AS fb, CAST(sum(CAST((n - 2) * wc AS HUGEINT) * wc) AS VARCHAR) AS cc,
      CAST(sum(CAST((n - 2) * wc AS HUGEINT) * wb) AS VARCHAR) AS cb, CAST(sum(CAST((n - 2) * wb AS HUGEINT) * wb) AS VARCHAR) AS bb
    FROM synth_sessions WHERE n >= 2`);
  const s = rows[0] ?? {};
  const v = (k: string) => Number(s[k] ?? 0);
  const S1 = { fav: v('s1f') / 1e3, cart: v('s1c') / 1e3, buy: v('s1b') / 1e3 };
  const S2 = {
    fav: { fav: v('ff') / 1e6, cart: v('fc') / 1e6, buy: v('fb') / 1e6 },
    cart: { fav: v('fc') / 1e6, cart: v('cc') / 1e6, buy: v('cb') / 1e6 },
    buy: { fav: v('fb') / 1e6, cart: v('cb') / 1e6, buy: v('bb') / 1e6 },
  };
  const a: RawOdds = { fav: 0, cart: 0, buy: 0 };
  const types = ['fav', 'cart', 'buy'] as const;
  for (let it = 0; it < 100; it++) {
    for (const t of types) {
      const denom = S1[t] - types.reduce((acc, t2) => acc + a[t2] * S2[t][t2], 0);
      a[t] = denom > 0 && targets[t] > 0 ? targets[t] / denom : 0;
    }
  }
  // Keep q well below 1 even for the heaviest weights.
  return a;
}

/** Integer codes for event types while rows are built (comparing strings per row is slow). */
const T = { pv: 0, fav: 1, cart: 2, buy: 3, login: 4, search: 5 } as const;

function typeSql(code: string): string {
  return `(CASE ${code} ${Object.entries(T).map(([name, c]) => `WHEN ${c} THEN '${name}'::event_type`).join(' ')} END)`;
}

/** Time of position j of a session (ha: the position's timing hash). */
function sessionTsSql(j: string, ha: string): string {
  return `make_timestamp(start_us + ((${j} + 1) * gap + (((${ha} >> 37) * gap) >> 27)) * 1000000)`;
}

function timingHash(ctx: SynthContext, pos: string): string {
  return `CAST(${ctx.r.packed('event', `sk | (${pos})`)} >> 1 AS BIGINT)`;
}

/**
 * The events of every session, in one pass. Per position j: one hash decides the raw type (compared
 * as integers against thresholds scaled by 2^53), one the item drawn at the source position (rank, the
 * complement switch and the price tilt from its bits), one the timing, dwell and quantity.
 * `onlyBuys` keeps the buy rows alone (the engine then skips the item work for the rest).
 */
function sessionEventsSql(ctx: SynthContext, cat: Catalogue, odds: RawOdds, onlyBuys = false): string {
  const { r } = ctx;
  const type = (pos: string) => `CAST(${r.packed('type', `sk | (${pos})`)} >> 11 AS BIGINT)`;
  const scale = (x: number) => ((x / 1000) * 2 ** 53).toExponential(16);
  return `SELECT xor(ev_base, CAST(j + 1 AS UBIGINT)) AS event_id,
      user_id,
      CASE WHEN ty IN (${T.login}, ${T.buy}) THEN device END AS device_id,
      ${sessionTsSql('j', 'ha')} AS ts,
      ${typeSql('ty')} AS type,
      CASE WHEN j >= 0 THEN ${itemIdSql(cat, 'item_base + idx')} END AS item_id,
      CASE WHEN ty = ${T.login} THEN NULL WHEN ty = ${T.search} THEN leaf_id ELSE leaf_sel END AS category_id,
      CASE WHEN ty = ${T.buy} THEN ${priceSql('mu', 'sigma', 'idx', 'n_items')} * qty END AS amount,
      CASE WHEN ty IN (${T.buy}, ${T.cart}) THEN qty END AS quantity,
      CASE WHEN ty = ${T.pv} THEN CAST(gap * (300 + (ha >> 8) % 1200) // 100 AS DOUBLE) / 10 END AS dwell_s,
      CASE WHEN ty = ${T.login} THEN geohash END AS geohash,
      ${ctx.batchId} AS batch_id
    FROM (
      SELECT y.*,
        ${priceIndexSql('rank', 'n_items', 'perm_off', 'tilt', 'u_tilt')} AS idx,
        CASE WHEN (ha & 255) < CASE WHEN consumable THEN 115 ELSE 26 END THEN 2 + ((ha >> 8) & 1) * CAST(consumable AS BIGINT) ELSE 1 END AS qty
      FROM (
        SELECT x.*, l.n_items, l.item_base, l.perm_off, l.mu, l.sigma,
          LEAST(l.n_items - 1, CAST(floor(exp(u_rank * l.ln_n1)) AS BIGINT) - 1) AS rank
        FROM (
          SELECT w.*, CASE WHEN (hi & 65535) < ${Math.round(COMPLEMENT_SHARE * 65536)} THEN comp_leaf ELSE leaf_id END AS leaf_sel,
            CAST(hi >> 32 AS DOUBLE) * 2.3283064365386963e-10 AS u_rank, CAST((hi >> 16) & 65535 AS BIGINT) AS u_tilt,
            ${timingHash(ctx, 'j + 1')} AS ha
          FROM (
            SELECT t.*, ${r.packed('item', 'sk | (src + 1)')} AS hi
            FROM (
              SELECT u0.*,
                CASE WHEN j < 0 THEN CASE WHEN opener = 1 THEN ${T.login} ELSE ${T.search} END
                     WHEN j = 0 OR nonpv_next THEN ${T.pv}
                     WHEN uj < pf THEN ${T.fav} WHEN uj < pfc THEN ${T.cart} WHEN uj < q THEN ${T.buy} ELSE ${T.pv} END AS ty,
                CASE WHEN j >= 1 AND NOT nonpv_next AND uj < q THEN j - 1 ELSE j END AS src
              FROM (
                SELECT s.*, ${type('j + 1')} AS uj, (j + 1 < n AND ${type('j + 2')} < q) AS nonpv_next
                FROM (
                  SELECT s.*, unnest(range(CASE WHEN opener > 0 THEN -1 ELSE 0 END, n)) AS j
                  FROM (SELECT *,
                          CAST(${scale(odds.fav)} * wf AS BIGINT) AS pf,
                          CAST(${scale(odds.fav)} * wf + ${scale(odds.cart)} * wc AS BIGINT) AS pfc,
                          CAST(${scale(odds.fav)} * wf + ${scale(odds.cart)} * wc + ${scale(odds.buy)} * wb AS BIGINT) AS q
                        FROM synth_sessions) s
                ) s
              ) u0
            ) t ${onlyBuys ? `WHERE ty = ${T.buy}` : ''}
          ) w
        ) x JOIN synth_leaf l ON l.leaf_id = x.leaf_sel
      ) y
    )`;
}

export async function writeSessionEvents(ctx: SynthContext, cat: Catalogue, odds: RawOdds): Promise<number> {
  return write(
    ctx,
    'events',
    `INSERT INTO events (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, geohash, batch_id)
     ${sessionEventsSql(ctx, cat, odds)}`,
  );
}

/**
 * While planning: the buys of everyday browsing (exactly the rows the insert will write), so orders,
 * friend buys and identity links can be staged without reading the events back.
 */
export async function buildMainBuys(ctx: SynthContext, cat: Catalogue, odds: RawOdds): Promise<void> {
  await ctx.wh.run(`CREATE TEMP TABLE synth_main_buys AS ${sessionEventsSql(ctx, cat, odds, true)}`);
}

/** The logins that open sessions, with device and time (for identity links). */
export function mainLoginsSql(ctx: SynthContext): string {
  return `SELECT device AS device_id, user_id, ${sessionTsSql('-1', timingHash(ctx, '0'))} AS ts FROM synth_sessions WHERE opener = 1`;
}
