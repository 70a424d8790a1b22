/**
 * Everyday browsing, the bulk of the world: sessions per user, then the events of each session.
 *
 * Sessions: how many follows the user's activity and active days; each falls on an active day (weekend
 * lovers shift some to weekends), at an hour near the user's peak or on the platform's daily curve
 * (evening peak), browses one interest slot (plus its complementary leaf now and then), and may open
 * with a login (device and place) or a search.
 *
 * Events come in three streams, so what depends on buys and logins never needs the whole expansion:
 * the views of a session (the bulk), its actions (fav, cart, buy, each on one of the session's views a
 * moment after it: the view -> fav/cart -> buy funnel) and its opener. Buy odds rise in the days after
 * the user's payday and follow income; cycle-bought leaves are only browsed here (cycles.ts buys them).
 * The action odds are calibrated from the sessions so the whole world hits the target mix.
 */
import { activeAt, maskSql, pick, write, type SynthContext } from './context.js';
import { ageTiltSql, itemIdSql, priceIndexSql, priceSql, styleIndexSql, type Catalogue } from './catalogue.js';

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

/** Sessions with `viewTarget` views in all (sessions of mean length `sessionLength`, in views). */
export async function buildSessions(ctx: SynthContext, viewTarget: number): Promise<void> {
  const { r, plan } = ctx;
  const m = plan.sessionLength;
  // Sessions per user ∝ activity x active days, scaled so browsing supplies its share of views.
  const sums = await ctx.wh.query<{ s: string }>(
    `SELECT CAST(sum(CAST(activity AS HUGEINT) * ((a1 - a0) + (b1 - b0))) AS VARCHAR) AS s FROM synth_people WHERE kind <> 'coupon_farm'`,
  );
  const weight = Number(sums[0]?.s ?? 0);
  const perUnit = weight > 0 ? viewTarget / m / weight : 0;
  const end = plan.days * 86400;
  // Four hashes per session, each cut into four 16-bit uniforms: plenty for days, hours and switches.
  const part = (h: number, i: number) => `(CAST((h${h} >> ${16 * i}) & 65535 AS DOUBLE) * 1.52587890625e-5)`;
  const normal3 = `((${part(2, 0)} + ${part(2, 1)} + ${part(2, 2)} - 1.5e0) * 2)`;

  await ctx.wh.run(`CREATE TEMP TABLE synth_sessions AS
    WITH p AS (
      SELECT p.user_id, p.payday, p.arrival_sec, p.arrival_day, p.a0, p.a1, p.b0, p.b1, p.peak_hour, p.weekend_bias, p.shift_day,
        p.located, p.home_gh, p.work_gh, p.dev1, p.dev2, p.fav_w, p.cart_w, p.buy_w, p.price_tilt, s.leaves, s.cycle_slot,
        p.gender, p.age_band,
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
    ), g1 AS (
      -- A session that starts late on the last day (a newcomer's first, say) is shortened to end in time.
      SELECT g1.* EXCLUDE (n, gap),
        CASE WHEN start_sec + (n + 2) * gap < ${end} THEN n ELSE GREATEST(1, LEAST(n, (${end} - 1 - start_sec) // gap_fit - 2)) END AS n,
        CASE WHEN start_sec + (n + 2) * gap < ${end} THEN gap ELSE gap_fit END AS gap
      FROM (SELECT g.*, LEAST(gap, GREATEST(1, (${end} - 1 - start_sec) // 8)) AS gap_fit FROM g) g1
    )
    SELECT g.user_id, g.k, g.n, g.sk, g.gap, g.opener,
      xor(CAST((g.user_id << 32) | (g.k << 10) AS UBIGINT), ${maskSql(ctx)}) AS ev_base,
      (${plan.epoch0} + g.start_sec) * 1000000 AS start_us,
      l.leaf_id, l.comp_leaf, l.consumable,
      CAST(g.price_tilt * 65536 AS BIGINT) AS tilt,
      -- Style lean of the viewer: gender (0 women, 1 men) and age (to the young or the mature style).
      CASE WHEN g.gender = 'female' THEN 0 ELSE 1 END AS gbit,
      ${ageTiltSql('g.age_band')} AS atilt,
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
    FROM g1 g JOIN synth_leaf l ON l.leaf_id = g.leaves[g.slot + 1]
    WHERE ${activeAt('g.start_sec', 'g.')} OR (g.k = 0 AND g.arrival_sec IS NOT NULL)`);
}

