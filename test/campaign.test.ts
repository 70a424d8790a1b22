import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tagGrouping } from '../src/analytics/grouping.js';
import { PortraitError } from '../src/errors.js';
import {
  armOf,
  assignCampaign,
  ASSIGNMENTS_TABLE,
  bucketOf,
  campaignAssignment,
  CampaignRegistry,
  evaluateCampaign,
  holdoutThreshold,
  parseCampaign,
  type CampaignEvaluation,
  type CampaignInput,
  type MetricEffect,
} from '../src/operations/campaigns/index.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { planSynthCampaign, SYNTH_CAMPAIGN_ID } from '../src/synth/campaign.js';
import { planWorld } from '../src/synth/options.js';
import { buildTags } from '../src/tags/values/build.js';
import { TagRegistry } from '../src/tags/registry/registry.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const close = (actual: number | null | undefined, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

const metric = (e: CampaignEvaluation, name: MetricEffect['metric']) => {
  const m = e.metrics.find((x) => x.metric === name);
  assert.ok(m, `metric ${name} reported`);
  return m;
};

test('the split: sha256(campaign:user), first 8 bytes, against ceil(holdout x 2^64), the same in SQL, TypeScript and Python', async () => {
  // Golden values computed by Python: int(hashlib.sha256(b'synth-coupon:123').hexdigest()[:16], 16).
  assert.equal(bucketOf('synth-coupon', 123), 17504816961294323393n);
  assert.equal(bucketOf('spring-coupon', 1), 15416253800091574954n);
  // math.ceil(Fraction(h) * 2**64): exact, not rounded through a double.
  assert.equal(holdoutThreshold(0.5), 2n ** 63n);
  assert.equal(holdoutThreshold(0.25), 2n ** 62n);
  assert.equal(holdoutThreshold(0.1), 1844674407370955264n);
  assert.equal(holdoutThreshold(1 / 3), 6148914691236516864n);
  assert.throws(() => holdoutThreshold(0), RangeError);
  // 15416253800091574954 / 2^64 = 0.8357 >= 0.5: treatment.
  assert.equal(armOf('spring-coupon', 1, 0.5), 'treatment');
  assert.equal(armOf('spring-coupon', 4, 0.5), 'holdout');
});

// ---- the hand-made story ----
//
// Campaign spring-coupon: period 2017-07-10 .. 07-16, retention 07-17 .. 07-23, holdout 0.5, audience
// "bought in the 30 days before the start" taken as of 2017-07-09 23:59:59, offer code SPRING-10.
// Arms by the hash (checked above and below): treatment 1, 2, 3, 5, 6, 9, 11, 13, 14, 16; holdout 4, 7, 8, 10, 12, 15.
//
// Audience: users 1..12 (a buy after 06-09 23:59:59 and by 07-09 23:59:59; user 8's is at 23:59:59
// exactly). Not in it: 13 (bought 06-09 12:00, too early), 14 (refused targeting), 15 (registered, never
// bought), 16 (first seen in the period). Treatment 1, 2, 3, 5, 6, 9, 11 (7 users); holdout 4, 7, 8, 10, 12 (5).
//
// In the period (07-10 00:00:00 .. 07-16 23:59:59):
//   treatment: 1 buys 100 + 50, 2 buys 80 (07-16 23:00), 5 buys 40 (07-10 00:00:00), 11 buys 30 with the
//   coupon; 3, 6, 9 nothing (6 buys at 07-17 00:00:00, after). Converted 4/7, GMV [150, 80, 0, 40, 0, 0, 30]
//   = 300, mean 42.857.
//   holdout: 4 buys 60 (with the coupon: the offer leaked), 8 bought at 07-09 23:59:59 (before). Converted
//   1/5, GMV [60, 0, 0, 0, 0], mean 12.
// Retention (07-17 .. 07-23): treatment 1, 3, 5, 6, 11 (5/7); holdout 10 (1/5; 7's view is at 07-24 00:00:00).
// Lifecycle stage on 07-09: first seen on 07-05 or later is new (2, 7, 8), the rest active.
type Ev = [user: number, type: string, ts: string, amount?: number];
const EVENTS: Ev[] = [
  ...[1, 3, 4, 5, 6, 9, 10, 11, 12, 14].map((u): Ev => [u, 'buy', '2017-06-20 10:00:00', 10]),
  [2, 'buy', '2017-07-05 10:00:00', 10],
  [7, 'buy', '2017-07-05 11:00:00', 10],
  [8, 'buy', '2017-07-09 23:59:59', 20],
  [13, 'buy', '2017-06-09 12:00:00', 10],
  [1, 'buy', '2017-07-11 09:00:00', 100],
  [1, 'buy', '2017-07-12 09:00:00', 50],
  [2, 'buy', '2017-07-16 23:00:00', 80],
  [5, 'buy', '2017-07-10 00:00:00', 40],
  [11, 'buy', '2017-07-13 12:00:00', 30],
  [6, 'buy', '2017-07-17 00:00:00', 25],
  [4, 'buy', '2017-07-14 15:00:00', 60],
  [16, 'buy', '2017-07-12 10:00:00', 70],
  [1, 'pv', '2017-07-18 10:00:00'],
  [3, 'pv', '2017-07-20 10:00:00'],
  [5, 'pv', '2017-07-23 23:00:00'],
  [11, 'login', '2017-07-17 08:00:00'],
  [10, 'pv', '2017-07-19 10:00:00'],
  [7, 'pv', '2017-07-24 00:00:00'],
];
const TREATMENT = [1, 2, 3, 5, 6, 9, 11, 13, 14, 16];
const HOLDOUT = [4, 7, 8, 10, 12, 15];

