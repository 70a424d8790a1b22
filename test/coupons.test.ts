import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderSimulation } from '../src/cli/commands/coupons.js';
import { SqlParams } from '../src/conditions/params.js';
import { audienceCtes, issueListSql, parseCouponPlan, simulateCouponPlan, type CouponPlan } from '../src/operations/coupons/index.js';
import { compileSegment } from '../src/segments/registry.js';
import { SegmentRegistry } from '../src/segments/registry.js';
import { buildMembership } from '../src/operations/membership/index.js';
import { builtinRules } from '../src/operations/points/rules.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { buildTags } from '../src/tags/values/build.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const AS_OF = new Date('2017-12-03T23:59:59Z');

// ---- the story ----
// Segment "browsers": a pv in the last 30 days: users 1-10 (user 11 browsed in September only).
// User 3 refused targeting; risk flags (once user_risk exists): 3, 4 and 5 flagged, 6 not.
//   members 10, opted out 1 (user 3: never targeted, flagged or not), flagged among the rest 2 (4, 5)
//   audience 7 (1, 2, 6, 7, 8, 9, 10); with --include-flagged 9
// Coupon history, lookback 90 days (after 2017-09-04 23:59:59), validity 7 days: a claim is matured by 2017-11-26 23:59:59.
//   user 1 claims A on 11-01, uses A on 11-05: used       user 1 claims B on 11-10, uses B on 11-20: too late
//   user 2 claims C on 11-15, uses D on 11-16: another coupon   user 6 claims (no id) 11-20 10:00, uses (no id) 11-27 09:00: used
//   user 7 claims on 12-01: not matured (but a claimer)    user 8 claims on 08-01: before the lookback
//   user 4 (flagged) claims E and uses it on 11-01        user 11 (not a member) claims on 11-01
//   claim rate 4 / 7 (users 1, 2, 6, 7); use rate 2 / 4; with user 4: 5 / 9 and 3 / 5
// Orders in the lookback (minimum spend 100): user 1 150 and 80, user 2 100, user 6 99.99, user 4 300 (flagged),
//   user 9 500 on 08-01 (too old), user 10 200 refunded: reach 2 / 4; with user 4: 3 / 5
async function seed(ws: Workspace): Promise<void> {
  let id = 1;
  const ev = async (user: number, type: string, ts: string, props: object | null = null) =>
    ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, properties) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5)', [id++, user, ts, type, props ? JSON.stringify(props) : null]);
  for (let u = 1; u <= 10; u++) await ev(u, 'pv', `2017-11-${String(10 + u).padStart(2, '0')} 09:00:00`);
  await ev(11, 'pv', '2017-09-20 09:00:00');
  await ev(1, 'coupon_claim', '2017-11-01 10:00:00', { coupon_id: 'A' });
  await ev(1, 'coupon_use', '2017-11-05 10:00:00', { coupon_id: 'A' });
  await ev(1, 'coupon_claim', '2017-11-10 10:00:00', { coupon_id: 'B' });
  await ev(1, 'coupon_use', '2017-11-20 10:00:00', { coupon_id: 'B' });
  await ev(2, 'coupon_claim', '2017-11-15 10:00:00', { coupon_id: 'C' });
  await ev(2, 'coupon_use', '2017-11-16 10:00:00', { coupon_id: 'D' });
  await ev(6, 'coupon_claim', '2017-11-20 10:00:00');
  await ev(6, 'coupon_use', '2017-11-27 09:00:00');
  await ev(7, 'coupon_claim', '2017-12-01 10:00:00', { coupon_id: 'F' });
  await ev(8, 'coupon_claim', '2017-08-01 10:00:00', { coupon_id: 'G' });
  await ev(4, 'coupon_claim', '2017-11-01 10:00:00', { coupon_id: 'E' });
  await ev(4, 'coupon_use', '2017-11-01 10:05:00', { coupon_id: 'E' });
  await ev(11, 'coupon_claim', '2017-11-01 10:00:00', { coupon_id: 'A' });
  const orders: [number, number, string, number, string][] = [
    [1, 1, '2017-11-02 10:00:00', 150, 'delivered'], [2, 1, '2017-11-03 10:00:00', 80, 'delivered'], [3, 2, '2017-11-04 10:00:00', 100, 'delivered'],
    [4, 6, '2017-11-05 10:00:00', 99.99, 'delivered'], [5, 9, '2017-08-01 10:00:00', 500, 'delivered'], [6, 4, '2017-11-06 10:00:00', 300, 'delivered'],
    [7, 10, '2017-11-07 10:00:00', 200, 'refunded'],
  ];
  for (const [order, user, ts, amount, status] of orders) {
    await ws.wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, amount, status) VALUES ($1, $2, 1, CAST($3 AS TIMESTAMP), $4, $5)', [order, user, ts, amount, status]);
  }
  await ws.wh.run("INSERT INTO consents (user_id, purpose, allowed) VALUES (3, 'targeting', false), (4, 'targeting', true), (5, 'personalisation', false)");
}