export interface RawOdds {
  fav: number;
  cart: number;
  buy: number;
}

/**
 * Solves the action odds so the expected counts of fav, cart and buy in everyday browsing equal their
 * targets. A session of n views with weight w (milli-units) has Poisson(odds x w x n / 1000) actions of
 * a type, so the expected count is odds x sum(w x n) / 1000. The sums are exact integers, so the answer
 * is the same on every run.
 */
export async function calibrate(ctx: SynthContext, targets: RawOdds): Promise<RawOdds> {
  const rows = await ctx.wh.query<Record<string, string>>(`SELECT
      CAST(sum(n * wf) AS VARCHAR) AS f, CAST(sum(n * wc) AS VARCHAR) AS c, CAST(sum(n * wb) AS VARCHAR) AS b
    FROM synth_sessions`);
  const s = rows[0] ?? {};
  const odds = (target: number, sum: string | undefined) => {
    const w = Number(sum ?? 0) / 1000;
    return w > 0 && target > 0 ? target / w : 0;
  };
  return { fav: odds(targets.fav, s.f), cart: odds(targets.cart, s.c), buy: odds(targets.buy, s.b) };
}

/** Position codes inside a session key: the opener, views 1..n, actions from 512 on. */
const ACTION_BASE = 512;
/** At most this many actions of one type in a session (keeps action codes below 1024). */
const MAX_ACTIONS = 150;
/** A prime above any session length: (h + i x P) % n gives distinct views for i < n. */
const ANCHOR_PRIME = 1000003;

/**
 * Poisson(lam) by inverse transform from a uniform, capped at `cap`: a CASE ladder on the cumulative
 * probabilities (columns lam and e = exp(-lam) computed before; most rows stop at the first arms).
 */
function poissonSql(lam: string, e: string, u: string, cap: number): string {
  const arms: string[] = [];
  for (let k = 0; k < cap; k++) {
    // e * (1 + lam (1 + lam/2 (1 + lam/3 (...)))) up to lam^k / k!, in Horner form.
    let poly = '1e0';
    for (let i = k; i >= 1; i--) poly = `(1e0 + ${lam} / ${i}e0 * ${poly})`;
    arms.push(`WHEN ${u} < ${e} * ${poly} THEN ${k}`);
  }
  return `(CASE ${arms.join(' ')} ELSE ${cap} END)`;
}

/** Time of view p (0-based) of a session, whole seconds. */
function viewTsSecSql(p: string, ha: string): string {
  return `(start_us // 1000000 + (${p} + 1) * gap + (((${ha} >> 37) * gap) >> 27))`;
}

function timingHash(ctx: SynthContext, code: string): string {
  return `CAST(${ctx.r.packed('event', `sk | (${code})`)} >> 1 AS BIGINT)`;
}

/**
 * The item seen at view p: the session's leaf or now and then its complement, a popularity rank inside
 * it, moved to the cheap or dear half by income, then to the neighbour in price of the viewer's style
 * (gender, age) now and then. Expects `hi`, the view's item hash, and `ha`, its timing hash; joins the leaf.
 */
function itemColumnsSql(from: string): string {
  const ug = 'CAST((hi >> 32) & 65535 AS BIGINT)';
  const ua = 'CAST((ha >> 20) & 65535 AS BIGINT)';
  return `SELECT y0.*, ${styleIndexSql('idx0', 'n_items', 'gbit', 'atilt', ug, ua)} AS idx
    FROM (SELECT y.*, ${priceIndexSql('rank', 'n_items', 'perm_off', 'tilt', 'u_tilt')} AS idx0
    FROM (
      SELECT x.*, l.n_items, l.item_base, l.perm_off, l.mu, l.sigma,
        LEAST(l.n_items - 1, CAST(floor(exp(u_rank * l.ln_n1)) AS BIGINT) - 1) AS rank
      FROM (
        SELECT w.*, CASE WHEN (hi & 65535) < ${Math.round(COMPLEMENT_SHARE * 65536)} THEN comp_leaf ELSE leaf_id END AS leaf_sel,
          CAST(hi >> 32 AS DOUBLE) * 2.3283064365386963e-10 AS u_rank, CAST((hi >> 16) & 65535 AS BIGINT) AS u_tilt
        FROM (${from}) w
      ) x JOIN synth_leaf l ON l.leaf_id = x.leaf_sel
    ) y) y0`;
}