const SPRING: CampaignInput = {
  id: 'spring-coupon',
  description: 'A 10-yuan coupon for recent buyers',
  theme: 'summer sale',
  goal: 'conversion',
  audience: { behaviour: { event: 'buy' }, window: { last: '30d' } },
  offer: { type: 'coupon', value: 10, code: 'SPRING-10' },
  period: { from: '2017-07-10', to: '2017-07-16' },
  holdout: 0.5,
  retentionDays: 7,
};

async function seedStory(ws: Workspace): Promise<void> {
  let id = 1;
  for (const [user, type, ts, amount] of EVENTS) {
    await ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, amount) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5)', [id++, user, ts, type, amount ?? null]);
  }
  await ws.wh.run(`INSERT INTO users (user_id, gender, registered_at) VALUES
    (1, 'female', NULL), (2, 'male', NULL), (3, 'female', NULL), (4, 'female', NULL), (5, 'male', NULL), (15, 'female', TIMESTAMP '2017-07-01 09:00:00'),
    (17, 'male', TIMESTAMP '2017-07-12 09:00:00')`);
  await ws.wh.run("INSERT INTO consents (user_id, purpose, allowed) VALUES (14, 'targeting', false), (3, 'targeting', true)");
  await ws.wh.run(`INSERT INTO orders (order_id, user_id, item_id, ts, amount, coupon_id) VALUES
    (1, 11, 1, TIMESTAMP '2017-07-13 12:00:00', 30, 'SPRING-10'), (2, 4, 1, TIMESTAMP '2017-07-14 15:00:00', 60, 'SPRING-10'),
    (3, 1, 2, TIMESTAMP '2017-07-11 09:00:00', 100, NULL), (4, 2, 1, TIMESTAMP '2017-07-20 09:00:00', 15, 'SPRING-10')`);
}

