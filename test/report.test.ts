import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { runBuild } from '../src/build.js';
import { synthesize, resolveSynthOptions } from '../src/synth/index.js';
import { funnel, parseStepsList } from '../src/analytics/funnel/index.js';
import { retention } from '../src/analytics/retention/index.js';
import { SegmentRegistry, segmentSize } from '../src/segments/index.js';
import { io, processIo } from '../src/cli/context.js';
import { registerReportCommands } from '../src/cli/commands/report.js';
import { Workspace } from '../src/workspace/workspace.js';
import { contentReport } from '../src/content/index.js';
import { liveReport } from '../src/live/index.js';
import { buildSocialGraph, kolGraph, kolRanking, listCampaigns, socialBuildInfo, spreadTree } from '../src/social/index.js';
import {
  activityOption,
  activityReading,
  CHART_KINDS,
  chartHeight,
  contentOption,
  contentReading,
  escapeHtml,
  funnelOption,
  funnelReading,
  gatherReportData,
  kpiCards,
  kpiReading,
  kpiTrendOption,
  kolChartOption,
  kolReading,
  LABELS,
  lifecycleOption,
  lifecycleReading,
  liveOption,
  liveReading,
  renderReport,
  REPORT_TREE_NODES,
  reportCharts,
  reportPeriods,
  retentionOption,
  retentionReading,
  rfmOption,
  rfmReading,
  rolesOption,
  rolesReading,
  segmentsOption,
  segmentsReading,
  spreadLevelsChartOption,
  spreadLevelsReading,
  spreadTreeChartOption,
  spreadTreeReading,
  writeReport,
  type ContentInput,
  type KolInput,
  type KpiInput,
  type Lang,
  type LiveInput,
  type ReportData,
  type ReportResult,
  type SpreadInput,
} from '../src/report/index.js';
import { count, tempWorkspace } from './helpers.js';