/** Every view of every session: the bulk of the world, kept as lean as possible. */
function viewsSql(ctx: SynthContext, cat: Catalogue): string {
  const { r } = ctx;
  return `SELECT xor(ev_base, CAST(p + 1 AS UBIGINT)) AS event_id, user_id, CAST(NULL AS VARCHAR) AS device_id,
      make_timestamp(${viewTsSecSql('p', 'ha')} * 1000000) AS ts, 'pv'::event_type AS type,
      ${itemIdSql(cat, 'item_base + idx')} AS item_id, leaf_sel AS category_id, CAST(NULL AS DECIMAL(18,2)) AS amount,
      CAST(NULL AS BIGINT) AS quantity, CAST(gap * (300 + (ha >> 8) % 1200) // 100 AS DOUBLE) / 10 AS dwell_s,
      CAST(NULL AS VARCHAR) AS geohash, ${ctx.batchId} AS batch_id
    FROM (${itemColumnsSql(`SELECT v.*, ${r.packed('item', 'sk | (p + 1)')} AS hi, ${timingHash(ctx, 'p + 1')} AS ha
        FROM (SELECT s.*, unnest(range(n)) AS p FROM synth_sessions s) v`)})`;
}

/**
 * Actions: favs, carts and buys, each on a view of the session (the item just seen, a second or three
 * later), so every buy follows a view of its item. Counts are Poisson around odds x weight x views;
 * views of one type of action are distinct, and in half the sessions with enough carts the buys are
 * of carted items.
 */
function actionsSql(ctx: SynthContext, cat: Catalogue, odds: RawOdds, onlyBuys: boolean): string {
  const { r } = ctx;
  const lam = (o: number, w: string) => `(${(o / 1000).toExponential(16)} * CAST(${w} * n AS DOUBLE))`;
  const part = (h: string, i: number) => `(CAST((${h} >> ${16 * i}) & 65535 AS DOUBLE) * 1.52587890625e-5 + 7.62939453125e-6)`;
  const anchor = (h: string, i: string) => `((${h} + (${i}) * ${ANCHOR_PRIME}) % n)`;
  return `SELECT xor(ev_base, CAST(${ACTION_BASE} + g AS UBIGINT)) AS event_id, user_id,
      CASE WHEN ty = 3 THEN device END AS device_id,
      make_timestamp((${viewTsSecSql('p', 'ha')} + ty * GREATEST(1, gap // 8)) * 1000000) AS ts,
      CASE ty WHEN 1 THEN 'fav'::event_type WHEN 2 THEN 'cart'::event_type ELSE 'buy'::event_type END AS type,
      ${itemIdSql(cat, 'item_base + idx')} AS item_id, leaf_sel AS category_id,
      CASE WHEN ty = 3 THEN ${priceSql('mu', 'sigma', 'idx', 'n_items')} * qty END AS amount,
      CASE WHEN ty >= 2 THEN qty END AS quantity, CAST(NULL AS DOUBLE) AS dwell_s, CAST(NULL AS VARCHAR) AS geohash,
      ${ctx.batchId} AS batch_id
    FROM (
      SELECT z.*, CASE WHEN (ha & 255) < CASE WHEN consumable THEN 115 ELSE 26 END
                       THEN 2 + ((ha >> 8) & 1) * CAST(consumable AS BIGINT) ELSE 1 END AS qty
      FROM (${itemColumnsSql(`SELECT a.*, ${r.packed('item', 'sk | (p + 1)')} AS hi, ${timingHash(ctx, 'p + 1')} AS ha
        FROM (
          SELECT b.*,
            CASE WHEN ty = 1 THEN ${anchor('hf', 'g')}
                 WHEN ty = 2 THEN ${anchor('hc', 'g - nf')}
                 WHEN nb <= nc AND (h1 >> 48) & 1 = 1 THEN ${anchor('hc', 'g - nf - nc')}
                 ELSE ${anchor('hb', 'g - nf - nc')} END AS p
          FROM (
            SELECT c.*, CASE WHEN g < nf THEN 1 WHEN g < nf + nc THEN 2 ELSE 3 END AS ty
            FROM (
              SELECT s.*, unnest(range(nf + nc + nb)) AS g
              FROM (
                SELECT s.*,
                  LEAST(n, ${MAX_ACTIONS}, ${poissonSql('lf', 'ef', part('h1', 0), 10)}) AS nf,
                  LEAST(n, ${MAX_ACTIONS}, ${poissonSql('lc', 'ec', part('h1', 1), 10)}) AS nc,
                  LEAST(n, ${MAX_ACTIONS}, ${poissonSql('lb', 'eb', part('h1', 2), 10)}) AS nb,
                  CAST((h2 >> 2) % ${ANCHOR_PRIME} AS BIGINT) AS hf, CAST((h3 >> 2) % ${ANCHOR_PRIME} AS BIGINT) AS hc,
                  CAST((h4 >> 2) % ${ANCHOR_PRIME} AS BIGINT) AS hb
                FROM (SELECT s.*, exp(-lf) AS ef, exp(-lc) AS ec, exp(-lb) AS eb
                      FROM (SELECT s.*, ${r.packed('actions', 'sk')} AS h1, ${r.packed('fav-views', 'sk')} AS h2,
                                   ${r.packed('cart-views', 'sk')} AS h3, ${r.packed('buy-views', 'sk')} AS h4,
                                   ${lam(odds.fav, 'wf')} AS lf, ${lam(odds.cart, 'wc')} AS lc, ${lam(odds.buy, 'wb')} AS lb
                            FROM synth_sessions s) s) s
              ) s
            ) c
          ) b ${onlyBuys ? 'WHERE ty = 3' : ''}
        ) a`)}) z
    ) q`;
}

