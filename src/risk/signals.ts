/**
 * The risk signals, each computed in the engine from the warehouse as of one time (never from `truth`),
 * into one working table of (user, signal, strength 0..1, reasons). The links between accounts come first:
 * a device (identity_links, orders.device_id) or a delivery address (orders.address) that two or more
 * accounts used by then. See docs/risk.md for each signal's definition and why it weighs what it does.
 */
import { SqlParams } from '../conditions/params.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { RiskConfig, RiskSignal } from './config.js';

/** Working tables, dropped by dropRiskWorkTables. */
export const W = {
  links: 'risk_w_links',
  shared: 'risk_w_shared',
  fast: 'risk_w_fast',
  signals: 'risk_w_signals',
} as const;

/** Reasons show this many characters of a device or address hash: enough to tell them apart, no more. */
const SHORT_ID = 8;
/** The quickest fast buys a user's reasons name one by one; the rest are summed up in one reason. */
const NAMED_FAST_BUYS = 3;

/** "1 other account" / "3 other accounts". */
function others(n: string): string {
  return `CASE WHEN (${n}) = 1 THEN '1 other account' ELSE CAST(${n} AS VARCHAR) || ' other accounts' END`;
}

/** Strength rising linearly from 0 at `ordinary` to 1 at `saturated`. */
function ramp(p: SqlParams, n: string, ordinary: number, saturated: number): string {
  return `LEAST(1.0, (${n} - ${p.bind(ordinary)}) / CAST(${p.bind(saturated - ordinary)} AS DOUBLE))`;
}

function asOfSql(p: SqlParams, asOf: Date): string {
  return `CAST(${p.bind(asOf)} AS TIMESTAMP)`;
}

/** Links known by as-of, and the shared ones (two or more accounts) with their account counts. */
async function buildLinks(wh: Warehouse, asOf: Date): Promise<void> {
  const p = new SqlParams();
  const t = asOfSql(p, asOf);
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${W.links} AS
     SELECT user_id, 'device' AS link, device_id AS link_id FROM identity_links WHERE first_seen IS NULL OR first_seen <= ${t}
     UNION
     SELECT user_id, 'device', device_id FROM orders WHERE device_id IS NOT NULL AND ts <= ${t}
     UNION
     SELECT user_id, 'address', address FROM orders WHERE address IS NOT NULL AND ts <= ${t}`,
    p.values,
  );
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${W.shared} AS
     SELECT l.user_id, l.link, l.link_id, g.accounts
     FROM ${W.links} l
     JOIN (SELECT link, link_id, count(*) AS accounts FROM ${W.links} GROUP BY ALL HAVING count(*) >= 2) g USING (link, link_id)`,
  );
}

