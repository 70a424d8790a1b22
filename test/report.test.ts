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
import {
  activityOption,
  activityReading,
  CHART_KINDS,
  escapeHtml,
  funnelOption,
  funnelReading,
  gatherReportData,
  kpiCards,
  kpiReading,
  kpiTrendOption,
  LABELS,
  lifecycleOption,
  lifecycleReading,
  renderReport,
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
  writeReport,
  type KpiInput,
  type Lang,
  type ReportData,
  type ReportResult,
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
      assert.match(out, /^wrote .*cli-report\.html \([\d,]+ bytes, 8 charts, en\)/);
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
    assert.deepEqual(files, ['report/charts.ts', 'report/labels.ts', 'report/readings.ts', 'report/types.ts', 'segments/rfm-groups.ts']);
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