/** The output with the SVG namespace declarations taken out: what is left must name no URL. */
function withoutXmlns(html: string): string {
  return html.replace(/\sxmlns(:[a-z]+)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
}

// Loose access to option internals (ECharts' option type is a wide union).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const series = (option: unknown): Loose[] => (option as Loose).series as Loose[];

describe('report on a synthetic world', () => {
  let ws: Workspace;
  let dir: string;
  let done: () => Promise<void>;
  let data: ReportData;
  const results = new Map<Lang, { result: ReportResult; html: string }>();

  before(async () => {
    ({ ws, dir, done } = await tempWorkspace());
    await synthesize(ws, resolveSynthOptions({ users: 1500, days: 40, seed: 3 }));
    await runBuild(ws);
    await buildSocialGraph(ws);
    const registry = SegmentRegistry.load(ws);
    registry.define(ws, { name: 'active-users', condition: { lifecycle: ['active', 'won_back'] } }, 'active-users.json');
    registry.define(ws, { name: 'top-buyers', condition: { rfm: ['important value'] } }, 'top-buyers.json');
    data = await gatherReportData(ws);
    for (const lang of ['en', 'zh'] as const) {
      const out = join(dir, `report-${lang}.html`);
      const result = await writeReport(ws, { out, lang });
      results.set(lang, { result, html: readFileSync(out, 'utf8') });
    }
  });

  after(async () => {
    Object.assign(io, processIo);
    await done();
  });

  for (const lang of ['en', 'zh'] as const) {
    test(`${lang}: one self-contained file with one SVG per chart, every title and reading, no URL`, () => {
      const { result, html } = results.get(lang)!;
      assert.ok(existsSync(result.out));
      assert.equal(statSync(result.out).size, result.bytes);
      assert.equal(result.lang, lang);
      assert.deepEqual(result.charts.map((c) => c.kind), [...CHART_KINDS]);
      assert.equal((html.match(/<svg[\s>]/g) ?? []).length, CHART_KINDS.length);
      assert.equal((html.match(/<\/svg>/g) ?? []).length, CHART_KINDS.length);
      for (const kind of CHART_KINDS) {
        assert.ok(html.includes(`<h2>${LABELS[lang].titles[kind]}</h2>`), `title of ${kind}`);
        assert.ok(html.includes(`id="chart-${kind}"`));
      }
      for (const c of result.charts) assert.ok(c.reading.length > 20 && html.includes(escapeHtml(c.reading)), `reading of ${c.kind}`);
      assert.match(html, new RegExp(`<html lang="${lang}">`));
      assert.ok(!/http/i.test(withoutXmlns(html)), 'no URL outside the SVG namespaces');
      assert.ok(!/<script|<link|\ssrc=|@import/i.test(html), 'nothing loaded from elsewhere');
      assert.ok(html.includes(data.workspace) && html.includes(data.asOf!), 'workspace name and as-of');
      assert.ok(!html.includes('<?xml'));
      // KPI cards at the top, before the first chart.
      assert.ok(html.indexOf('class="cards"') < html.indexOf('id="chart-kpi"'));
      assert.ok(html.includes(LABELS[lang].kpi.buyers));
      // Written through a temporary file that is gone now.
      assert.deepEqual(readdirSync(dirname(result.out)).filter((f) => f.endsWith('.tmp')), []);
    });
  }

  test('the languages differ in their words, not their numbers', () => {
    const en = results.get('en')!.result;
    const zh = results.get('zh')!.result;
    assert.ok(zh.charts.every((c) => /[\u4e00-\u9fff]/.test(c.reading) && /[\u4e00-\u9fff]/.test(c.title)));
    assert.ok(en.charts.every((c) => !/[\u4e00-\u9fff]/.test(c.reading)));
    const numbers = (s: string) => (s.match(/\d[\d,.]*%?/g) ?? []).filter((x) => x.includes('%'));
    const funnelEn = en.charts.find((c) => c.kind === 'funnel')!.reading;
    const funnelZh = zh.charts.find((c) => c.kind === 'funnel')!.reading;
    assert.deepEqual(numbers(funnelEn), numbers(funnelZh));
  });

  test('the data are the library results with the defaults', async () => {
    // 40 days of data: whole Monday-to-Sunday weeks.
    assert.equal(data.grain, 'week');
    assert.equal(new Date(`${data.from}T00:00:00Z`).getUTCDay(), 1);
    assert.equal(new Date(`${data.to}T00:00:00Z`).getUTCDay(), 0);
    assert.ok(data.metrics.rows.length >= 4);
    assert.equal(data.lifecycle.rows.length, data.metrics.rows.length);
    for (const [i, r] of data.lifecycle.rows.entries()) {
      assert.equal(r.new + r.returning + r.resurrecting, data.metrics.rows[i]!.values.activeUsers, 'lifecycle active = metrics active');
    }
    const from = new Date(`${data.from}T00:00:00Z`);
    const to = new Date(`${data.to}T23:59:59.999Z`);
    const f = await funnel(ws, { steps: parseStepsList('pv,cart,buy'), window: '1d', from, to });
    assert.deepEqual(data.funnel.total.map((s) => s.users), f.total.map((s) => s.users));
    const r = await retention(ws, { grain: 'week', from, to });
    assert.deepEqual(data.retention.pooled.rates, r.pooled.rates);
    assert.equal(data.rfm.groups.reduce((a, g) => a + g.users, 0), await count(ws, 'SELECT count(*) AS n FROM user_rfm WHERE rfm_group IS NOT NULL'));
    assert.equal(data.roles.knownUsers, await count(ws, 'SELECT count(*) AS n FROM known_users'));
    const shoppers = data.roles.roles.find((x) => x.role === 'role_shopper')!.users;
    assert.equal(shoppers, await count(ws, "SELECT count(*) AS n FROM tag_values WHERE tag = 'role_shopper' AND num = 1"));
    assert.deepEqual(data.segments.segments.map((s) => s.name), ['active-users', 'top-buyers']);
    for (const s of data.segments.segments) assert.equal(s.users, (await segmentSize(ws, s.name, { profile: false })).users);
    assert.equal(data.activity.totalEvents, await count(ws, 'SELECT count(*) AS n FROM events WHERE ts BETWEEN $1 AND $2', [`${data.from} 00:00:00`, `${data.to} 23:59:59.999`]));
    assert.deepEqual(data.notes, []);
  });

  test('the readings state the numbers of the data', () => {
    const en = results.get('en')!.result;
    const reading = (k: string) => en.charts.find((c) => c.kind === k)!.reading;
    const s = data.funnel.total;
    assert.ok(reading('funnel').startsWith(`Of ${s[0]!.users.toLocaleString('en-US')} users who view, ${((100 * s[1]!.users) / s[0]!.users).toFixed(1)}% cart`));
    assert.ok(reading('retention').startsWith(`${(100 * data.retention.pooled.rates[1]!).toFixed(1)}% of users are active again in week 1`));
    const top = data.segments.segments.reduce((a, b) => (b.users > a.users ? b : a));
    assert.ok(reading('segments').includes(`the largest is ${top.name} with ${top.users.toLocaleString('en-US')} users`));
    const last = data.lifecycle.rows.at(-1)!;
    assert.ok(reading('lifecycle').includes(`${(last.new + last.returning + last.resurrecting).toLocaleString('en-US')} users were active`));
  });

  test('content, live, spread and KOL data are the library results: 30 days, the campaign reaching most, the top 10', async () => {
    const c = await contentReport(ws);
    assert.equal(data.content.days, 30);
    assert.equal(data.content.from, c.from.toISOString().slice(0, 10));
    assert.equal(data.content.asOf, data.asOf, 'as of the newest event');
    assert.equal(data.content.window, '7d');
    assert.deepEqual(data.content.purchases, { orders: c.purchases.orders, gmv: c.purchases.gmv });
    assert.deepEqual(data.content.content, { orders: c.content.orders, gmv: c.content.gmv, orderShare: c.content.orderShare, gmvShare: c.content.gmvShare });
    assert.deepEqual(data.content.kinds, c.kinds.map((k) => ({ kind: k.kind, orders: k.orders, gmv: k.gmv, orderShare: k.orderShare, gmvShare: k.gmvShare })));
    assert.ok(c.content.orders > 0, 'the world sells through content');

    const l = await liveReport(ws);
    assert.ok(l.streams.length > 0);
    assert.deepEqual(
      data.live.streams.map((s) => [s.liveId, s.hostId, s.startedAt, s.audience, s.orders, s.gmv, s.conversion]),
      l.streams.map((s) => [s.liveId, s.hostId, s.startedAt.toISOString().replace('T', ' ').slice(0, 19), s.audience, s.orders, s.gmv, s.conversion]),
    );
    assert.deepEqual(data.live.total, { audience: l.total.audience, convertedViewers: l.total.convertedViewers, orders: l.total.orders, gmv: l.total.gmv, conversion: l.total.conversion });

    const list = (await listCampaigns(ws)).campaigns;
    assert.ok(list.length >= 1);
    const most = Math.max(...list.map((x) => x.reached));
    const best = list.find((x) => x.reached === most)!;
    assert.equal(data.spread.campaigns, list.length);
    assert.equal(data.spread.campaign, best.campaign);
    const t = await spreadTree(ws, { campaign: best.campaign });
    assert.deepEqual(data.spread.levels, t.levels.map((x) => ({ level: x.level, users: x.users, newUsers: x.newUsers, buyers: x.buyers, kFactor: x.kFactor })));
    assert.deepEqual(data.spread.reached, t.reached);
    assert.deepEqual([data.spread.seeds, data.spread.depth, data.spread.overall.kFactor], [t.seeds, t.depth, t.overall.kFactor]);
    const top = t.sharers[0]!;
    assert.deepEqual(data.spread.topSharer, { userId: top.userId, level: top.level, direct: top.direct, downstream: top.downstream });
    // The branch drawn: the top sharer and every user whose chain of parents leads to them.
    const byId = new Map(t.nodes.map((n) => [n.userId, n]));
    const below = (id: number) => {
      for (let n = byId.get(id); n; n = n.parent === null ? undefined : byId.get(n.parent)) if (n.userId === top.userId) return true;
      return false;
    };
    const branch = t.nodes.filter((n) => below(n.userId)).map((n) => n.userId);
    assert.deepEqual(data.spread.branch.map((n) => n.userId).sort((a, b) => a - b), branch.sort((a, b) => a - b));
    assert.equal(data.spread.branch.length, top.downstream.users + 1);
    assert.deepEqual(data.spread.branch.filter((n) => n.parent === null).map((n) => n.userId), [top.userId]);

    const rk = await kolRanking(ws, { top: 10 });
    const g = await kolGraph(ws, { top: 10, perKol: 30 });
    assert.equal(data.kol.builtAsOf, (await socialBuildInfo(ws.wh))!.asOf.toISOString().replace('T', ' ').slice(0, 19));
    assert.deepEqual([data.kol.ranked, data.kol.kolCount, data.kol.kocCount], [rk.ranked, rk.kols, rk.kocs]);
    assert.deepEqual(data.kol.kols.map((k) => [k.rank, k.userId, k.reach, k.buyers, k.tier]), rk.top.map((k) => [k.rank, k.userId, k.reach, k.buyers, k.tier]));
    assert.deepEqual(data.kol.users, g.users);
    assert.deepEqual(data.kol.links, g.links);
  });

  test('the content, live, spread and KOL readings state the library results; each chart is drawn', async () => {
    const { result, html } = results.get('en')!;
    const reading = (k: string) => result.charts.find((c) => c.kind === k)!.reading;
    const n = (x: number) => Math.round(x).toLocaleString('en-US');
    const p = (x: number) => `${(100 * x).toFixed(1)}%`;
    const day = data.asOf!.slice(0, 10);
    const section = (kind: string) => {
      const from = html.indexOf(`<section class="chart" id="chart-${kind}">`);
      return html.slice(from, html.indexOf('</section>', from));
    };

    const c = await contentReport(ws);
    const cr = reading('content');
    assert.ok(cr.startsWith(`In the 30 days to ${day}, ${n(c.content.orders)} of ${n(c.purchases.orders)} orders (${p(c.content.orderShare!)}) came through content`), cr);
    assert.ok(cr.includes(`before buying), ${p(c.content.gmvShare!)} of GMV; by kind: `), cr);
    for (const k of c.kinds) assert.ok(cr.includes(`${LABELS.en.contentKinds[k.kind]} ${n(k.orders)} (${p(k.orderShare!)})`), k.kind);
    // The chart's bar labels: share of orders (orders) per kind and for all content.
    for (const x of [...c.kinds, c.content]) assert.ok(section('content').includes(`${p(x.orderShare!)} (${n(x.orders)})`), JSON.stringify(x));

    const l = await liveReport(ws);
    const lr = reading('live');
    const top = [...l.streams].sort((a, b) => b.gmv - a.gmv || b.audience - a.audience || a.liveId - b.liveId)[0]!;
    assert.ok(
      lr.startsWith(
        `${l.streams.length} live streams started in the 30 days to ${day}; ${n(l.total.audience)} users watched live or a replay and ${p(l.total.conversion!)} of them bought through a stream (${n(l.total.orders)} orders, GMV ${n(l.total.gmv)})`,
      ),
      lr,
    );
    assert.ok(lr.includes(`the top stream by GMV is #${top.liveId} (${top.startedAt.toISOString().slice(0, 10)}) with ${n(top.gmv)} from ${n(top.audience)} viewers`), lr);
    const widest = [...l.streams].sort((a, b) => b.audience - a.audience || a.liveId - b.liveId)[0]!;
    assert.ok(section('live').includes(`#${widest.liveId} ${widest.startedAt.toISOString().slice(5, 10)}`), 'the stream with the largest audience is drawn');

    const list = (await listCampaigns(ws)).campaigns;
    const t = await spreadTree(ws, { campaign: data.spread.campaign! });
    const sr = reading('spreadLevels');
    const plural = list.length > 1 ? `, the largest of ${list.length} campaigns by users reached,` : '';
    assert.ok(sr.startsWith(`${t.campaign}${plural} grew from ${n(t.seeds)} seeds to ${n(t.reached.users)} users reached down to level ${t.depth}`), sr);
    assert.ok(sr.includes(`: ${n(t.reached.newUsers)} new (${p(t.reached.newUsers / t.reached.users)}), ${n(t.reached.buyers)} bought (${p(t.reached.buyers / t.reached.users)})`), sr);
    assert.ok(sr.endsWith(`K-factor ${t.overall.kFactor!.toFixed(2)} (${n(t.overall.newUsersBrought)} new users brought by ${n(t.overall.users)} users).`), sr);
    assert.ok(section('spreadLevels').includes(`>${t.campaign}<`), 'the campaign is the chart title');

    const sharer = t.sharers[0]!;
    const tr = reading('spreadTree');
    assert.equal(sharer.level, 0, 'the sharer with most users below is a seed');
    const size = sharer.downstream.users + 1;
    const drawn = size <= REPORT_TREE_NODES ? `all ${n(size)} users` : `${REPORT_TREE_NODES} of its ${n(size)} users`;
    assert.ok(
      tr.startsWith(`The biggest branch starts at seed ${sharer.userId}: ${n(sharer.direct.users)} users brought directly and ${n(sharer.downstream.users)} in all below it (${n(sharer.downstream.buyers)} bought, GMV ${n(sharer.downstream.gmv)}); the chart draws this branch, ${drawn}`),
      tr,
    );
    assert.ok(section('spreadTree').includes(`>${sharer.userId}<`), 'the branch root is drawn');

    const rk = await kolRanking(ws, { top: 10 });
    const g = await kolGraph(ws, { top: 10, perKol: 30 });
    const first = rk.top[0]!;
    const kr = reading('kolGraph');
    const tier = first.tier === null ? '' : ` (${first.tier.toUpperCase()})`;
    assert.ok(
      kr.startsWith(
        `Of ${n(rk.ranked)} ranked users, ${n(rk.kols)} ${rk.kols === 1 ? 'is a KOL' : 'are KOLs'} and ${n(rk.kocs)} ${rk.kocs === 1 ? 'a KOC' : 'KOCs'}; the first, user ${first.userId}${tier}, reaches ${first.reach.toLocaleString('en-US', { maximumFractionDigits: 1 })} times the average user and drove ${n(first.buyers)} buyers.`,
      ),
      kr,
    );
    assert.ok(kr.includes(`Around the top ${g.kols.length} are ${n(g.users.length)} users they reached (up to 30 each), ${n(g.users.filter((u) => u.bought).length)} of whom bought through them`), kr);
    // One node per ranked user drawn and per user reached.
    const kolChart = reportCharts(data, 'en').find((x) => x.kind === 'kolGraph')!;
    assert.equal(series(kolChart.option)[0].data.length, g.kols.length + g.users.length);
    assert.ok(section('kolGraph').includes('Reached, bought'));

    // The same numbers in Chinese.
    const zh = results.get('zh')!.result;
    const numbers = (x: string) => (x.match(/\d+(?:[.,]\d+)*/g) ?? []).sort();
    for (const kind of ['content', 'live', 'spreadLevels', 'spreadTree', 'kolGraph']) {
      assert.deepEqual(numbers(zh.charts.find((x) => x.kind === kind)!.reading), numbers(reading(kind)), kind);
    }
  });

  test('CLI: portrait report --out FILE --lang zh --json, and a bad language', async () => {
    await ws.close();
    let out = '';
    io.out = (t) => void (out += t);
    const file = join(dir, 'cli-report.html');
    try {
      const program = new Command().exitOverride().option('--workspace <dir>');
      registerReportCommands(program);
      await program.parseAsync(['node', 'portrait', '--workspace', join(dir, 'ws'), 'report', '--out', file, '--lang', 'zh', '--json']);
      const json = JSON.parse(out) as ReportResult;
      assert.equal(json.out, resolve(file));
      assert.equal(json.lang, 'zh');
      assert.equal(json.charts.length, CHART_KINDS.length);
      assert.equal(statSync(file).size, json.bytes);
      assert.match(readFileSync(file, 'utf8'), /<html lang="zh">/);

      out = '';
      const readable = new Command().exitOverride().option('--workspace <dir>');
      registerReportCommands(readable);
      await readable.parseAsync(['node', 'portrait', '--workspace', join(dir, 'ws'), 'report', '--out', file]);
      assert.match(out, new RegExp(`^wrote .*cli-report\\.html \\([\\d,]+ bytes, ${CHART_KINDS.length} charts, en\\)`));
      assert.ok(out.includes('Conversion funnel'));

      const bad = new Command().exitOverride().option('--workspace <dir>').configureOutput({ writeErr: () => {} });
      registerReportCommands(bad);
      bad.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }));
      await assert.rejects(
        bad.parseAsync(['node', 'portrait', '--workspace', join(dir, 'ws'), 'report', '--lang', 'fr']),
        (e: { code?: string }) => e.code === 'commander.invalidArgument',
      );
    } finally {
      Object.assign(io, processIo);
      ws = await Workspace.open(join(dir, 'ws'));
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Chart options and readings on small hand-made inputs.

const kpi: KpiInput = {
  grain: 'week',
  rows: [100, 110, 120, 130, 150, 165].map((dau, i) => ({
    period: ['2017-10-02', '2017-10-09', '2017-10-16', '2017-10-23', '2017-10-30', '2017-11-06'][i]!,
    periodEnd: ['2017-10-08', '2017-10-15', '2017-10-22', '2017-10-29', '2017-11-05', '2017-11-12'][i]!,
    values: {
      avgDau: dau + 0.04,
      activeUsers: dau * 3,
      buyers: [40, 50, 40, 45, 48, 45][i]!,
      orders: 60 + i,
      gmv: i === 2 ? null : 1000 * (i + 1) + 0.125,
      conversionRate: [0.2, 0.25, 0.2, 0.21, 0.2, 0.1875][i]!,
    },
  })),
};

describe('chart options from hand-made inputs', () => {
  test('KPI trends: four line panels with DAU, buyers, GMV (gap when unknown) and conversion %', () => {
    const o = kpiTrendOption(kpi, 'en') as Loose;
    const s = series(o);
    assert.equal(s.length, 4);
    assert.ok(s.every((x) => x.type === 'line'));
    assert.deepEqual(s[0].data, [100, 110, 120, 130, 150, 165]);
    assert.deepEqual(s[1].data, [40, 50, 40, 45, 48, 45]);
    assert.deepEqual(s[2].data, [1000.13, 2000.13, null, 4000.13, 5000.13, 6000.13]);
    assert.deepEqual(s[3].data, [20, 25, 20, 21, 20, 18.75]);
    assert.deepEqual(s.map((x) => [x.xAxisIndex, x.yAxisIndex]), [[0, 0], [1, 1], [2, 2], [3, 3]]);
    assert.deepEqual(o.xAxis[0].data, ['10-02', '10-09', '10-16', '10-23', '10-30', '11-06']);
    assert.equal(o.animation, false);
    assert.deepEqual(series(kpiTrendOption(kpi, 'zh')).map((x) => x.name), ['日活跃用户', '购买用户', '成交额', '成交转化率 (%)']);
  });

  test('lifecycle: stacked bars, dormant below the axis', () => {
    const rows = [
      { period: '2017-11-20', new: 36, returning: 0, resurrecting: 1, dormant: 0 },
      { period: '2017-11-27', new: 6, returning: 30, resurrecting: 2, dormant: -7 },
    ];
    const s = series(lifecycleOption({ grain: 'week', rows }, 'en'));
    assert.deepEqual(s.map((x) => x.name), ['new', 'returning', 'resurrecting', 'dormant']);
    assert.ok(s.every((x) => x.type === 'bar' && x.stack === 'users'));
    assert.deepEqual(s.map((x) => x.data), [[36, 6], [0, 30], [1, 2], [0, -7]]);
    assert.deepEqual(series(lifecycleOption({ grain: 'week', rows }, 'zh')).map((x) => x.name), ['新用户', '留存', '回流', '沉睡']);
  });

  test('funnel: steps in order with users and conversion from the previous step', () => {
    const s = series(funnelOption({ window: '1d', total: [{ name: 'pv', users: 1000 }, { name: 'cart', users: 420 }, { name: 'buy', users: 147 }] }, 'en'));
    assert.equal(s[0].type, 'funnel');
    assert.equal(s[0].sort, 'none');
    assert.equal(s[0].max, 1000);
    assert.deepEqual(s[0].data.map((d: Loose) => [d.name, d.value, d.label.formatter]), [
      ['view', 1000, 'view: 1,000'],
      ['cart', 420, 'cart: 420 (42.0%)'],
      ['buy', 147, 'buy: 147 (35.0%)'],
    ]);
    assert.deepEqual(series(funnelOption({ window: '1d', total: [{ name: 'pv', users: 10 }] }, 'zh'))[0].data.map((d: Loose) => d.name), ['浏览']);
  });

  test('retention: one cell per observed (period, cohort), rate in %', () => {
    const o = retentionOption(
      {
        grain: 'week',
        cohorts: [
          { cohort: '2017-11-13', size: 200, rates: [1, 0.4, 0.255] },
          { cohort: '2017-11-20', size: 50, rates: [1, 0.3, null] },
        ],
        pooled: { size: 250, rates: [1, 0.38, 0.255] },
      },
      'en',
    ) as Loose;
    assert.deepEqual(series(o)[0].data, [[0, 0, 100], [1, 0, 40], [2, 0, 25.5], [0, 1, 100], [1, 1, 30]]);
    assert.deepEqual(o.xAxis.data, ['week 0', 'week 1', 'week 2']);
    assert.deepEqual(o.yAxis.data, ['11-13 (200)', '11-20 (50)']);
    assert.equal(o.visualMap.max, 100);
  });

  test('RFM: the eight groups in fixed order, stored in either language', () => {
    const input = { groups: [{ group: 'general win-back', users: 30 }, { group: '重要价值', users: 10 }, { group: 'important value', users: 5 }] };
    const o = rfmOption(input, 'zh') as Loose;
    assert.deepEqual(o.yAxis.data, ['重要价值', '重要发展', '重要保持', '重要挽留', '一般价值', '一般发展', '一般保持', '一般挽留']);
    assert.deepEqual(series(o)[0].data.map((d: Loose) => d.value), [15, 0, 0, 0, 0, 0, 0, 30]);
    assert.equal(series(o)[0].data[0].label.formatter, '15 (33.3%)');
    assert.equal((rfmOption(input, 'en') as Loose).yAxis.data[7], 'general win-back');
  });

  test('roles: users per role with their share of known users', () => {
    const o = rolesOption({ knownUsers: 200, roles: [{ role: 'role_shopper', users: 50 }, { role: 'role_passer_by', users: 20 }] }, 'en') as Loose;
    assert.deepEqual(o.yAxis.data, ['passer-by', 'content consumer', 'shopper', 'loyal fan']);
    assert.deepEqual(series(o)[0].data.map((d: Loose) => [d.value, d.label.formatter]), [[20, '20 (10.0%)'], [0, '0 (0.0%)'], [50, '50 (25.0%)'], [0, '0 (0.0%)']]);
  });

  test('activity: 7 x 24 cells [hour, weekday, events]', () => {
    const events = Array.from({ length: 7 }, (_, wd) => Array.from({ length: 24 }, (_, h) => wd * 100 + h));
    const o = activityOption({ events, totalEvents: 1 }, 'en') as Loose;
    const data = series(o)[0].data as [number, number, number][];
    assert.equal(data.length, 168);
    assert.deepEqual(data.find((d) => d[0] === 21 && d[1] === 5), [21, 5, 521]);
    assert.equal(o.visualMap.max, 623);
    assert.deepEqual((activityOption({ events, totalEvents: 1 }, 'zh') as Loose).yAxis.data, ['周一', '周二', '周三', '周四', '周五', '周六', '周日']);
  });

  test('segments: one bar per segment; none defined is said in the chart', () => {
    const o = segmentsOption({ knownUsers: 1000, segments: [{ name: 'vip', users: 120 }, { name: 'lapsed', users: 30 }] }, 'en') as Loose;
    assert.deepEqual(o.yAxis.data, ['vip', 'lapsed']);
    assert.deepEqual(series(o)[0].data.map((d: Loose) => d.label.formatter), ['120 (12.0%)', '30 (3.0%)']);
    const empty = segmentsOption({ knownUsers: 1000, segments: [] }, 'zh') as Loose;
    assert.equal(empty.series, undefined);
    assert.equal(empty.graphic[0].style.text, '尚未定义人群');
  });

  test('every option is plain JSON (no functions), so a dashboard can ship it', () => {
    const data: ReportData = {
      workspace: 'w',
      asOf: '2017-11-12 23:00:00',
      tagsAsOf: null,
      from: '2017-10-02',
      to: '2017-11-12',
      grain: 'week',
      metrics: kpi,
      lifecycle: { grain: 'week', rows: [] },
      funnel: { window: '1d', total: [{ name: 'pv', users: 5 }] },
      retention: { grain: 'week', cohorts: [], pooled: { size: 0, rates: [] } },
      rfm: { groups: [] },
      roles: { knownUsers: 0, roles: [] },
      activity: { events: [], totalEvents: 0 },
      segments: { knownUsers: 0, segments: [] },
      ...emptyParts(),
      notes: [],
    };
    for (const c of reportCharts(data, 'en')) assert.deepEqual(JSON.parse(JSON.stringify(c.option)), c.option, c.kind);
    // Renders without a workspace, empty charts included.
    const { html, charts } = renderReport(data, 'en');
    assert.equal(charts.length, CHART_KINDS.length);
    assert.equal((html.match(/<svg[\s>]/g) ?? []).length, CHART_KINDS.length);
    assert.ok(html.includes('No segments defined'));
  });

  test('the chart module reads no database: its imports stay inside the pure report modules', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const spec = m[3]!;
        if (m[2]) continue; // type-only: erased
        assert.ok(spec.startsWith('.'), `${file} imports the package ${spec} at run time`);
        visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(root, 'report', 'charts.ts'));
    visit(join(root, 'report', 'readings.ts'));
    const files = [...seen].map((f) => f.slice(root.length + 1)).sort();
    assert.deepEqual(files, [
      'content/charts.ts',
      'live/charts.ts',
      'report/charts.ts',
      'report/labels.ts',
      'report/readings.ts',
      'report/types.ts',
      'segments/rfm-groups.ts',
      'social/charts.ts',
    ]);
  });
});

describe('readings from hand-made inputs', () => {
  test('KPI: change over the last 4 periods, and the last conversion', () => {
    assert.equal(
      kpiReading(kpi, 'en'),
      'Daily active users rose 50.0% (110 to 165) over the last 4 weeks; buyers fell 10.0% (50 to 45); conversion was 18.8% in the last week.',
    );
    assert.equal(kpiReading(kpi, 'zh'), '近 4 周日均活跃用户上升 50.0%（110 → 165），购买用户下降 10.0%（50 → 45）；最近一周成交转化率 18.8%。');
    const two: KpiInput = { grain: 'day', rows: kpi.rows.slice(0, 2) };
    assert.equal(kpiReading(two, 'en'), 'Daily active users rose 10.0% (100 to 110) over the last 1 day; buyers rose 25.0% (40 to 50); conversion was 25.0% in the last day.');
    assert.equal(kpiReading({ grain: 'week', rows: kpi.rows.slice(0, 1) }, 'en'), 'Only one week of data: 100 daily active users on average, 40 buyers, conversion 20.0%.');
  });

  test('KPI cards: the last period and its change against the one before', () => {
    const { period, cards } = kpiCards(kpi, 'en');
    assert.equal(period, '2017-11-06 – 2017-11-12');
    assert.deepEqual(cards.map((c) => [c.label, c.value, c.change]), [
      ['Active users', '495', '+10.0% vs previous week'],
      ['Daily active users', '165', '+10.0% vs previous week'],
      ['Buyers', '45', '-6.3% vs previous week'],
      ['Orders', '65', '+1.6% vs previous week'],
      ['GMV', '6,000', '+20.0% vs previous week'],
      ['Conversion', '18.8%', '-6.3% vs previous week'],
    ]);
  });

  test('lifecycle: the last period split, and the dormant', () => {
    const l = { grain: 'week' as const, rows: [{ period: '2017-11-27', new: 10, returning: 60, resurrecting: 30, dormant: -25 }] };
    assert.equal(lifecycleReading(l, 'en'), 'In the last week (from 2017-11-27) 100 users were active: 10 new (10.0%), 60 returning (60.0%), 30 resurrecting (30.0%); 25 went dormant.');
    assert.equal(lifecycleReading(l, 'zh'), '最近一周（2017-11-27 起）活跃用户 100：新用户 10（10.0%），留存 60（60.0%），回流 30（30.0%）；25 人转为沉睡。');
  });

  test('funnel: conversion per step, overall, and the biggest drop', () => {
    const f = { window: '1d', total: [{ name: 'pv', users: 1000 }, { name: 'cart', users: 420 }, { name: 'buy', users: 147 }] };
    assert.equal(funnelReading(f, 'en'), 'Of 1,000 users who view, 42.0% cart, 35.0% of those buy (within 1d); 14.7% overall; the biggest drop is view -> cart (580 users, 58.0% lost).');
    assert.equal(funnelReading(f, 'zh'), '1,000 名浏览用户中，42.0% 加购，其中 35.0% 购买（1d 窗口内）；整体转化 14.7%；流失最大的一步是 浏览 → 加购（流失 580 人，58.0%）。');
    const late = { window: '1d', total: [{ name: 'pv', users: 100 }, { name: 'cart', users: 80 }, { name: 'buy', users: 8 }] };
    assert.ok(funnelReading(late, 'en').endsWith('the biggest drop is cart -> buy (72 users, 90.0% lost).'));
    assert.equal(funnelReading({ window: '1d', total: [{ name: 'pv', users: 0 }, { name: 'buy', users: 0 }] }, 'en'), 'No user reached the first step of the funnel.');
  });

  test('retention: pooled return in the first and the last period', () => {
    const r = {
      grain: 'week' as const,
      cohorts: [
        { cohort: '2017-11-13', size: 200, rates: [1, 0.4, 0.3, null] },
        { cohort: '2017-11-20', size: 50, rates: [1, 0.3, null, null] },
      ],
      pooled: { size: 250, rates: [1, 0.38, 0.3, null] },
    };
    assert.equal(retentionReading(r, 'en'), '38.0% of users are active again in week 1 after they were first seen, 30.0% in week 2 (250 users in 2 cohorts).');
    assert.equal(retentionReading(r, 'zh'), '首次出现后第1周仍活跃的用户占 38.0%，第2周占 30.0%（2 组共 250 名用户）。');
    const young = { ...r, pooled: { size: 250, rates: [1, null, null, null] } };
    assert.equal(retentionReading(young, 'en'), 'Too little time has passed to see anyone return (250 users in 2 cohorts).');
  });

  test('RFM: the largest group and important value', () => {
    const r = { groups: [{ group: 'general win-back', users: 30 }, { group: 'important value', users: 15 }, { group: '一般发展', users: 5 }] };
    assert.equal(rfmReading(r, 'en'), 'Of 50 buyers, the largest group is general win-back (30, 60.0%); important value holds 15 (30.0%).');
    assert.equal(rfmReading(r, 'zh'), '50 名购买用户中，最大的分群是一般挽留（30 人，60.0%）；重要价值用户 15 人（30.0%）。');
    assert.equal(rfmReading({ groups: [{ group: 'important value', users: 3 }] }, 'en'), 'Of 3 buyers, the largest group is important value (3, 100.0%).');
  });

  test('roles: share of known users per role', () => {
    const r = { knownUsers: 200, roles: [{ role: 'role_shopper' as const, users: 50 }, { role: 'role_passer_by' as const, users: 20 }, { role: 'role_loyal_fan' as const, users: 3 }] };
    assert.equal(rolesReading(r, 'en'), 'Of 200 known users, 25.0% are shoppers, 10.0% passers-by, 0.0% content consumers and 1.5% loyal fans (a user can hold several roles).');
    assert.equal(rolesReading(r, 'zh'), '200 名已知用户中，购物者占 25.0%，路人占 10.0%，内容消费者占 0.0%，忠实粉丝占 1.5%（一名用户可兼有多个角色）。');
  });

  test('activity: the busiest cell, the busiest and quietest hour', () => {
    const events = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 1));
    events[5]![20] = 33; // Saturday 20:00
    events[0]![21] = 20; // Monday 21:00
    events.forEach((row) => (row[4] = 0)); // nobody at 04:00
    // total: 7 x 24 - 7 (04:00) - 2 (two cells replaced) + 33 + 20 = 212
    const a = { events, totalEvents: 212 };
    assert.equal(
      activityReading(a, 'en'),
      'Activity peaks on Sat 20:00-21:00 (15.6% of all events); over the week the busiest hour is 20:00-21:00 (18.4%) and the quietest 04:00-05:00 (0.0%).',
    );
    assert.equal(
      activityReading(a, 'zh'),
      '活跃高峰在周六 20:00-21:00（占全部行为的 15.6%）；按一天中的小时看，最忙的是 20:00-21:00（18.4%），最闲的是 04:00-05:00（0.0%）。',
    );
  });

  test('segments: count, largest and smallest', () => {
    const s = { knownUsers: 1000, segments: [{ name: 'vip', users: 120 }, { name: 'lapsed', users: 30 }, { name: 'women', users: 480 }] };
    assert.equal(segmentsReading(s, 'en'), '3 segments defined; the largest is women with 480 users (48.0% of 1,000 known users), the smallest lapsed with 30 (3.0%).');
    assert.equal(segmentsReading(s, 'zh'), '已定义 3 个人群；最大的是 women，480 人（占 1,000 名已知用户的 48.0%）；最小的是 lapsed，30 人（3.0%）。');
    assert.equal(segmentsReading({ knownUsers: 10, segments: [] }, 'en'), 'No segment is defined yet: portrait segment define FILE.json adds one.');
  });
});