describe('a campaign on a hand-made story', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seedStory(ws);
    CampaignRegistry.load(ws).define(ws, SPRING, 'spring.json');
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('the arms of the story are the hash\'s', () => {
    for (const u of TREATMENT) assert.equal(armOf('spring-coupon', u, 0.5), 'treatment', `user ${u}`);
    for (const u of HOLDOUT) assert.equal(armOf('spring-coupon', u, 0.5), 'holdout', `user ${u}`);
  });

  test('evaluate: every figure as computed by hand (and by scipy for the tests)', async () => {
    const e = await evaluateCampaign(ws, 'spring-coupon');
    assert.equal(e.asOf.toISOString(), '2017-07-24T23:59:59.000Z', 'default as-of: the end of the newest event\'s day');
    assert.equal(e.audienceAsOf.toISOString(), '2017-07-09T23:59:59.000Z');
    assert.equal(e.complete, true);
    assert.equal(e.assignment.source, 'computed');
    assert.deepEqual([e.assignment.users, e.assignment.treatment, e.assignment.holdout], [12, 7, 5]);
    // 7 / 5 against 6 / 6: chi-square (1 + 1) / 6 = 1/3, p = .5637.
    close(e.assignment.sampleRatio.chiSquare, 1 / 3, 1e-12, 'SRM chi-square');
    close(e.assignment.sampleRatio.pValue, 0.5637028616507731, 1e-12, 'SRM p');
    assert.equal(e.assignment.sampleRatio.mismatch, false);
    assert.deepEqual(e.metrics.map((m) => [m.metric, m.goal]), [['conversion', true], ['gmv_per_user', false], ['retention', false]]);

    const conversion = metric(e, 'conversion');
    assert.deepEqual([conversion.treatment.total, conversion.treatment.users, conversion.holdout.total, conversion.holdout.users], [4, 7, 1, 5]);
    close(conversion.difference, 4 / 7 - 1 / 5, 1e-15, 'conversion difference');
    close(conversion.relativeLift, (4 / 7 - 1 / 5) / (1 / 5), 1e-12, 'relative lift');
    close(conversion.statistic, 1.286666314194023, 1e-12, 'z');
    close(conversion.pValue, 0.19821061903884274, 1e-12, 'p');
    close(conversion.ci![0], -0.1358403346207881, 1e-12, 'CI low');
    close(conversion.ci![1], 0.8786974774779308, 1e-12, 'CI high');
    assert.equal(conversion.significant, false);
    assert.deepEqual(conversion.window, { from: '2017-07-10', to: '2017-07-16' });

    const gmv = metric(e, 'gmv_per_user');
    assert.equal(gmv.test, 'welch t');
    close(gmv.treatment.total, 300, 1e-9, 'treatment GMV');
    close(gmv.treatment.value, 300 / 7, 1e-12, 'treatment GMV per user');
    close(gmv.holdout.value, 12, 1e-12, 'holdout GMV per user');
    close(gmv.statistic, 1.2752446872693854, 1e-10, 't');
    close(gmv.df, 9.100115288837424, 1e-9, 'df');
    close(gmv.pValue, 0.2338152133732733, 1e-10, 'p');
    close(gmv.ci![0], -23.788698861890467, 1e-8, 'CI low');
    close(gmv.ci![1], 85.50298457617617, 1e-8, 'CI high');

    const retention = metric(e, 'retention');
    assert.deepEqual([retention.treatment.total, retention.holdout.total], [5, 1]);
    close(retention.statistic, 1.7566201313073595, 1e-12, 'z');
    close(retention.pValue, 0.07898257926378298, 1e-12, 'p');
    assert.deepEqual(retention.window, { from: '2017-07-17', to: '2017-07-23' });

    // Only orders in the period count: user 2's coupon order on 07-20 does not; user 4's leaked one does.
    assert.deepEqual(e.redemptions, { code: 'SPRING-10', treatment: { users: 1, orders: 1 }, holdout: { users: 1, orders: 1 } });
    assert.ok(e.notes.some((n) => /1 holdout user\(s\) used SPRING-10/.test(n)), e.notes.join('\n'));

    // By lifecycle stage on 07-09: active T 3/6 against H 1/3; new T 1/1 against H 0/2.
    assert.equal(e.breakdown?.by, 'lifecycle stage on 2017-07-09');
    assert.deepEqual(e.breakdown?.groups.map((g) => [g.group, g.treatment.users, g.treatment.total, g.holdout.users, g.holdout.total]), [
      ['active', 6, 3, 3, 1],
      ['new', 1, 1, 2, 0],
    ]);
    const active = e.breakdown!.groups[0]!;
    close(active.statistic, 0.47434164902525694, 1e-12, 'active z');
    close(active.pValue, 0.6352562959972483, 1e-12, 'active p');
    const fresh = e.breakdown!.groups[1]!;
    close(fresh.pValue, 0.08326451666355045, 1e-12, 'new p (pooled SE)');
    assert.equal(fresh.ci, null, 'both arms at 0% or 100%: no unpooled SE, no interval');
    assert.ok(e.notes.includes('fewer than 30 users in an arm of active, new: the normal approximation is rough there'), e.notes.join('\n'));
  });

  test('interim: as of 07-12 the period is half counted and retention not yet measurable', async () => {
    const e = await evaluateCampaign(ws, 'spring-coupon', { asOf: new Date('2017-07-12T23:59:59Z'), by: null });
    assert.equal(e.complete, false);
    const conversion = metric(e, 'conversion');
    // By the end of 07-12: treatment 1 (07-11) and 5 (07-10) bought; holdout nobody yet (4 buys on 07-14).
    assert.deepEqual([conversion.treatment.total, conversion.holdout.total], [2, 0]);
    assert.equal(conversion.complete, false);
    close(metric(e, 'gmv_per_user').treatment.total, 190, 1e-9, 'GMV to 07-12');
    assert.equal(e.metrics.some((m) => m.metric === 'retention'), false);
    assert.equal(e.breakdown, null);
    assert.deepEqual(e.redemptions?.holdout, { users: 0, orders: 0 });
    assert.ok(e.notes.some((n) => n.startsWith('interim:')));
    assert.ok(e.notes.some((n) => n.startsWith('retention is measured from 2017-07-17')));
    await assert.rejects(() => evaluateCampaign(ws, 'spring-coupon', { asOf: new Date('2017-07-09T23:59:59Z') }), /starts on 2017-07-10/);
  });

  test('an audience taken with "not" is limited to users known by the start', async () => {
    const lapsed = parseCampaign({ ...SPRING, id: 'lapsed', audience: { not: { behaviour: { event: 'buy' }, window: { last: '30d' } } } }, 'lapsed');
    const split = await campaignAssignment(ws, lapsed);
    const members = await ws.wh.query<{ user_id: number; arm: string }>(`SELECT user_id, arm FROM (${split.sql}) ORDER BY user_id`, split.params);
    // Known by 07-09 23:59:59 without a buy in 30 days: 13 (bought 06-09) and 15 (registered 07-01); not 14
    // (refused targeting), 16 (first seen 07-12) or 17 (registered 07-12). Another campaign id splits
    // otherwise: for "lapsed" 13 is held out and 15 treated.
    assert.deepEqual(members.map((r) => [Number(r.user_id), r.arm]), [[13, 'holdout'], [15, 'treatment']]);
    assert.deepEqual([armOf('lapsed', 13, 0.5), armOf('lapsed', 15, 0.5)], ['holdout', 'treatment']);
    const e = await evaluateCampaign(ws, lapsed, { by: null });
    assert.deepEqual([e.assignment.treatment, e.assignment.holdout], [1, 1]);
  });

  test('an empty audience is reported, not an error', async () => {
    const nobody = parseCampaign({ ...SPRING, id: 'nobody', audience: { behaviour: { event: 'buy' }, window: { last: '30d' }, op: '>=', value: 99 } }, 'nobody');
    const e = await evaluateCampaign(ws, nobody);
    assert.deepEqual([e.assignment.users, e.assignment.treatment, e.assignment.holdout], [0, 0, 0]);
    assert.equal(e.assignment.sampleRatio.mismatch, false);
    assert.equal(metric(e, 'conversion').pValue, null);
    assert.equal(metric(e, 'gmv_per_user').ci, null);
    assert.deepEqual(e.breakdown?.groups, []);
    assert.ok(e.notes.includes('the audience is empty: nobody matched the condition by the start'));
  });

  test('assign stores the split; evaluate reads it; a changed definition is refused until assigned again', async () => {
    const out = join(dir, '..', 'split.csv');
    await assert.rejects(() => assignCampaign(ws, 'spring-coupon', { out }), (e: unknown) => e instanceof PortraitError && /needs at least 50/.test(e.message));
    assert.equal(existsSync(out), false, 'no file below the minimum audience');
    const report = await assignCampaign(ws, 'spring-coupon', { out, minSize: 10 });
    // User 14 bought in the window but refused targeting: left out, and counted.
    assert.deepEqual([report.users, report.treatment, report.holdout, report.optedOut], [12, 7, 5, 1]);
    assert.equal(readFileSync(out, 'utf8'), `user_id,arm\n${[...Array(12).keys()].map((i) => `${i + 1},${armOf('spring-coupon', i + 1, 0.5)}`).join('\n')}\n`);
    const stored = await evaluateCampaign(ws, 'spring-coupon', { by: null });
    assert.equal(stored.assignment.source, 'stored');
    assert.equal(metric(stored, 'conversion').treatment.total, 4);

    // A user who refuses targeting after the split stays in the stored split; a new split leaves them out.
    await ws.wh.run("INSERT INTO consents (user_id, purpose, allowed) VALUES (9, 'targeting', false)");
    assert.equal((await evaluateCampaign(ws, 'spring-coupon', { by: null })).assignment.treatment, 7);
    const again = await assignCampaign(ws, 'spring-coupon');
    assert.deepEqual([again.treatment, again.optedOut], [6, 2]);
    await ws.wh.run("DELETE FROM consents WHERE user_id = 9");

    CampaignRegistry.load(ws).define(ws, { ...SPRING, holdout: 0.4 }, 'spring.json');
    await assert.rejects(() => evaluateCampaign(ws, 'spring-coupon'), /changed \(audience, holdout or start\) since its split was stored/);
    // The description alone does not touch the split.
    CampaignRegistry.load(ws).define(ws, SPRING, 'spring.json');
    CampaignRegistry.load(ws).define(ws, { ...SPRING, description: 'reworded' }, 'spring.json');
    assert.equal((await evaluateCampaign(ws, 'spring-coupon', { by: null })).assignment.source, 'stored');
    assert.ok(existsSync(join(dir, 'definitions', 'campaigns', 'history', 'spring-coupon.v1.json')), 'earlier versions are kept');
  });

  test('audiences and breakdowns on the portrait: refused before a build, noted when built after the start', async () => {
    const women = parseCampaign({ ...SPRING, id: 'women', audience: { tag: 'gender', op: '=', value: 'female' } }, 'women');
    await assert.rejects(() => evaluateCampaign(ws, women), /reads the portrait .* which has not been built/);
    await buildTags(ws, { asOf: new Date('2017-07-24T23:59:59Z') });
    const e = await evaluateCampaign(ws, women, { by: tagGrouping(TagRegistry.load(ws), 'gender') });
    // Declared women known by the start: 1, 3, 4, 15 (not 17, registered later); campaign "women" treats
    // 15 and holds out 1, 3 and 4.
    assert.deepEqual([e.assignment.treatment, e.assignment.holdout], [1, 3]);
    assert.deepEqual([1, 3, 4, 15].map((u) => armOf('women', u, 0.5)), ['holdout', 'holdout', 'holdout', 'treatment']);
    assert.ok(e.notes.some((n) => /portrait built as of 2017-07-24 23:59:59, after the campaign started/.test(n)), e.notes.join('\n'));
    assert.equal(e.breakdown?.by, 'tag gender');
    assert.deepEqual(e.breakdown?.groups.map((g) => g.group), ['female']);
  });

  test('bad definitions name the file, the JSON path and what was expected', () => {
    const registry = CampaignRegistry.load(ws);
    const bad = (patch: Record<string, unknown>, pattern: RegExp) =>
      assert.throws(() => registry.define(ws, { ...SPRING, ...patch }, 'bad.json'), (e: unknown) => e instanceof PortraitError && pattern.test(e.message), JSON.stringify(patch));
    bad({ holdout: 1.5 }, /^bad\.json: holdout: expected the holdout below 1$/);
    bad({ holdout: '20%' }, /^bad\.json: holdout: expected the holdout: a share between 0 and 1, such as 0\.2$/);
    bad({ goal: 'clicks' }, /^bad\.json: goal: /);
    bad({ period: { from: '2017-07-10', to: '2017-07-01' } }, /^bad\.json: period\.to: "to" must not be before "from"/);
    bad({ period: { from: '2017-02-30', to: '2017-03-01' } }, /^bad\.json: period\.from: not a real date/);
    bad({ offer: { type: 'voucher' } }, /^bad\.json: offer(\.type)?: /);
    bad({ offer: { type: 'full_reduction', threshold: 200, reduction: 300 } }, /^bad\.json: offer\.reduction: the reduction must be below the threshold/);
    bad({ offer: { type: 'points', multiplier: 2, bonus: 100 } }, /^bad\.json: offer: points offers give exactly one/);
    bad({ audience: { tag: 'no_such_tag', op: '=', value: 1 } }, /^bad\.json: audience\.tag: unknown tag "no_such_tag"/);
    bad({ audience: { segment: 'nobody' } }, /^bad\.json: audience\.segment: unknown segment "nobody"/);
    bad({ id: 'Bad Id' }, /^bad\.json: id: expected a campaign id/);
    bad({ extra: 1 }, /^bad\.json: /);
    assert.throws(() => registry.require('nope'), /unknown campaign "nope"/);
  });
});