const PLAN = {
  name: 'save-30',
  description: '30 off 100',
  coupon: { kind: 'full_reduction', faceValue: 30, minSpend: 100 },
  budget: 100,
  perUserCap: 2,
  validity: { days: 7 },
  uptake: { minClaims: 3, minOrders: 3 },
};
const plan = (over: object = {}): CouponPlan => parseCouponPlan({ ...PLAN, ...over }, 'test');

async function issueList(ws: Workspace, p: CouponPlan, includeFlagged = false): Promise<Map<number, number>> {
  const compiled = await compileSegment(ws, 'browsers');
  const params = new SqlParams();
  params.values.push(...compiled.params);
  const ctes = audienceCtes(compiled.sql, true, includeFlagged);
  const sim = await simulateCouponPlan(ws, p, 'browsers', { includeFlagged });
  const rows = await ws.wh.query<{ user_id: number; coupons: number }>(issueListSql(params, ctes, p, sim.issue.issued, sim.audience.audience), params.values);
  return new Map(rows.map((r) => [Number(r.user_id), Number(r.coupons)]));
}

describe('coupon plans simulated on a hand-made segment', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seed(ws);
    await buildTags(ws, { asOf: AS_OF });
    SegmentRegistry.load(ws).define(ws, { name: 'browsers', condition: { behaviour: { event: 'pv' }, window: { last: '30d' } } }, 'browsers.json');
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('without user_risk nobody is left out as risky, and the output says so; opted-out users never count', async () => {
    const sim = await simulateCouponPlan(ws, plan(), 'browsers');
    assert.deepEqual(sim.audience, { members: 10, optedOut: 1, riskFlags: false, flagged: null, flaggedExcluded: 0, includeFlagged: false, audience: 9 });
    assert.match(renderSimulation(sim), /flagged by risk detection\s+- \(user_risk not built: nobody left out as risky\)/);
    assert.match(renderSimulation(sim), /opted out of targeting\s+1 \(never targeted\)/);
  });

  test('flagged users are left out by default and counted; --include-flagged keeps them, never the opted-out', async () => {
    await ws.wh.run('CREATE TABLE user_risk (user_id BIGINT, flagged BOOLEAN, score DOUBLE)');
    await ws.wh.run('INSERT INTO user_risk VALUES (3, true, 0.9), (4, true, 0.8), (5, true, 0.7), (6, false, 0.1)');
    const sim = await simulateCouponPlan(ws, plan(), 'browsers');
    assert.deepEqual(sim.audience, { members: 10, optedOut: 1, riskFlags: true, flagged: 2, flaggedExcluded: 2, includeFlagged: false, audience: 7 });
    const kept = await simulateCouponPlan(ws, plan(), 'browsers', { includeFlagged: true });
    assert.deepEqual(kept.audience, { members: 10, optedOut: 1, riskFlags: true, flagged: 2, flaggedExcluded: 0, includeFlagged: true, audience: 9 });
    const list = await issueList(ws, plan({ budget: 10000 }), true);
    assert.deepEqual([...list.keys()].sort((a, b) => a - b), [1, 2, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(list.has(3), false);
  });

  test('the budget caps how many are issued: floor(budget / face value), one each before anyone gets two', async () => {
    const sim = await simulateCouponPlan(ws, plan(), 'browsers');
    assert.deepEqual(sim.issue, { maxByBudget: 3, wanted: 14, issued: 3, recipients: 3, maxPerUser: 1, limitedBy: 'budget' });
    assert.deepEqual([sim.expected.worstCaseCost, sim.expected.budgetUnissued], [90, 10]);
    const three = await issueList(ws, plan());
    assert.equal(three.size, 3);
    assert.deepEqual([...three.values()], [1, 1, 1]);
    for (const u of three.keys()) assert.ok([1, 2, 6, 7, 8, 9, 10].includes(u));
    // 300 yuan: 10 coupons for 7 users: three get 2, four get 1.
    const ten = await issueList(ws, plan({ budget: 300 }));
    assert.deepEqual([...ten.values()].sort(), [1, 1, 1, 1, 2, 2, 2]);
    const tenSim = await simulateCouponPlan(ws, plan({ budget: 300 }), 'browsers');
    assert.deepEqual([tenSim.issue.issued, tenSim.issue.recipients, tenSim.issue.maxPerUser, tenSim.expected.worstCaseCost], [10, 7, 2, 300]);
    // The same seed gives the same list.
    assert.deepEqual(await issueList(ws, plan({ budget: 300 })), ten);
  });

  test('the per-user cap holds when the budget is ample; cents divide exactly', async () => {
    const sim = await simulateCouponPlan(ws, plan({ budget: 10000 }), 'browsers');
    assert.deepEqual(sim.issue, { maxByBudget: 333, wanted: 14, issued: 14, recipients: 7, maxPerUser: 2, limitedBy: 'audience' });
    assert.deepEqual([...(await issueList(ws, plan({ budget: 10000 }))).values()], [2, 2, 2, 2, 2, 2, 2]);
    assert.equal(sim.expected.budgetUnissued, 10000 - 14 * 30);
    // 1,000 yuan of 0.10-yuan coupons is 10,000 coupons (1000 / 0.1 is 9999.999... in floating point).
    const dimes = await simulateCouponPlan(ws, plan({ coupon: { kind: 'no_threshold', faceValue: 0.1 }, budget: 1000, perUserCap: 100 }), 'browsers');
    assert.equal(dimes.issue.maxByBudget, 10000);
    assert.equal(dimes.issue.issued, 700);
  });

  test('uptake from the audience\'s history: claim, use within the validity, and reach of the minimum spend', async () => {
    const sim = await simulateCouponPlan(ws, plan(), 'browsers');
    const u = sim.uptake;
    assert.deepEqual(u.claimRate, { value: 4 / 7, source: 'history', claimers: 4, members: 7 });
    assert.deepEqual(u.useRate, { value: 0.5, source: 'history', matured: 4, used: 2 });
    assert.deepEqual(u.thresholdReach, { value: 0.5, source: 'history', orders: 4, reaching: 2 });
    assert.equal(u.perCoupon, (4 / 7) * 0.5 * 0.5);
    // 3 issued: 3 x 4/7 claims, 3/7 uses, cost 30 x 3/7 = 12.86, GMV at least 100 x 3/7 = 42.86.
    assert.ok(Math.abs(sim.expected.claims - 12 / 7) < 1e-12);
    assert.ok(Math.abs(sim.expected.uses - 3 / 7) < 1e-12);
    assert.deepEqual([sim.expected.cost, sim.expected.gmvFloor], [12.86, 42.86]);
    // With the flagged user 4: his claim, use and order count.
    const kept = await simulateCouponPlan(ws, plan(), 'browsers', { includeFlagged: true });
    assert.deepEqual([kept.uptake.claimRate.value, kept.uptake.useRate.value, kept.uptake.thresholdReach.value], [5 / 9, 3 / 5, 3 / 5]);
    // Calendar validity of 7 days measures the same.
    const dated = await simulateCouponPlan(ws, plan({ validity: { from: '2017-12-05', to: '2017-12-11' } }), 'browsers');
    assert.deepEqual([dated.validity, dated.uptake.useRate.value], [{ from: '2017-12-05', to: '2017-12-11', days: 7 }, 0.5]);
    // A 3-day validity: matured by 11-30 23:59:59, the same four claims; user 1's A was used after 4 days and
    // user 6's after 6 days 23 hours: too late, none used.
    const short = await simulateCouponPlan(ws, plan({ validity: { days: 3 } }), 'browsers');
    assert.deepEqual([short.uptake.useRate.matured, short.uptake.useRate.used], [4, 0]);
  });

  test('granted coupons skip the claim; the plan\'s own rates win; without history the defaults apply', async () => {
    const grant = await simulateCouponPlan(ws, plan({ distribution: 'grant' }), 'browsers');
    assert.equal(grant.uptake.perCoupon, 0.5 * 0.5);
    assert.deepEqual([grant.expected.claims, grant.expected.uses, grant.expected.cost], [3, 0.75, 22.5]);
    const own = await simulateCouponPlan(ws, plan({ uptake: { claimRate: 0.1, useRate: 0.2, thresholdReach: 0.5 } }), 'browsers');
    assert.deepEqual([own.uptake.claimRate.source, own.uptake.useRate.source, own.uptake.thresholdReach.source], ['plan', 'plan', 'plan']);
    assert.ok(Math.abs(own.uptake.perCoupon - 0.01) < 1e-15);
    // Ten days back (after 11-23 23:59:59): user 7's claim (1 of 7); no matured claim; no order: defaults 0.3 and 1.
    const recent = await simulateCouponPlan(ws, plan({ uptake: { lookbackDays: 10, minClaims: 3, minOrders: 3 } }), 'browsers');
    assert.deepEqual(
      [recent.uptake.claimRate.value, recent.uptake.claimRate.source, recent.uptake.useRate.value, recent.uptake.useRate.source, recent.uptake.thresholdReach.value, recent.uptake.thresholdReach.source],
      [1 / 7, 'history', 0.3, 'default', 1, 'default'],
    );
    // One day back: no coupon was claimed by anyone, so there is no claim rate to measure.
    const none = await simulateCouponPlan(ws, plan({ uptake: { lookbackDays: 1 } }), 'browsers');
    assert.deepEqual([none.uptake.claimRate.value, none.uptake.claimRate.source], [0.25, 'default']);
    // Fewer audience orders than minOrders: every user's orders measure the reach (150, 80, 100, 99.99, 300 in the window).
    const wide = await simulateCouponPlan(ws, plan({ uptake: { minClaims: 3, minOrders: 5 } }), 'browsers');
    assert.deepEqual(wide.uptake.thresholdReach, { value: 3 / 5, source: 'all users', orders: 5, reaching: 3 });
    // No threshold: every order qualifies.
    const any = await simulateCouponPlan(ws, plan({ coupon: { kind: 'no_threshold', faceValue: 5 } }), 'browsers');
    assert.deepEqual([any.uptake.thresholdReach.value, any.uptake.thresholdReach.source], [1, 'no threshold']);
  });

  test('highest naughty value first needs user_membership, then serves the top of the audience', async () => {
    const top = plan({ priority: 'naughty_value' });
    await assert.rejects(simulateCouponPlan(ws, top, 'browsers'), /priority naughty_value reads user_membership, which has not been built/);
    await buildMembership(ws, { asOf: AS_OF, rules: builtinRules() });
    const list = await issueList(ws, top);
    const values = new Map((await ws.wh.query<{ user_id: number; naughty_value: number }>('SELECT user_id, naughty_value FROM user_membership')).map((r) => [Number(r.user_id), Number(r.naughty_value)]));
    const chosen = [...list.keys()].map((u) => values.get(u) ?? 0);
    const others = [1, 2, 6, 7, 8, 9, 10].filter((u) => !list.has(u)).map((u) => values.get(u) ?? 0);
    assert.equal(list.size, 3);
    assert.ok(Math.min(...chosen) >= Math.max(...others), `${chosen} vs ${others}`);
    // User 9 (a 500-yuan order: 100 + 2), user 1 (46 + 10) and user 2 (20 + 6); user 6 has 19 + 6.
    assert.deepEqual([...list.keys()].sort((a, b) => a - b), [1, 2, 9]);
  });

  test('bad plans name the file and the JSON path', () => {
    const bad = (over: object) => () => parseCouponPlan({ ...PLAN, ...over }, 'plan.json');
    assert.throws(bad({ budget: 10.005 }), /plan\.json: budget: expected yuan with at most two decimals/);
    assert.throws(bad({ budget: 0 }), /plan\.json: budget: /);
    assert.throws(bad({ perUserCap: 0 }), /plan\.json: perUserCap: /);
    assert.throws(bad({ coupon: { kind: 'full_reduction', faceValue: 30, minSpend: 30 } }), /plan\.json: coupon\.minSpend: a full_reduction coupon needs a minSpend above its faceValue \(30\)/);
    assert.throws(bad({ coupon: { kind: 'no_threshold', faceValue: 30, minSpend: 50 } }), /plan\.json: coupon\.minSpend: a no_threshold coupon has no minSpend/);
    assert.throws(bad({ coupon: { kind: 'discount', faceValue: 30 } }), /plan\.json: coupon\.kind: /);
    assert.throws(bad({ validity: { from: '2017-12-05', to: '2017-12-01' } }), /plan\.json: validity\.to: the last day comes before the first/);
    assert.throws(bad({ validity: { from: '2017-02-30', to: '2017-03-01' } }), /plan\.json: validity\.from: not a valid date/);
    assert.throws(bad({ uptake: { useRate: 1.5 } }), /plan\.json: uptake\.useRate: /);
    assert.throws(bad({ faceValue: 30 }), /plan\.json: .*faceValue/);
  });

  test('CLI: define, list, simulate (readable, JSON, the issue list) and bad input', async () => {
    await ws.close();
    const file = join(dir, '..', 'save-30.json');
    writeFileSync(file, JSON.stringify(PLAN));
    const defined = await runCli(['-w', dir, 'coupons', 'define', file]);
    assert.equal(defined.code, 0, defined.stderr);
    assert.match(defined.stdout, /defined coupon plan save-30/);
    const list = JSON.parse((await runCli(['-w', dir, 'coupons', 'list', '--json'])).stdout);
    assert.deepEqual(list.map((p: { name: string; budget: number }) => [p.name, p.budget]), [['save-30', 100]]);
    const out = join(dir, '..', 'issued.csv');
    const readable = await runCli(['-w', dir, 'coupons', 'simulate', '--plan', 'save-30', '--segment', 'browsers', '--out', out]);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /30 yuan off orders of 100 yuan or more \(满减\), valid 7 days from issue; budget 100 yuan, at most 2 per user/);
    assert.match(readable.stdout, /flagged by risk detection\s+2 \(left out\)/);
    assert.match(readable.stdout, /audience\s+7\n/);
    assert.match(readable.stdout, /issued\s+3 to 3 users \(at most 1 each; limited by the budget\)/);
    assert.match(readable.stdout, /use rate\s+50\.0% \(history: 2 of 4 matured claims used\)/);
    assert.match(readable.stdout, /cost\s+12\.86 yuan \(every issued coupon used: 90 yuan; budget 100 yuan\)/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'user_id,coupons');
    assert.equal(lines.length, 4);
    // The issue list is an export of users: the audit log records it.
    const audit = JSON.parse((await runCli(['-w', dir, 'audit', '--action', 'export', '--json'])).stdout);
    assert.deepEqual(
      audit.map((a: { subject: string; rows: number; file: string }) => [a.subject, a.rows, a.file]),
      [['coupon plan save-30', 3, resolve(out)]],
    );
    const json = await runCli(['-w', dir, 'coupons', 'simulate', '--plan', file, '--segment', 'browsers', '--include-flagged', '--json']);
    const sim = JSON.parse(json.stdout);
    assert.deepEqual([sim.audience.audience, sim.audience.flaggedExcluded, sim.issue.issued], [9, 0, 3]);

    const unknownSegment = await runCli(['-w', dir, 'coupons', 'simulate', '--plan', 'save-30', '--segment', 'nope']);
    assert.equal(unknownSegment.code, 1);
    assert.match(unknownSegment.stderr, /unknown segment "nope"/);
    assert.match((await runCli(['-w', dir, 'coupons', 'simulate', '--plan', 'nope', '--segment', 'browsers'])).stderr, /unknown coupon plan "nope"/);
    assert.equal((await runCli(['-w', dir, 'coupons', 'simulate', '--plan', 'save-30'])).code, 2);
    assert.match((await runCli(['-w', dir, 'coupons', 'simulate', '--plan', 'save-30', '--segment', 'browsers', '--out', join(dir, '..', 'x.txt')])).stderr, /cannot write the issue list to .*x\.txt/);
    const bad = join(dir, '..', 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...PLAN, name: 'bad', perUserCap: 2.5 }));
    const refused = await runCli(['-w', dir, 'coupons', 'define', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad\.json: perUserCap: /);
    assert.equal(existsSync(join(dir, 'definitions', 'coupons', 'bad.json')), false);
  });
});