describe('report periods', () => {
  test('days up to 31 days of data, else whole Monday-to-Sunday weeks', () => {
    assert.deepEqual(reportPeriods('2017-11-25', '2017-12-03'), { grain: 'day', from: '2017-11-25', to: '2017-12-03' });
    assert.deepEqual(reportPeriods('2017-11-03', '2017-12-03'), { grain: 'day', from: '2017-11-03', to: '2017-12-03' });
    // 2017-10-05 is a Thursday, 2017-12-03 a Sunday, 2017-12-06 a Wednesday.
    assert.deepEqual(reportPeriods('2017-10-05', '2017-12-03'), { grain: 'week', from: '2017-10-09', to: '2017-12-03' });
    assert.deepEqual(reportPeriods('2017-10-02', '2017-12-06'), { grain: 'week', from: '2017-10-02', to: '2017-12-03' });
  });
});

// ---------------------------------------------------------------------------------------------------
// Content, live, spread and KOL charts and readings on hand-made inputs, and a workspace without them.

const AS_OF = '2017-12-03 23:59:46';

function emptyParts(): Pick<ReportData, 'content' | 'live' | 'spread' | 'kol'> {
  const none = { users: 0, newUsers: 0, buyers: 0, orders: 0, gmv: 0 };
  return {
    content: { from: '2017-11-04', asOf: AS_OF, days: 30, window: '7d', purchases: { orders: 0, gmv: 0 }, content: { orders: 0, gmv: 0, orderShare: null, gmvShare: null }, kinds: [] },
    live: { from: '2017-11-04', asOf: AS_OF, days: 30, window: '7d', streams: [], total: { audience: 0, convertedViewers: 0, orders: 0, gmv: 0, conversion: null } },
    spread: {
      campaigns: 0,
      campaign: null,
      firstReferral: null,
      lastReferral: null,
      seeds: 0,
      depth: 0,
      reached: none,
      overall: { users: 0, invitations: 0, newUsersBrought: 0, kFactor: null },
      levels: [],
      topSharer: null,
      branch: [],
    },
    kol: { builtAsOf: null, ranked: 0, kolCount: 0, kocCount: 0, kols: [], reachedPerKol: 30, users: [], links: [] },
  };
}