test('a broken split fails the sample-ratio check; the engine\'s split equals the TypeScript hash', async () => {
  const t = tempDir();
  const ws = await Workspace.init(join(t.dir, 'ws'));
  try {
    await ws.wh.run(`INSERT INTO events (event_id, user_id, ts, type, amount)
      SELECT range, range, TIMESTAMP '2017-07-01 10:00:00' + to_seconds(range), 'buy', 10 FROM range(1, 2001)`);
    await ws.wh.run(`INSERT INTO events (event_id, user_id, ts, type, amount)
      SELECT 10000 + range, range, TIMESTAMP '2017-07-11 10:00:00', 'buy', 20 FROM range(1, 2001) WHERE range % 3 = 0`);
    const registry = CampaignRegistry.load(ws);
    registry.define(ws, { ...SPRING, id: 'srm-check', offer: { type: 'discount', rate: 0.8 } }, 'srm.json');
    const report = await assignCampaign(ws, 'srm-check');
    assert.equal(report.users, 2000);
    const arms = await ws.wh.query<{ user_id: number; arm: string }>(`SELECT user_id, arm FROM ${ASSIGNMENTS_TABLE} WHERE campaign_id = 'srm-check' ORDER BY user_id`);
    assert.equal(arms.length, 2000);
    for (const r of arms) assert.equal(r.arm, armOf('srm-check', Number(r.user_id), 0.5), `user ${r.user_id}`);
    const fine = await evaluateCampaign(ws, 'srm-check', { by: null });
    assert.equal(fine.assignment.sampleRatio.mismatch, false, `a hash split passes (p ${fine.assignment.sampleRatio.pValue})`);
    assert.ok(!fine.notes.some((n) => n.startsWith('sample ratio mismatch')));

    // Lose 300 held-out users from the stored split, as a broken pipeline would.
    await ws.wh.run(`DELETE FROM ${ASSIGNMENTS_TABLE} WHERE campaign_id = 'srm-check' AND user_id IN (
      SELECT user_id FROM ${ASSIGNMENTS_TABLE} WHERE campaign_id = 'srm-check' AND arm = 'holdout' ORDER BY user_id LIMIT 300)`);
    const broken = await evaluateCampaign(ws, 'srm-check', { by: null });
    const s = broken.assignment.sampleRatio;
    assert.equal(broken.assignment.holdout, report.holdout - 300);
    const n = report.users - 300;
    const expected = ((report.treatment - n / 2) ** 2 + (report.holdout - 300 - n / 2) ** 2) / (n / 2);
    close(s.chiSquare, expected, 1e-9, 'chi-square by hand');
    assert.ok(s.pValue < 0.001);
    assert.equal(s.mismatch, true);
    assert.ok(broken.notes.some((x) => x.startsWith('sample ratio mismatch')), broken.notes.join('\n'));
  } finally {
    await ws.close();
    t.cleanup();
  }
});