describe('coupons on a synthetic world', () => {
  test('coupon farms flagged by risk detection leave the audience, and with them the coupon uses', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await synthesize(ws, resolveSynthOptions({ users: 3000, days: 30, seed: 21 }));
      await buildTags(ws);
      SegmentRegistry.load(ws).define(ws, { name: 'claimers', condition: { behaviour: { event: 'coupon_claim' }, window: { last: '60d' } } }, 'claimers.json');
      // What risk detection would flag: the farms of the ground truth (this stands in for the risk stage's table).
      await ws.wh.run("CREATE TABLE user_risk AS SELECT user_id, kind = 'coupon_farm' AS flagged FROM truth.users");
      const [truth] = await ws.wh.query<{ farms: number; claimers: number; opted: number }>(
        `WITH c AS (SELECT DISTINCT user_id FROM events WHERE type = 'coupon_claim'),
              o AS (SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed)
         SELECT count(*) FILTER (WHERE u.kind = 'coupon_farm' AND c.user_id NOT IN (SELECT user_id FROM o)) AS farms, count(*) AS claimers,
                count(*) FILTER (WHERE c.user_id IN (SELECT user_id FROM o)) AS opted
         FROM c JOIN truth.users u USING (user_id)`,
      );
      assert.ok(Number(truth!.farms) > 0, 'the world has coupon farms among the claimers');
      const p = parseCouponPlan({ name: 'welcome', coupon: { kind: 'no_threshold', faceValue: 5 }, budget: 100000, validity: { days: 7 }, distribution: 'grant', uptake: { minClaims: 5 } }, 'test');
      const clean = await simulateCouponPlan(ws, p, 'claimers');
      assert.deepEqual([clean.audience.members, clean.audience.optedOut, clean.audience.flagged], [Number(truth!.claimers), Number(truth!.opted), Number(truth!.farms)]);
      assert.equal(clean.audience.audience, Number(truth!.claimers) - Number(truth!.opted) - Number(truth!.farms));
      // Invited newcomers claim NEWUSER-5 and never use it; farms use NEWUSER-10 within minutes.
      assert.equal(clean.uptake.useRate.source, 'history');
      assert.equal(clean.uptake.useRate.used, 0);
      const dirty = await simulateCouponPlan(ws, p, 'claimers', { includeFlagged: true });
      // Kept in, the farms' claims that had a week to be used are the only used ones.
      const [farmUses] = await ws.wh.query<{ n: number }>(
        `SELECT count(*) AS n FROM events c JOIN truth.users u USING (user_id)
         WHERE c.type = 'coupon_claim' AND u.kind = 'coupon_farm' AND c.ts <= CAST($1 AS TIMESTAMP) - INTERVAL 7 DAY
           AND c.user_id NOT IN (SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed)
           AND EXISTS (SELECT 1 FROM events x WHERE x.type = 'coupon_use' AND x.user_id = c.user_id AND x.ts BETWEEN c.ts AND c.ts + INTERVAL 7 DAY)`,
        [dirty.asOf],
      );
      assert.ok(Number(farmUses!.n) > 0);
      assert.equal(dirty.uptake.useRate.used, Number(farmUses!.n));
      assert.ok(dirty.expected.uses > 0 && clean.expected.uses === 0);
      assert.equal(dirty.issue.issued, clean.issue.issued + Number(truth!.farms));
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});