const contentIn: ContentInput = {
  from: '2017-11-04',
  asOf: AS_OF,
  days: 30,
  window: '7d',
  purchases: { orders: 400, gmv: 20000 },
  // An order with lines through two kinds counts once for all content: the kinds add up to more.
  content: { orders: 50, gmv: 3000, orderShare: 0.125, gmvShare: 0.15 },
  kinds: [
    { kind: 'graphic', orders: 10, gmv: 500, orderShare: 0.025, gmvShare: 0.025 },
    { kind: 'short_video', orders: 0, gmv: 0, orderShare: 0, gmvShare: 0 },
    { kind: 'live', orders: 42, gmv: 2600, orderShare: 0.105, gmvShare: 0.13 },
  ],
};

const stream = (liveId: number, startedAt: string, audience: number, orders: number, gmv: number, conversion: number | null) => ({
  liveId,
  hostId: 100 + (liveId % 2),
  startedAt,
  audience,
  orders,
  gmv,
  conversion,
});

const liveIn: LiveInput = {
  from: '2017-11-04',
  asOf: AS_OF,
  days: 30,
  window: '7d',
  streams: [
    stream(5, '2017-11-20 20:00:00', 300, 12, 1500.4, 0.03),
    // #7 and #9 tie on GMV and audience: the smaller id is the top stream.
    stream(9, '2017-11-22 19:30:00', 120, 9, 1800.6, 0.05),
    stream(7, '2017-11-23 20:00:00', 120, 9, 1800.6, 0.05),
  ],
  total: { audience: 450, convertedViewers: 27, orders: 30, gmv: 5101.6, conversion: 0.06 },
};