/** Fast buys: each (user, limited item) bought within the window after its release, with the quickest delay in seconds. */
async function buildFastBuys(wh: Warehouse, asOf: Date, config: RiskConfig): Promise<void> {
  const p = new SqlParams();
  const t = asOfSql(p, asOf);
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${W.fast} AS
     SELECT e.user_id, e.item_id, min(epoch(e.ts) - epoch(i.released_at)) AS delay
     FROM events e JOIN items i ON i.item_id = e.item_id
     WHERE e.type = 'buy' AND i.limited AND i.released_at IS NOT NULL AND i.released_at <= ${t} AND e.ts <= ${t}
       AND e.ts >= i.released_at AND e.ts <= i.released_at + to_seconds(CAST(${p.bind(config.fastBuy.withinSeconds)} AS BIGINT))
     GROUP BY ALL`,
    p.values,
  );
}

/** Each signal's rows, (user_id, strength, reasons), as one INSERT into the signals table. */
function signalSql(signal: RiskSignal, p: SqlParams, asOf: Date, c: RiskConfig): string {
  switch (signal) {
    case 'shared_device':
    case 'shared_address': {
      const link = signal === 'shared_device' ? 'device' : 'address';
      const { ordinary, saturated } = c.sharedAccounts;
      const text =
        signal === 'shared_device'
          ? `'shares device ' || left(link_id, ${SHORT_ID}) || ' with ' || ${others('accounts - 1')}`
          : `'ships to address ' || left(link_id, ${SHORT_ID}) || ', shared with ' || ${others('accounts - 1')}`;
      return `SELECT user_id, ${ramp(p, 'accounts', ordinary, saturated)}, [${text}]
        FROM (SELECT user_id, link_id, accounts FROM ${W.shared} WHERE link = ${p.bind(link)}
              QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY accounts DESC, link_id) = 1)
        WHERE accounts > ${p.bind(ordinary)}`;
    }
    case 'registration_burst': {
      // Bursts are counted inside groups of linked accounts: platform-wide sign-ups per hour drown a farm
      // of twenty among the hundreds of ordinary newcomers a large platform has every hour.
      const { windowSeconds, ordinary, saturated } = c.burst;
      const w = `to_seconds(CAST(${p.bind(windowSeconds)} AS BIGINT))`;
      const within = windowSeconds % 3600 === 0 ? `${windowSeconds / 3600} hour${windowSeconds === 3600 ? '' : 's'}` : `${windowSeconds} s`;
      return `SELECT user_id, ${ramp(p, 'n', ordinary, saturated)},
          [${p.bind(`registered within ${within} of `)} || ${others('n - 1')} || ' sharing ' || link || ' ' || left(link_id, ${SHORT_ID})]
        FROM (
          SELECT user_id, link, link_id, n FROM (
            SELECT s.user_id, s.link, s.link_id,
              count(*) OVER (PARTITION BY s.link, s.link_id ORDER BY u.registered_at RANGE BETWEEN ${w} PRECEDING AND ${w} FOLLOWING) AS n
            FROM ${W.shared} s JOIN users u USING (user_id)
            WHERE u.registered_at IS NOT NULL AND u.registered_at <= ${asOfSql(p, asOf)}
          )
          QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY n DESC, link, link_id) = 1
        )
        WHERE n > ${p.bind(ordinary)}`;
    }
    case 'coupon_only': {
      const t = asOfSql(p, asOf);
      const k = p.bind(c.couponOnly.otherEvents);
      return `SELECT user_id, 1 - other / CAST(${k} AS DOUBLE),
          ['claimed ' || CASE WHEN claims = 1 THEN '1 coupon' ELSE CAST(claims AS VARCHAR) || ' coupons' END
           || ' and did little else (' || CASE WHEN other = 1 THEN '1 other event' ELSE CAST(other AS VARCHAR) || ' other events' END || ')']
        FROM (
          SELECT user_id, count(*) FILTER (WHERE type = 'coupon_claim') AS claims,
            count(*) FILTER (WHERE type NOT IN ('login', 'coupon_claim', 'coupon_use')
                               AND NOT (type = 'buy' AND json_extract_string(properties, '$.coupon_id') IS NOT NULL)) AS other
          FROM events
          WHERE ts <= ${t} AND user_id IN (SELECT user_id FROM events WHERE type = 'coupon_claim' AND ts <= ${t})
          GROUP BY user_id
        )
        WHERE other < ${k}`;
    }
    case 'emulator':
      return `SELECT l.user_id, 1.0,
          [CASE WHEN count(*) = 1 THEN 'uses emulator device ' || left(min(l.link_id), ${SHORT_ID})
                ELSE 'uses ' || CAST(count(*) AS VARCHAR) || ' emulator devices (' || left(min(l.link_id), ${SHORT_ID}) || ', ...)' END]
        FROM ${W.links} l JOIN devices d ON d.device_id = l.link_id
        WHERE l.link = 'device' AND d.emulator
        GROUP BY l.user_id`;
    case 'fast_limited_buys': {
      const within = p.bind(c.fastBuy.withinSeconds);
      return `SELECT user_id, LEAST(1.0, count(*) / CAST(${p.bind(c.fastBuy.saturated)} AS DOUBLE)),
          list('bought limited item ' || CAST(item_id AS VARCHAR) || ' ' || CAST(round(delay) AS BIGINT) || ' s after release' ORDER BY delay, item_id)[1:${NAMED_FAST_BUYS}]
          || CASE WHEN count(*) > ${NAMED_FAST_BUYS}
               THEN ['and ' || CAST(count(*) - ${NAMED_FAST_BUYS} AS VARCHAR) || ' more limited item' || CASE WHEN count(*) = ${NAMED_FAST_BUYS + 1} THEN '' ELSE 's' END
                     || ' within ' || CAST(${within} AS VARCHAR) || ' s of release']
               ELSE [] END
        FROM ${W.fast} GROUP BY user_id`;
    }
    case 'linked_limited_buys':
      return `SELECT user_id, LEAST(1.0, n / CAST(${p.bind(c.linkedBuyers.saturated)} AS DOUBLE)),
          [CASE WHEN n = 1 THEN '1 account' ELSE CAST(n AS VARCHAR) || ' accounts' END || ' sharing ' || link || ' ' || left(link_id, ${SHORT_ID})
           || ' also bought limited item ' || CAST(item_id AS VARCHAR) || ' within ' || CAST(${p.bind(c.fastBuy.withinSeconds)} AS VARCHAR) || ' s of release']
        FROM (
          SELECT f.user_id, f.item_id, s.link, s.link_id, count(DISTINCT s2.user_id) AS n
          FROM ${W.fast} f
          JOIN ${W.shared} s ON s.user_id = f.user_id
          JOIN ${W.shared} s2 ON s2.link = s.link AND s2.link_id = s.link_id AND s2.user_id <> s.user_id
          JOIN ${W.fast} f2 ON f2.user_id = s2.user_id AND f2.item_id = f.item_id
          GROUP BY f.user_id, f.item_id, s.link, s.link_id
          QUALIFY row_number() OVER (PARTITION BY f.user_id ORDER BY n DESC, f.item_id, s.link, s.link_id) = 1
        )`;
    default: {
      const never: never = signal;
      throw new Error(`unknown risk signal ${String(never)}`);
    }
  }
}

/** Computes every signal with a positive weight into the signals table (user_id, signal, strength, reasons). */
export async function computeSignals(wh: Warehouse, asOf: Date, config: RiskConfig, signals: readonly RiskSignal[]): Promise<void> {
  await buildLinks(wh, asOf);
  await buildFastBuys(wh, asOf, config);
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${W.signals} (user_id BIGINT, signal VARCHAR, strength DOUBLE, reasons VARCHAR[])`);
  for (const signal of signals) {
    if (config.weights[signal] === 0) continue;
    const p = new SqlParams();
    const select = signalSql(signal, p, asOf, config);
    const name = p.bind(signal);
    await wh.run(`INSERT INTO ${W.signals} SELECT user_id, ${name}, strength, reasons FROM (${select}) x(user_id, strength, reasons) WHERE strength > 0`, p.values);
  }
}

export async function dropRiskWorkTables(wh: Warehouse): Promise<void> {
  for (const t of Object.values(W)) await wh.run(`DROP TABLE IF EXISTS ${t}`);
}
