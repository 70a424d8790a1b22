import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  histogramBins,
  niceWidth,
  parseScoringPlan,
  runScoringPlan,
  scoreRange,
  type ScoringResult,
} from '../src/operations/scoring/index.js';
import { listAudit } from '../src/privacy/audit.js';
import { SegmentRegistry } from '../src/segments/registry.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { TagRegistry } from '../src/tags/registry/registry.js';
import { buildTags } from '../src/tags/values/build.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const AS_OF = new Date('2017-07-31T23:59:59Z');

/**
 * The story: [user, gender, birthday, city, income] declared, and the days (in July 2017) each user
 * viewed something. User 7 has events but no profile; user 8 refused targeting.
 */
const PEOPLE: [number, string | null, string | null, string | null, string | null][] = [
  [1, 'female', '1990-03-01', 'Shanghai', 'high'], // 27
  [2, 'female', '1975-01-01', 'Shanghai', 'high'], // 42
  [3, 'male', '1988-05-05', 'Beijing', 'middle'], // 29
  [4, 'female', null, 'Shanghai', 'low'],
  [5, 'male', '1995-02-02', 'Shanghai', 'high'], // 22
  [6, 'female', '1984-06-01', 'Hangzhou', 'high'], // 33
  [8, 'female', '1991-01-01', 'Beijing', 'middle'], // 26
  [9, 'male', null, null, null],
];
const VISIT_DAYS: [number, number[]][] = [
  [1, [29, 30, 31]],
  [2, [1]],
  [3, [20, 25, 28]],
  [4, [30]],
  [5, [10]],
  [6, [28, 29, 30]],
  [8, [31]],
  [9, [31]],
];

/** The lecture's live-stream plan, on declared tags, plus a penalty for no visit in the last 7 days. */
const PLAN = {
  id: 'live',
  description: 'live-stream leads',
  rules: [
    { name: 'woman', when: { tag: 'gender', op: '=', value: 'female' }, points: 20 },
    { name: 'age 25-35', when: { and: [{ tag: 'age', op: '>=', value: 25 }, { tag: 'age', op: '<=', value: 35 }] }, points: 30 },
    { name: 'high income in Shanghai', when: { and: [{ tag: 'income', op: '=', value: 'high' }, { tag: 'city', op: '=', value: 'Shanghai' }] }, points: 15 },
    { name: '3 or more visits', when: { behaviour: {}, window: { last: '30d' }, measure: 'days', op: '>=', value: 3 }, points: 10 },
    { name: 'quiet this week', when: { not: { behaviour: {}, window: { last: '7d' } } }, points: -5 },
  ],
  bands: [
    { band: 'A', min: 60 },
    { band: 'B', min: 30 },
    { band: 'C', min: 0 },
  ],
};

/**
 * By hand (as of 2017-07-31 23:59:59):
 * 1: woman 20 + age 27 30 + high/Shanghai 15 + visits on 3 days 10 = 75 (A)
 * 6: woman 20 + age 33 30 + visits 10 = 60 (A: the min is inclusive)
 * 8: woman 20 + age 26 30 = 50 (B)
 * 3: age 29 30 + visits 10 = 40 (B)
 * 2: woman 20 + high/Shanghai 15 - quiet 5 = 30 (B)
 * 4: woman 20 = 20 (C)
 * 5: high/Shanghai 15 - quiet 5 = 10 (C)
 * 9: meets no rule: 0 (C)
 * 7: quiet -5 (below every band)
 */
const EXPECTED: [user: number, score: number, band: string | null, rules: string[]][] = [
  [1, 75, 'A', ['woman', 'age 25-35', 'high income in Shanghai', '3 or more visits']],
  [6, 60, 'A', ['woman', 'age 25-35', '3 or more visits']],
  [8, 50, 'B', ['woman', 'age 25-35']],
  [3, 40, 'B', ['age 25-35', '3 or more visits']],
  [2, 30, 'B', ['woman', 'high income in Shanghai', 'quiet this week']],
  [4, 20, 'C', ['woman']],
  [5, 10, 'C', ['high income in Shanghai', 'quiet this week']],
  [9, 0, 'C', []],
  [7, -5, null, ['quiet this week']],
];