// Campaign fission-1: seeds 1 and 2; 1 brought 11 and 12, 2 brought 13, 11 brought 21. New: 11, 13, 21;
// 12 bought (2 orders, 80.5). Level K: level 0 brought 2 new of 2 users, level 1 brought 1 new of 3.
const node = (userId: number, parent: number | null, level: number, isNew: boolean, orders = 0, gmv = 0) => ({ userId, parent, level, isNew, orders, gmv });
const spreadIn: SpreadInput = {
  campaigns: 3,
  campaign: 'fission-1',
  firstReferral: '2017-10-05 00:09:09',
  lastReferral: '2017-10-24 22:44:05',
  seeds: 2,
  depth: 2,
  reached: { users: 4, newUsers: 3, buyers: 1, orders: 2, gmv: 80.5 },
  overall: { users: 6, invitations: 5, newUsersBrought: 3, kFactor: 0.5 },
  levels: [
    { level: 0, users: 2, newUsers: 0, buyers: 0, kFactor: 1 },
    { level: 1, users: 3, newUsers: 2, buyers: 1, kFactor: 1 / 3 },
    { level: 2, users: 1, newUsers: 1, buyers: 0, kFactor: 0 },
  ],
  topSharer: {
    userId: 1,
    level: 0,
    direct: { users: 2, newUsers: 1, buyers: 1, orders: 2, gmv: 80.5 },
    downstream: { users: 3, newUsers: 2, buyers: 1, orders: 2, gmv: 80.5 },
  },
  branch: [node(1, null, 0, false), node(11, 1, 1, true), node(12, 1, 1, false, 2, 80.5), node(21, 11, 2, true)],
};