/** Session openers: a login (device, and place when shared) or a search for the session's leaf. */
function openersSql(ctx: SynthContext): string {
  return `SELECT ev_base AS event_id, user_id, CASE WHEN opener = 1 THEN device END AS device_id,
      make_timestamp(${viewTsSecSql('-1', timingHash(ctx, '0'))} * 1000000) AS ts,
      CASE WHEN opener = 1 THEN 'login'::event_type ELSE 'search'::event_type END AS type, CAST(NULL AS BIGINT) AS item_id,
      CASE WHEN opener = 2 THEN leaf_id END AS category_id, CAST(NULL AS DECIMAL(18,2)) AS amount, CAST(NULL AS BIGINT) AS quantity,
      CAST(NULL AS DOUBLE) AS dwell_s, CASE WHEN opener = 1 THEN geohash END AS geohash, ${ctx.batchId} AS batch_id
    FROM synth_sessions WHERE opener > 0`;
}

const EVENT_COLUMNS = 'event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, geohash, batch_id';

export async function writeSessionEvents(ctx: SynthContext, cat: Catalogue, odds: RawOdds): Promise<number> {
  return write(
    ctx,
    'events',
    `INSERT INTO events (${EVENT_COLUMNS})
     ${viewsSql(ctx, cat)} UNION ALL ${actionsSql(ctx, cat, odds, false)} UNION ALL ${openersSql(ctx)}`,
  );
}

/**
 * While planning: the buys of everyday browsing (exactly the rows the insert will write), so orders,
 * friend buys and identity links can be staged without reading the events back.
 */
export async function buildMainBuys(ctx: SynthContext, cat: Catalogue, odds: RawOdds): Promise<void> {
  await ctx.wh.run(`CREATE TEMP TABLE synth_main_buys AS ${actionsSql(ctx, cat, odds, true)}`);
}

/** The logins that open sessions, with device and time (for identity links). */
export function mainLoginsSql(ctx: SynthContext): string {
  return `SELECT device_id, user_id, ts FROM (${openersSql(ctx)}) WHERE type = 'login'`;
}