async function seed(ws: Workspace): Promise<void> {
  let id = 1;
  for (const [user, days] of VISIT_DAYS) {
    for (const d of days) {
      await ws.wh.run("INSERT INTO events (event_id, user_id, ts, type) VALUES ($1, $2, CAST($3 AS TIMESTAMP), 'pv')", [id++, user, `2017-07-${String(d).padStart(2, '0')} 12:00:00`]);
    }
  }
  await ws.wh.run("INSERT INTO events (event_id, user_id, ts, type) VALUES ($1, 7, TIMESTAMP '2017-06-01 12:00:00', 'pv')", [id++]);
  for (const [user, gender, birthday, city, income] of PEOPLE) {
    await ws.wh.run('INSERT INTO users (user_id, gender, birth_date, city, income) VALUES ($1, $2, CAST($3 AS DATE), $4, $5)', [user, gender, birthday, city, income]);
  }
  await ws.wh.run("INSERT INTO consents (user_id, purpose, allowed) VALUES (8, 'targeting', false), (1, 'targeting', true), (2, 'personalisation', false)");
}

const scores = (r: ScoringResult) => r.top.map((l) => [l.userId, l.score, l.band, l.why.map((w) => w.rule)]);

describe('lead scoring on a hand-made story', () => {
  let ws: Workspace;
  let dir: string;
  let root: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    root = t.dir;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seed(ws);
    await buildTags(ws, { asOf: AS_OF });
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('every lead gets the points of the rules it meets; bands, histogram and reasons follow', async () => {
    const r = await runScoringPlan(ws, { input: PLAN, where: 'live.json' }, { top: 9 });
    assert.deepEqual(scores(r), EXPECTED);
    assert.deepEqual(r.top.map((l) => l.rank), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(r.top[4]!.why, [{ rule: 'woman', points: 20 }, { rule: 'high income in Shanghai', points: 15 }, { rule: 'quiet this week', points: -5 }]);
    assert.deepEqual(r.top.filter((l) => l.optedOut).map((l) => l.userId), [8]);
    assert.equal(r.stored.status, 'defined');
    assert.equal(r.stored.version, 1);
    const d = r.distribution;
    assert.equal(d.asOf.toISOString(), AS_OF.toISOString());
    assert.deepEqual([d.leads, d.knownUsers], [9, 9]);
    assert.equal(d.meanScore, 280 / 9);
    assert.deepEqual(d.bands, [
      { band: 'A', min: 60, leads: 2, share: 2 / 9 },
      { band: 'B', min: 30, leads: 3, share: 3 / 9 },
      { band: 'C', min: 0, leads: 3, share: 3 / 9 },
    ]);
    assert.equal(d.unbanded, 1);
    // Scores run from -5 to 75: 80 / 20 bins -> width 5, 17 bins from -5.
    assert.equal(d.histogram.length, 17);
    assert.deepEqual(d.histogram[0], { from: -5, to: 0, leads: 1 });
    const filled = d.histogram.filter((b) => b.leads > 0).map((b) => [b.from, b.leads]);
    assert.deepEqual(filled, [[-5, 1], [0, 1], [10, 1], [20, 1], [30, 1], [40, 1], [50, 1], [60, 1], [75, 1]]);
    assert.equal(d.histogram.reduce((s, b) => s + b.leads, 0), 9);
  });

  test('scores are tags: segments and rule tags read them, and they follow a changed plan', async () => {
    const band = await ws.wh.query<{ user_id: number; txt: string }>("SELECT user_id, txt FROM tag_values WHERE tag = 'lead_band_live' ORDER BY user_id");
    assert.deepEqual(band.map((r) => [Number(r.user_id), r.txt]), [[1, 'A'], [2, 'B'], [3, 'B'], [4, 'C'], [5, 'C'], [6, 'A'], [8, 'B'], [9, 'C']]);
    const score = await ws.wh.query<{ user_id: number; num: number }>("SELECT user_id, num FROM tag_values WHERE tag = 'lead_score_live' ORDER BY user_id");
    assert.deepEqual(score.map((r) => [Number(r.user_id), r.num]), [[1, 75], [2, 30], [3, 40], [4, 20], [5, 10], [6, 60], [7, -5], [8, 50], [9, 0]]);
    const tags = TagRegistry.load(ws);
    assert.equal(tags.get('lead_score_live')?.type, 'integer');
    assert.deepEqual(tags.get('lead_band_live')?.definition, { source: { table: 'lead_scores', key: 'live', column: 'band' } });

    // A rule tag on the score is recomputed when the plan changes (the partial build takes dependents).
    TagRegistry.define(ws, {
      key: 'hot_lead', family: 'own_behaviour', kind: 'rule', type: 'boolean',
      description: { en: 'Scored 50 or more.', zh: '高分线索' },
      definition: { rule: { when: { tag: 'lead_score_live', op: '>=', value: 50 } } },
    }, 'hot_lead.json');
    await buildTags(ws, { keys: ['hot_lead'] });
    const hot = async () => (await ws.wh.query<{ user_id: number }>("SELECT user_id FROM tag_values WHERE tag = 'hot_lead' AND num = 1 ORDER BY user_id")).map((r) => Number(r.user_id));
    assert.deepEqual(await hot(), [1, 6, 8]);
    const segments = SegmentRegistry.load(ws);
    segments.define(ws, { name: 'a-leads', condition: { tag: 'lead_band_live', op: '=', value: 'A' } }, 'a-leads.json');

    // Age now counts 40 points: user 3 reaches 50, user 8 60 (A).
    const changed = { ...PLAN, rules: PLAN.rules.map((r) => (r.name === 'age 25-35' ? { ...r, points: 40 } : r)) };
    const r = await runScoringPlan(ws, { input: changed, where: 'live.json' }, { top: 3 });
    assert.deepEqual(r.stored, { status: 'replaced', version: 2 });
    assert.ok(existsSync(join(dir, 'definitions', 'scoring', 'history', 'live.v1.json')));
    assert.deepEqual(r.top.map((l) => [l.userId, l.score]), [[1, 85], [6, 70], [8, 60]]);
    assert.deepEqual(await hot(), [1, 3, 6, 8]);
    const members = await ws.wh.query<{ user_id: number }>("SELECT user_id FROM tag_values WHERE tag = 'lead_band_live' AND txt = 'A' ORDER BY user_id");
    assert.deepEqual(members.map((m) => Number(m.user_id)), [1, 6, 8]);

    // The same plan again stores no new version; a stored plan is scored by its id.
    const again = await runScoringPlan(ws, { id: 'live' }, { top: 1 });
    assert.deepEqual(again.stored, { status: 'unchanged', version: 2 });
    assert.deepEqual(again.top.map((l) => [l.userId, l.score]), [[1, 85]]);
  });

  test('a pool restricts who is a lead, as a condition or a segment, and other plans keep their scores', async () => {
    SegmentRegistry.load(ws).define(ws, { name: 'women', condition: { tag: 'gender', op: '=', value: 'female' } }, 'women.json');
    const pooled = { ...PLAN, id: 'women_only', pool: 'women' };
    const r = await runScoringPlan(ws, { input: pooled, where: 'women.json' }, { top: 10 });
    assert.deepEqual(r.top.map((l) => [l.userId, l.score]), [[1, 75], [6, 60], [8, 50], [2, 30], [4, 20]]);
    assert.equal(r.distribution.leads, 5);
    const inline = { ...PLAN, id: 'shanghai', pool: { tag: 'city', op: '=', value: 'Shanghai' } };
    const s = await runScoringPlan(ws, { input: inline, where: 'shanghai.json' }, { top: 10 });
    assert.deepEqual(s.top.map((l) => l.userId), [1, 2, 4, 5]);
    const plans = await ws.wh.query<{ plan: string; n: number }>('SELECT plan, count(*) AS n FROM lead_scores GROUP BY plan ORDER BY plan');
    assert.deepEqual(plans.map((p) => [p.plan, Number(p.n)]), [['live', 9], ['shanghai', 4], ['women_only', 5]]);
  });

  test('the export holds the best leads who allow targeting, in rank order, and is audited', async () => {
    const out = join(root, 'leads.csv');
    const plan = { input: PLAN, where: 'live.json' };
    const r = await runScoringPlan(ws, plan, { top: 3, out });
    // User 8 (third) refused targeting: user 3 takes the third row.
    assert.deepEqual(r.export, { file: out, leads: 3, optedOut: 1 });
    assert.equal(
      readFileSync(out, 'utf8'),
      'rank,user_id,score,band,rules\n' +
        '1,1,75,A,woman; age 25-35; high income in Shanghai; 3 or more visits\n' +
        '2,6,60,A,woman; age 25-35; 3 or more visits\n' +
        '3,3,40,B,age 25-35; 3 or more visits\n',
    );
    const [audit] = (await listAudit(ws, { action: 'export' })).slice(-1);
    assert.deepEqual([audit!.subject, audit!.rows, audit!.file, audit!.details], ['scoring plan live', 3, resolve(out), { kind: 'lead list', format: 'csv', top: 3, opted_out: 1 }]);
    const two = await runScoringPlan(ws, plan, { top: 2, out });
    assert.deepEqual(two.export, { file: out, leads: 2, optedOut: 0 }); // user 8 ranks below the two written
    const all = await runScoringPlan(ws, plan, { top: 100, out });
    assert.deepEqual(all.export, { file: out, leads: 8, optedOut: 1 });
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 9);
    const users = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    assert.deepEqual(users, [1, 6, 3, 2, 4, 5, 9, 7]); // every lead but 8, in rank order
    await assert.rejects(runScoringPlan(ws, plan, { top: 3, out: join(root, 'leads.txt') }), /cannot export leads to .*leads\.txt/);
  });

  test('a bad plan is refused with its file and JSON path, and nothing is stored', async () => {
    const rule = PLAN.rules[0]!;
    const plan = { ...PLAN, id: 'refused' };
    const cases: [unknown, RegExp][] = [
      [{ ...plan, rules: [{ ...rule, points: 2.5 }] }, /PortraitError: bad\.json: rules\[0\]\.points: expected whole points/],
      [{ ...plan, rules: [{ ...rule, when: { tag: 'no_such_tag', exists: true } }] }, /PortraitError: bad\.json: rules\[0\]\.when\.tag: unknown tag "no_such_tag"/],
      [{ ...plan, rules: [rule, { ...rule, name: 'old', when: { and: [{ tag: 'age', op: '>=', value: 'old' }] } }] }, /PortraitError: bad\.json: rules\[1\]\.when\.and\[0\]\.value: tag "age" holds numbers/],
      [{ ...plan, rules: [rule, rule] }, /PortraitError: bad\.json: rules\[1\]\.name: rule name "woman" is used twice/],
      [{ ...plan, bands: [{ band: 'A', min: 10 }, { band: 'B', min: 20 }] }, /PortraitError: bad\.json: bands\[1\]\.min: bands go from the highest min to the lowest/],
      [{ ...plan, pool: 'nobody' }, /PortraitError: bad\.json: pool\.segment: unknown segment "nobody"/],
      [{ ...plan, rules: [{ ...rule, when: { tag: 'lead_band_refused', op: '=', value: 'A' } }] }, /PortraitError: bad\.json: rules\[0\]\.when\.tag: unknown tag "lead_band_refused"/],
      [{ ...PLAN, rules: [{ ...rule, when: { tag: 'lead_band_live', op: '=', value: 'A' } }] }, /PortraitError: bad\.json: rules\[0\]\.when: reads this plan's own tag lead_band_live/],
      [{ ...plan, pool: 'a-leads', id: 'live' }, /PortraitError: bad\.json: pool: reads this plan's own tag lead_band_live/],
      [{ ...plan, id: 'live-stream' }, /PortraitError: bad\.json: id: expected a plan id/],
      [{ ...plan, rules: [] }, /PortraitError: bad\.json: rules: /],
      [{ ...plan, weights: 1 }, /PortraitError: bad\.json: .*weights/],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(runScoringPlan(ws, { input, where: 'bad.json' }), message, JSON.stringify(input));
    }
    assert.ok(!existsSync(join(dir, 'definitions', 'scoring', 'refused.json')));
    await assert.rejects(runScoringPlan(ws, { id: 'nope' }), /unknown scoring plan "nope"/);
  });

  test('the score command: readable and JSON output, a stored plan by id, bad input', async () => {
    await ws.close();
    const file = join(root, 'live.json');
    writeFileSync(file, JSON.stringify(PLAN));
    const readable = await runCli(['-w', dir, 'score', '--plan', file, '--top', '3']);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /scoring plan live \((replaced|unchanged), version \d\) as of 2017-07-31 23:59:59: 9 leads of 9 known users, mean score 31\.1/);
    assert.match(readable.stdout, /stored as tags lead_score_live and lead_band_live/);
    assert.match(readable.stdout, /^A\s+60\s+2\s+22\.2%$/m);
    assert.match(readable.stdout, /^\(none\)\s+-\s+1\s+11\.1%$/m);
    assert.match(readable.stdout, /^-5 to -1\s+1\s+#{40}$/m);
    assert.match(readable.stdout, /^\s+3\s+8\s+50\s+B\s+woman \+20, age 25-35 \+30 \(opted out of targeting\)$/m);
    assert.match(readable.stdout, /^\s+1\s+1\s+75\s+A\s+woman \+20, age 25-35 \+30, high income in Shanghai \+15, 3 or more visits \+10$/m);

    const out = join(root, 'cli-leads.csv');
    const json = await runCli(['-w', dir, 'score', '--plan', 'live', '--top', '2', '--out', out, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.deepEqual(parsed.top.map((l: { userId: number; score: number }) => [l.userId, l.score]), [[1, 75], [6, 60]]);
    assert.equal(parsed.export.leads, 2);
    assert.equal(parsed.stored.status, 'unchanged');
    assert.equal(readFileSync(out, 'utf8').split('\n')[1], '1,1,75,A,woman; age 25-35; high income in Shanghai; 3 or more visits');

    const badFile = join(root, 'bad-plan.json');
    writeFileSync(badFile, JSON.stringify({ ...PLAN, id: 'bad', bands: [{ band: 'A', min: 'high' }] }));
    const bad = await runCli(['-w', dir, 'score', '--plan', badFile]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error: .*bad-plan\.json: bands\[0\]\.min: /);
    assert.match(bad.stderr, /hint: docs\/scoring\.md/);
    writeFileSync(badFile, '{"id": "x",');
    assert.match((await runCli(['-w', dir, 'score', '--plan', badFile])).stderr, /bad-plan\.json: not valid JSON/);
    const badTop = await runCli(['-w', dir, 'score', '--plan', file, '--top', '0']);
    assert.equal(badTop.code, 2);
    assert.match(badTop.stderr, /--top <n>.*expected a whole number, at least 1/);
    const noPlan = await runCli(['-w', dir, 'score']);
    assert.equal(noPlan.code, 2);
    assert.match(noPlan.stderr, /--plan/);
    ws = await Workspace.open(dir);
  });
});

describe('lead scoring before the portrait is built', () => {
  test('is refused, and the plan is not stored', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await seed(ws);
      await assert.rejects(runScoringPlan(ws, { input: PLAN, where: 'live.json' }), /scoring plan live reads the portrait, which has not been built/);
      assert.ok(!existsSync(join(t.dir, 'ws', 'definitions', 'scoring', 'live.json')));
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});

describe('histogram bins', () => {
  test('a readable width, at most 20 bins, covering every score the plan can give', () => {
    assert.deepEqual([0.2, 1, 1.5, 4.25, 7, 30, 51].map(niceWidth), [1, 1, 2, 5, 10, 50, 100]);
    const plan = parseScoringPlan(
      { ...PLAN, rules: [{ name: 'a', when: { tag: 'age', exists: true }, points: 300 }, { name: 'b', when: { tag: 'age', exists: true }, points: -17 }] },
      'p.json',
    );
    assert.deepEqual(scoreRange(plan), { min: -17, max: 300 });
    // 317 / 20 = 15.85 -> width 20, from -20 to 300: 17 bins.
    assert.deepEqual(histogramBins(plan), { lo: -20, width: 20, count: 17 });
  });
});

describe('lead scoring on a synthetic world', () => {
  test('every user\'s score equals the points recomputed from the declared attributes', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await synthesize(ws, resolveSynthOptions({ users: 1500, days: 10, seed: 9 }));
      await buildTags(ws);
      const plan = {
        id: 'declared',
        rules: [
          { name: 'high income', when: { tag: 'income', op: '=', value: 'high' }, points: 25 },
          { name: 'tier-1 city', when: { tag: 'city', in: ['Shanghai', 'Beijing', 'Shenzhen', 'Guangzhou'] }, points: 15 },
          { name: 'under 25', when: { tag: 'age', op: '<', value: 25 }, points: -10 },
          { name: 'married', when: { tag: 'marital_status', op: '=', value: 'married' }, points: 5 },
        ],
        bands: [{ band: 'A', min: 30 }, { band: 'B', min: 1 }],
      };
      const r = await runScoringPlan(ws, { input: plan, where: 'declared.json' }, { top: 5 });
      const asOf = r.distribution.asOf;
      // The same points, straight from the users table with the age computed here.
      const users = await ws.wh.query<{ user_id: number; income: string | null; city: string | null; birth_date: Date | null; marital_status: string | null }>(
        'SELECT user_id, income, city, CAST(birth_date AS TIMESTAMP) AS birth_date, marital_status FROM users',
      );
      const age = (b: Date) => {
        const years = asOf.getUTCFullYear() - b.getUTCFullYear();
        const before = asOf.getUTCMonth() < b.getUTCMonth() || (asOf.getUTCMonth() === b.getUTCMonth() && asOf.getUTCDate() < b.getUTCDate());
        return years - (before ? 1 : 0);
      };
      const expected = new Map<number, number>();
      for (const u of users) {
        let s = 0;
        if (u.income === 'high') s += 25;
        if (u.city && ['Shanghai', 'Beijing', 'Shenzhen', 'Guangzhou'].includes(u.city)) s += 15;
        if (u.birth_date && age(u.birth_date) < 25 && age(u.birth_date) >= 0) s -= 10;
        if (u.marital_status === 'married') s += 5;
        expected.set(Number(u.user_id), s);
      }
      const stored = await ws.wh.query<{ user_id: number; score: number; band: string | null }>("SELECT user_id, score, band FROM lead_scores WHERE plan = 'declared'");
      const known = Number((await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM known_users'))[0]!.n);
      assert.equal(stored.length, known);
      let checked = 0;
      for (const row of stored) {
        const want = expected.get(Number(row.user_id)) ?? 0; // a user without a profile meets no rule
        assert.equal(row.score, want, `user ${row.user_id}`);
        assert.equal(row.band, want >= 30 ? 'A' : want >= 1 ? 'B' : null);
        checked++;
      }
      assert.ok(checked >= 1500);
      const bands = r.distribution.bands.map((b) => b.leads);
      assert.equal(bands[0], [...expected.values()].filter((s) => s >= 30).length);
      assert.ok(bands[0]! > 0 && bands[1]! > 0 && r.distribution.unbanded > 0);
      // Consents: the export never holds an opted-out user.
      const out = join(t.dir, 'top.csv');
      const exported = await runScoringPlan(ws, { id: 'declared' }, { top: 200, out });
      const ids = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
      assert.equal(ids.length, 200);
      const opted = new Set((await ws.wh.query<{ user_id: number }>("SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed")).map((u) => Number(u.user_id)));
      assert.ok(opted.size > 0);
      assert.ok(ids.every((id) => !opted.has(id)));
      // Left out: the opted-out leads ranked above the last one written.
      const [left] = await ws.wh.query<{ n: number }>(
        `WITH r AS (SELECT user_id, row_number() OVER (ORDER BY score DESC, user_id) AS pos FROM lead_scores WHERE plan = 'declared')
         SELECT count(*) AS n FROM r WHERE pos < (SELECT pos FROM r WHERE user_id = $1)
           AND user_id IN (SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed)`,
        [ids.at(-1)!],
      );
      assert.equal(exported.export!.optedOut, Number(left!.n));
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});