const kolIn: KolInput = {
  builtAsOf: AS_OF,
  ranked: 2793,
  kolCount: 5,
  kocCount: 4,
  kols: [
    { userId: 13762, rank: 1, reach: 319.24, buyers: 289, tier: 'kol' },
    { userId: 8, rank: 2, reach: 20, buyers: 3, tier: null },
  ],
  reachedPerKol: 30,
  users: [
    { userId: 100, bought: true },
    { userId: 101, bought: false },
    { userId: 102, bought: false },
  ],
  links: [
    { kol: 13762, user: 100, kind: 'referred', bought: true },
    { kol: 13762, user: 101, kind: 'follow', bought: false },
    { kol: 8, user: 101, kind: 'share', bought: false },
    { kol: 8, user: 102, kind: 'follow', bought: false },
  ],
};

describe('content, live, spread and KOL charts from hand-made inputs', () => {
  const font = (kpiTrendOption(kpi, 'en') as Loose).textStyle.fontFamily as string;

  test('content: share of orders (count) and of GMV per kind and for all content, in the report font', () => {
    const o = contentOption(contentIn, 'en') as Loose;
    assert.equal(o.textStyle.fontFamily, font);
    assert.equal(o.animation, false);
    assert.deepEqual(o.yAxis.data, ['Graphic posts', 'Short videos', 'Live streams', 'All content']);
    assert.deepEqual(series(o)[0].data.map((d: Loose) => [d.value, d.label.formatter]), [[2.5, '2.5% (10)'], [0, '0.0% (0)'], [10.5, '10.5% (42)'], [12.5, '12.5% (50)']]);
    assert.deepEqual(series(o)[1].data.map((d: Loose) => d.value), [2.5, 0, 13, 15]);
    assert.equal((contentOption(emptyParts().content, 'zh') as Loose).graphic[0].style.text, '统计期内无订单');
  });

  test('live: audience and GMV per stream in start order, conversion below, in the report font', () => {
    const o = liveOption(liveIn, 'en') as Loose;
    assert.equal(o.textStyle.fontFamily, font);
    assert.deepEqual(o.xAxis[1].data, ['#5 11-20', '#9 11-22', '#7 11-23']);
    assert.deepEqual(series(o).map((x) => x.data), [[300, 120, 120], [1500.4, 1800.6, 1800.6], [3, 5, 5]]);
    assert.equal((liveOption(emptyParts().live, 'en') as Loose).graphic[0].style.text, 'No live streams in the period');
  });

  test('spread: levels with K, the branch as a tree; no campaign is said in the chart', () => {
    const levels = spreadLevelsChartOption(spreadIn, 'en') as Loose;
    assert.equal(levels.textStyle.fontFamily, font);
    assert.equal(levels.title.text, 'fission-1');
    assert.deepEqual(series(levels).map((x) => x.data), [[2, 3, 1], [0, 2, 1], [0, 1, 0], [1, 0.333, 0]]);
    const tree = spreadTreeChartOption(spreadIn, 'en') as Loose;
    const root = series(tree)[0].data[0];
    assert.equal(root.name, 'fission-1');
    assert.deepEqual(root.children.map((c: Loose) => c.name), ['1']);
    assert.deepEqual(root.children[0].children.map((c: Loose) => [c.name, c.children?.map((x: Loose) => x.name) ?? []]), [['11', ['21']], ['12', []]]);
    for (const lang of ['en', 'zh'] as const) {
      const text = lang === 'en' ? 'No referral campaign' : '暂无裂变活动';
      assert.equal((spreadLevelsChartOption(emptyParts().spread, lang) as Loose).graphic[0].style.text, text);
      assert.equal((spreadTreeChartOption(emptyParts().spread, lang) as Loose).graphic[0].style.text, text);
    }
  });

  test('spread tree: a branch larger than the chart keeps its top, the rest one "+N more" leaf; height follows the leaves', () => {
    const big: SpreadInput = { ...spreadIn, branch: [node(1, null, 0, false), ...Array.from({ length: 199 }, (_, i) => node(1000 + i, 1, 1, true))] };
    const seed = series(spreadTreeChartOption(big, 'en'))[0].data[0].children[0];
    assert.equal(seed.children.length, REPORT_TREE_NODES);
    assert.equal(seed.children.at(-1).name, `+${200 - REPORT_TREE_NODES} more`);
    const data = (spread: SpreadInput) => ({ spread }) as ReportData;
    assert.equal(chartHeight('spreadTree', data(spreadIn)), 300, 'two leaves: the least height');
    assert.equal(chartHeight('spreadTree', data(big)), 1400, 'as many leaves as kept users: the most height');
    const mid: SpreadInput = { ...spreadIn, branch: big.branch.slice(0, 61) };
    assert.equal(chartHeight('spreadTree', data(mid)), 50 + 13 * 60);
    assert.equal(chartHeight('spreadTree', data(emptyParts().spread)), 160);
  });

  test('KOL graph: one node per ranked and reached user; not built is said in the chart', () => {
    const o = kolChartOption(kolIn, 'en') as Loose;
    assert.equal(o.textStyle.fontFamily, font);
    assert.deepEqual(series(o)[0].data.map((d: Loose) => d.id).sort(), ['100', '101', '102', '13762', '8']);
    assert.equal(series(o)[0].links.length, 4);
    assert.equal((kolChartOption(emptyParts().kol, 'en') as Loose).graphic[0].style.text, 'Social graph not built');
    assert.equal((kolChartOption(emptyParts().kol, 'zh') as Loose).graphic[0].style.text, '社交图谱尚未构建');
  });
});