test('the CLI: define, list, assign --out, evaluate (readable and --json), and clear errors', async () => {
  const t = tempDir();
  const wsDir = join(t.dir, 'ws');
  const ws = await Workspace.init(wsDir);
  await seedStory(ws);
  await ws.close();
  try {
    const file = join(t.dir, 'spring.json');
    writeFileSync(file, JSON.stringify(SPRING));
    let r = await runCli(['-w', wsDir, 'campaign', 'define', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'defined campaign spring-coupon\n');
    r = await runCli(['-w', wsDir, 'campaign', 'list', '--json']);
    assert.deepEqual(JSON.parse(r.stdout).map((c: { id: string }) => c.id), ['spring-coupon']);
    r = await runCli(['-w', wsDir, 'campaign', 'list']);
    assert.match(r.stdout, /spring-coupon\s+conversion\s+2017-07-10 \.\. 2017-07-16\s+50\.0%\s+coupon 10 yuan off \[SPRING-10\]/);

    r = await runCli(['-w', wsDir, 'campaign', 'evaluate', 'spring-coupon']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /audience\s+12 users as of 2017-07-09 23:59:59 \(split computed now\)/);
    assert.match(r.stdout, /split\s+7 treatment \/ 5 holdout: 41\.67% held out, 50\.00% planned/);
    assert.match(r.stdout, /sample ratio\s+chi-square 0\.33, p 0\.564: ok/);
    assert.match(r.stdout, /conversion \(goal\)\s+7\s+57\.14%\s+5\s+20\.00%\s+\+37\.14 pts\s+\[-13\.58, \+87\.87\]\s+\+185\.7%\s+0\.198\n/);
    assert.match(r.stdout, /GMV per user \(yuan\)\s+7\s+42\.86\s+5\s+12\.00\s+\+30\.86\s+\[-23\.79, \+85\.50\]/);
    assert.match(r.stdout, /conversion by lifecycle stage on 2017-07-09\n/);

    r = await runCli(['-w', wsDir, 'campaign', 'evaluate', 'spring-coupon', '--json', '--no-by', '--confidence', '0.9']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout) as CampaignEvaluation;
    assert.equal(e.breakdown, null);
    assert.equal(e.confidence, 0.9);
    assert.equal(e.metrics[0]!.treatment.total, 4);
    assert.equal(e.asOf, '2017-07-24T23:59:59.000Z' as unknown as Date);

    const out = join(t.dir, 'split.parquet');
    r = await runCli(['-w', wsDir, 'campaign', 'assign', 'spring-coupon', '--out', out, '--min-size', '5']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stored the split of campaign spring-coupon: 12 users as of 2017-07-09 23:59:59/);
    assert.match(r.stdout, /wrote user_id, arm for 12 users to /);
    assert.ok(existsSync(out));
    r = await runCli(['-w', wsDir, 'campaign', 'evaluate', 'spring-coupon', '--as-of', '2017-07-12']);
    assert.match(r.stdout, /split stored by campaign assign/);
    assert.match(r.stdout, /note: interim: the period runs to the end of 2017-07-16/);

    r = await runCli(['-w', wsDir, 'campaign', 'evaluate', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: unknown campaign "nope"\nhint: campaigns: spring-coupon/);
    r = await runCli(['-w', wsDir, 'campaign', 'evaluate', 'spring-coupon', '--by', 'nothing_here']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--by: unknown tag "nothing_here"/);
    r = await runCli(['-w', wsDir, 'campaign', 'evaluate', 'spring-coupon', '--confidence', '95']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /expected a share between 0 and 1/);
    r = await runCli(['-w', wsDir, 'campaign', 'assign', 'spring-coupon', '--out', join(t.dir, 'split.txt')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write the split to .*split\.txt\nhint: name a \.csv or \.parquet file/);
    writeFileSync(file, JSON.stringify({ ...SPRING, audience: { behaviour: { event: 'buy' }, window: { last: 'a week' } } }));
    r = await runCli(['-w', wsDir, 'campaign', 'define', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /spring\.json: audience\.window\.last: expected a duration such as 30m, 12h, 7d or 2w/);
  } finally {
    t.cleanup();
  }
});

test('the synthetic world\'s campaign: evaluated straight after synth, the true effect inside every interval, the split as planned', async () => {
  const t = tempDir();
  const ws = await Workspace.init(join(t.dir, 'ws'));
  try {
    await synthesize(ws, resolveSynthOptions({ users: 4000, seed: 42 }));
    const def = CampaignRegistry.load(ws).require(SYNTH_CAMPAIGN_ID);
    assert.deepEqual(def.period, { from: '2017-11-13', to: '2017-11-26' });
    assert.equal(def.holdout, 0.25);
    const truth = await ws.wh.query<{ metric: string; designed_effect: number | null; true_effect: number; treatment_users: number; holdout_users: number; converted_by_campaign: number }>(
      'SELECT * FROM truth.campaigns ORDER BY metric',
    );
    assert.deepEqual(truth.map((r) => r.metric), ['conversion', 'gmv_per_user', 'retention']);
    const e = await evaluateCampaign(ws, SYNTH_CAMPAIGN_ID);
    // The evaluation sees exactly the audience the world treated.
    assert.equal(e.assignment.treatment, Number(truth[0]!.treatment_users));
    assert.equal(e.assignment.holdout, Number(truth[0]!.holdout_users));
    assert.equal(e.assignment.sampleRatio.mismatch, false);
    assert.ok(e.assignment.sampleRatio.pValue > 0.001);
    // The coupon was used by exactly the users the campaign converted, none of them held out.
    assert.deepEqual(e.redemptions?.treatment.users, Number(truth[0]!.converted_by_campaign));
    assert.equal(e.redemptions?.holdout.users, 0);
    const conversionTruth = truth.find((r) => r.metric === 'conversion')!;
    assert.equal(conversionTruth.designed_effect, 0.03);
    // The realised effect is near the designed one (binomial noise of a few hundred treated users).
    close(conversionTruth.true_effect, 0.03, 0.01, 'realised conversion effect');
    for (const row of truth) {
      const m = metric(e, row.metric as MetricEffect['metric']);
      assert.ok(m.ci && m.ci[0] <= row.true_effect && row.true_effect <= m.ci[1], `${row.metric}: true effect ${row.true_effect} outside ${JSON.stringify(m.ci)}`);
    }
    assert.ok(metric(e, 'conversion').difference > 0);
  } finally {
    await ws.close();
    t.cleanup();
  }
});

test('the examples are valid campaigns; synth-coupon.json is what the default world writes', () => {
  const dir = new URL('../examples/campaigns/', import.meta.url).pathname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, ['double-11-women.json', 'synth-coupon.json', 'win-back-points.json']);
  const parsed = files.map((f) => parseCampaign(JSON.parse(readFileSync(join(dir, f), 'utf8')), f));
  assert.deepEqual(parsed.map((c) => c.id), files.map((f) => f.replace(/\.json$/, '')));
  assert.deepEqual(parsed[1], planSynthCampaign(planWorld(resolveSynthOptions({})))!.definition);
  // A nine-day world holds a shorter campaign; a two-day world has no room for one.
  const short = planSynthCampaign(planWorld(resolveSynthOptions({ preset: 'taobao', users: 1000 })))!;
  assert.deepEqual([short.definition.period, short.retentionDays, short.lookbackDays], [{ from: '2017-12-01', to: '2017-12-02' }, 1, 6]);
  assert.equal(planSynthCampaign(planWorld(resolveSynthOptions({ days: 2, users: 100 }))), null);
});