describe('content, live, spread and KOL readings from hand-made inputs', () => {
  test('content: orders and GMV through content, each kind most first', () => {
    assert.equal(
      contentReading(contentIn, 'en'),
      'In the 30 days to 2017-12-03, 50 of 400 orders (12.5%) came through content (the last content viewed within 7d before buying), 15.0% of GMV; by kind: live streams 42 (10.5%), graphic posts 10 (2.5%), short videos 0 (0.0%).',
    );
    assert.equal(
      contentReading(contentIn, 'zh'),
      '近 30 天（截至 2017-12-03）的 400 笔订单中，50 笔（12.5%）来自内容（购买前 7d 内最后浏览的内容），占成交额 15.0%；其中直播 42 笔（10.5%），图文 10 笔（2.5%），短视频 0 笔（0.0%）。',
    );
    assert.equal(contentReading(emptyParts().content, 'en'), 'There were no orders in the 30 days to 2017-12-03.');
  });

  test('live: streams, audience, conversion, credited orders and the top stream by GMV', () => {
    assert.equal(
      liveReading(liveIn, 'en'),
      '3 live streams started in the 30 days to 2017-12-03; 450 users watched live or a replay and 6.0% of them bought through a stream (30 orders, GMV 5,102); the top stream by GMV is #7 (2017-11-23) with 1,801 from 120 viewers.',
    );
    assert.equal(
      liveReading(liveIn, 'zh'),
      '近 30 天（截至 2017-12-03）开播 3 场直播；450 名用户观看了直播或回放，其中 6.0% 通过直播购买（30 笔订单，成交额 5,102）；成交额最高的是 #7（2017-11-23）：1,801，观看 120 人。',
    );
    const many: LiveInput = { ...liveIn, streams: Array.from({ length: 31 }, (_, i) => stream(i + 1, '2017-11-20 20:00:00', 10 + i, 0, 0, 0)), total: { ...liveIn.total, orders: 0, gmv: 0, conversion: 0 } };
    assert.equal(
      liveReading(many, 'en'),
      '31 live streams started in the 30 days to 2017-12-03; 450 users watched live or a replay and 0.0% of them bought through a stream (0 orders, GMV 0); no order was credited to a stream. The chart shows the 30 with the largest audience.',
    );
    assert.equal(liveReading(emptyParts().live, 'zh'), '近 30 天（截至 2017-12-03）没有开播的直播。');
  });

  test('spread: seeds, reach, depth, new users, buyers and K; the biggest branch and how much is drawn', () => {
    assert.equal(
      spreadLevelsReading(spreadIn, 'en'),
      'fission-1, the largest of 3 campaigns by users reached, grew from 2 seeds to 4 users reached down to level 2 (2017-10-05 to 2017-10-24): 3 new (75.0%), 1 bought (25.0%); K-factor 0.50 (3 new users brought by 6 users).',
    );
    assert.equal(
      spreadLevelsReading(spreadIn, 'zh'),
      'fission-1（3 个活动中触达最多）从 2 名种子用户出发，触达 4 人，最深到第 2 层（2017-10-05 至 2017-10-24）：新用户 3（75.0%），购买 1 人（25.0%）；K 因子 0.50（6 名参与用户带来 3 名新用户）。',
    );
    assert.ok(spreadLevelsReading({ ...spreadIn, campaigns: 1 }, 'en').startsWith('fission-1 grew from 2 seeds'));
    assert.equal(
      spreadTreeReading(spreadIn, 'en'),
      'The biggest branch starts at seed 1: 2 users brought directly and 3 in all below it (1 bought, GMV 81); the chart draws this branch, all 4 users.',
    );
    assert.equal(spreadTreeReading(spreadIn, 'zh'), '最大的分支始于种子用户 1：直接带来 2 人，其下共 3 人（购买 1 人，成交额 81）；图中画出这一分支，全部 4 人。');
    const big: SpreadInput = { ...spreadIn, branch: Array.from({ length: 200 }, (_, i) => node(i + 1, i === 0 ? null : 1, i === 0 ? 0 : 1, true)) };
    assert.ok(spreadTreeReading(big, 'en').endsWith(`the chart draws this branch, ${REPORT_TREE_NODES} of its 200 users, level by level, the rest as "+N more".`));
    assert.equal(spreadLevelsReading(emptyParts().spread, 'en'), 'No referral campaign: spread trees come from invites and shares that carry a campaign id.');
    assert.equal(spreadTreeReading(emptyParts().spread, 'zh'), '暂无可绘制的裂变传播树。');
  });

  test('KOL: ranked, KOLs and KOCs, the first of the ranking, the users drawn and who bought', () => {
    assert.equal(
      kolReading(kolIn, 'en'),
      'Of 2,793 ranked users, 5 are KOLs and 4 KOCs; the first, user 13762 (KOL), reaches 319.2 times the average user and drove 289 buyers. Around the top 2 are 3 users they reached (up to 30 each), 1 of whom bought through them (graph built as of 2017-12-03 23:59:46).',
    );
    assert.equal(
      kolReading(kolIn, 'zh'),
      '2,793 名上榜用户中 KOL 5 名、KOC 4 名；第一名用户 13762（KOL）的影响力是普通用户的 319.2 倍，带来 289 名购买用户。前 2 名周围是他们触达的 3 名用户（每人最多 30 名），其中 1 人经由他们购买（图谱构建于 2017-12-03 23:59:46）。',
    );
    assert.equal(kolReading(emptyParts().kol, 'en'), 'The social graph is not built yet: run portrait social build.');
    assert.equal(kolReading({ ...kolIn, kols: [], users: [], links: [] }, 'en'), 'Nobody is ranked: the social graph (built as of 2017-12-03 23:59:46) has no follows or shares to rank by.');
  });
});

describe('report on a workspace without orders, social edges, content or live streams', () => {
  let ws: Workspace;
  let dir: string;
  let done: () => Promise<void>;

  before(async () => {
    ({ ws, dir, done } = await tempWorkspace());
    const events: [number, number, string, string][] = [
      [1, 1, '2017-11-25 10:00:00', 'pv'],
      [2, 2, '2017-11-26 11:00:00', 'pv'],
      [3, 1, '2017-11-27 12:00:00', 'cart'],
    ];
    for (const e of events) await ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, item_id) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, 7)', e);
  });
  after(async () => done());

  test('every chart is drawn, these in their empty state, with readings and notes that say why', async () => {
    const empty: Record<Lang, Record<string, string>> = {
      en: { content: 'No orders in the period', live: 'No live streams in the period', spreadLevels: 'No referral campaign', spreadTree: 'No referral campaign', kolGraph: 'Social graph not built' },
      zh: { content: '统计期内无订单', live: '统计期内无直播', spreadLevels: '暂无裂变活动', spreadTree: '暂无裂变活动', kolGraph: '社交图谱尚未构建' },
    };
    for (const lang of ['en', 'zh'] as const) {
      const result = await writeReport(ws, { out: join(dir, `empty-${lang}.html`), lang });
      const html = readFileSync(result.out, 'utf8');
      assert.deepEqual(result.charts.map((c) => c.kind), [...CHART_KINDS]);
      assert.equal((html.match(/<svg[\s>]/g) ?? []).length, CHART_KINDS.length);
      for (const [kind, text] of Object.entries(empty[lang])) {
        const from = html.indexOf(`id="chart-${kind}"`);
        assert.ok(html.slice(from, html.indexOf('</section>', from)).includes(`>${text}<`), `${lang} ${kind}`);
      }
      assert.deepEqual(result.notes, [
        'The portrait has not been built: RFM groups, roles and segments need portrait build.',
        'The social graph has not been built: the KOL graph needs portrait social build.',
      ]);
      assert.ok(html.includes(`${LABELS[lang].socialAsOf} <b>${escapeHtml(LABELS[lang].socialNotBuilt)}</b>`));
      if (lang === 'en') {
        const reading = (k: string) => result.charts.find((c) => c.kind === k)!.reading;
        assert.equal(reading('content'), 'There were no orders in the 30 days to 2017-11-27.');
        assert.equal(reading('live'), 'No live stream started in the 30 days to 2017-11-27.');
        assert.equal(reading('spreadLevels'), 'No referral campaign: spread trees come from invites and shares that carry a campaign id.');
        assert.equal(reading('spreadTree'), 'There is no spread tree to draw.');
        assert.equal(reading('kolGraph'), 'The social graph is not built yet: run portrait social build.');
      }
    }
  });

  test('the social graph built over no follows or shares: nobody is ranked, which the reading says', async () => {
    await buildSocialGraph(ws);
    const data = await gatherReportData(ws);
    assert.equal(data.kol.builtAsOf, '2017-11-27 12:00:00');
    assert.deepEqual([data.kol.ranked, data.kol.kols.length, data.kol.users.length], [0, 0, 0]);
    assert.equal(kolReading(data.kol, 'en'), 'Nobody is ranked: the social graph (built as of 2017-11-27 12:00:00) has no follows or shares to rank by.');
    assert.deepEqual(data.notes, ['The portrait has not been built: RFM groups, roles and segments need portrait build.']);
    assert.equal((kolChartOption(data.kol, 'en') as Loose).graphic[0].style.text, 'No data');
    for (const kind of ['content', 'live', 'spreadLevels', 'spreadTree', 'kolGraph'] as const) assert.equal(chartHeight(kind, data), 160, `${kind}: a short frame for the empty state`);
  });
});
