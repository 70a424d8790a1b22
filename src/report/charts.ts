/**
 * The chart definitions: pure functions from analysis results (narrowed in ./types.ts) to Apache ECharts
 * option objects, one per chart. Nothing here reads a database or the file system, and the options hold
 * no functions, so the same definitions serve the offline report (rendered to SVG on the server, see
 * ./svg.ts) and a web dashboard (`echarts.init(el).setOption(kpiTrendOption(data.metrics, 'en'))`, or
 * `reportCharts(data, lang)` for all of them). See docs/report.md.
 */
import type { EChartsOption } from 'echarts';
import { contentKindShareOption } from '../content/charts.js';
import { livePerformanceOption } from '../live/charts.js';
import { kolGraphOption, spreadLevelsOption, spreadTreeOption } from '../social/charts.js';
import { LABELS, RFM_ORDER, int, pct, rfmKey, rfmLabel, shortDays, stepLabel } from './labels.js';
import {
  CHART_KINDS,
  ROLE_KEYS,
  type ActivityInput,
  type ChartKind,
  type ContentInput,
  type FunnelInput,
  type KolInput,
  type KpiInput,
  type Lang,
  type LifecycleInput,
  type LiveInput,
  type ReportData,
  type RetentionInput,
  type RfmInput,
  type RolesInput,
  type SegmentsInput,
  type SpreadInput,
} from './types.js';

export { CHART_KINDS, type ChartKind } from './types.js';

/** One chart: its option and the size the report renders it at (a dashboard may choose its own). */
export interface ChartSpec {
  kind: ChartKind;
  title: string;
  option: EChartsOption;
  width: number;
  height: number;
}

export const CHART_WIDTH = 900;

const FONT = "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif";
const COLORS = {
  blue: '#3b6fd8',
  green: '#2f9e6e',
  orange: '#e08a2c',
  red: '#c9473d',
  grey: '#9aa3ad',
  purple: '#7b5cc4',
};

/** What every option shares: no animation (a static SVG), the font, the palette. */
function base(option: EChartsOption): EChartsOption {
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    color: [COLORS.blue, COLORS.green, COLORS.orange, COLORS.red, COLORS.purple, COLORS.grey],
    ...option,
  };
}

/** A chart with nothing to draw: the reason, centred. */
export function emptyOption(text: string): EChartsOption {
  return base({
    graphic: [{ type: 'text', left: 'center', top: 'middle', style: { text, fontSize: 15, fill: '#8a929b' } }],
  });
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * KPI trends: four small line charts (daily active users, buyers, GMV, conversion rate %) over the same
 * periods. Daily active users are the period's mean (`avgDau`), which is DAU itself with the day grain.
 * GMV is null when orders carry no amount (drawn as a gap).
 */
export function kpiTrendOption(m: KpiInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (m.rows.length === 0) return emptyOption(L.noData);
  const periods = shortDays(m.rows.map((r) => r.period));
  const panels: { name: string; data: (number | null)[]; unit: string; color: string }[] = [
    { name: L.kpi.dau, data: m.rows.map((r) => round(r.values.avgDau, 1)), unit: '', color: COLORS.blue },
    { name: L.kpi.buyers, data: m.rows.map((r) => r.values.buyers), unit: '', color: COLORS.green },
    { name: L.kpi.gmv, data: m.rows.map((r) => (r.values.gmv === null ? null : round(r.values.gmv))), unit: '', color: COLORS.orange },
    {
      name: `${L.kpi.conversion} (%)`,
      data: m.rows.map((r) => (r.values.conversionRate === null ? null : round(100 * r.values.conversionRate))),
      unit: '%',
      color: COLORS.purple,
    },
  ];
  const pos = (i: number) => ({ left: i % 2 === 0 ? 70 : 520, top: i < 2 ? 45 : 285, width: 330, height: 165 });
  return base({
    title: panels.map((p, i) => ({ text: p.name, left: pos(i).left - 10, top: pos(i).top - 35, textStyle: { fontSize: 13, fontWeight: 'normal' } })),
    grid: panels.map((_, i) => pos(i)),
    xAxis: panels.map((_, i) => ({ type: 'category', gridIndex: i, data: periods, boundaryGap: false, axisLabel: { fontSize: 10 } })),
    yAxis: panels.map((p, i) => ({ type: 'value', gridIndex: i, axisLabel: { fontSize: 10, formatter: `{value}${p.unit}` } })),
    series: panels.map((p, i) => ({
      type: 'line',
      name: p.name,
      xAxisIndex: i,
      yAxisIndex: i,
      data: p.data,
      showSymbol: p.data.length <= 16,
      lineStyle: { width: 2, color: p.color },
      itemStyle: { color: p.color },
    })),
  });
}

/** Lifecycle: stacked bars per period, new / returning / resurrecting above the axis, dormant below. */
export function lifecycleOption(l: LifecycleInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (l.rows.length === 0) return emptyOption(L.noData);
  const bar = (name: string, data: number[], color: string) => ({ type: 'bar' as const, name, stack: 'users', data, itemStyle: { color } });
  return base({
    legend: { top: 0, data: [L.lifecycle.new, L.lifecycle.returning, L.lifecycle.resurrecting, L.lifecycle.dormant] },
    grid: { left: 70, right: 30, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: shortDays(l.rows.map((r) => r.period)) },
    yAxis: { type: 'value' },
    series: [
      bar(L.lifecycle.new, l.rows.map((r) => r.new), COLORS.green),
      bar(L.lifecycle.returning, l.rows.map((r) => r.returning), COLORS.blue),
      bar(L.lifecycle.resurrecting, l.rows.map((r) => r.resurrecting), COLORS.orange),
      bar(L.lifecycle.dormant, l.rows.map((r) => (r.dormant === 0 ? 0 : -Math.abs(r.dormant))), COLORS.grey),
    ],
  });
}

/** Funnel: one trapezoid per step in step order, labelled with users and conversion from the previous step. */
export function funnelOption(f: FunnelInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  const first = f.total[0]?.users ?? 0;
  if (f.total.length === 0 || first === 0) return emptyOption(L.noData);
  const data = f.total.map((s, i) => {
    const prev = i === 0 ? null : f.total[i - 1]!.users;
    const conv = prev === null ? '' : prev > 0 ? ` (${pct(s.users / prev)})` : '';
    return { name: stepLabel(s.name, lang), value: s.users, label: { formatter: `${stepLabel(s.name, lang)}: ${int(s.users)}${conv}` } };
  });
  return base({
    series: [
      {
        type: 'funnel',
        name: LABELS[lang].titles.funnel,
        sort: 'none',
        min: 0,
        max: first,
        minSize: '8%',
        left: 120,
        right: 120,
        top: 20,
        bottom: 20,
        gap: 3,
        label: { show: true, position: 'inside', color: '#fff', fontSize: 13 },
        data,
      },
    ],
  });
}

/**
 * Retention heatmap: one row per cohort (oldest on top, with its size), one column per period after the
 * cohort period, the share of the cohort active in it (%). Cells not yet observed are left out.
 */
export function retentionOption(r: RetentionInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (r.cohorts.length === 0) return emptyOption(L.noData);
  const periods = Math.max(...r.cohorts.map((c) => c.rates.length));
  const data: [number, number, number][] = [];
  r.cohorts.forEach((c, y) =>
    c.rates.forEach((rate, k) => {
      if (rate !== null) data.push([k, y, round(100 * rate, 1)]);
    }),
  );
  const days = shortDays(r.cohorts.map((c) => c.cohort));
  return base({
    grid: { left: 130, right: 30, top: 10, bottom: 70 },
    xAxis: { type: 'category', data: Array.from({ length: periods }, (_, k) => L.period[r.grain](k)), splitArea: { show: true } },
    yAxis: { type: 'category', inverse: true, data: r.cohorts.map((c, i) => `${days[i]} (${int(c.size)})`), splitArea: { show: true } },
    visualMap: {
      min: 0,
      max: 100,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 5,
      itemHeight: 200,
      text: ['100%', '0%'],
      inRange: { color: ['#f2f6fd', '#8fb0ec', '#2a5bbf'] },
    },
    series: [{ type: 'heatmap', name: L.titles.retention, data, label: { show: true, formatter: '{@[2]}%', fontSize: 11 } }],
  });
}

/** RFM groups: users per group as horizontal bars, in the fixed order of the eight groups. */
export function rfmOption(r: RfmInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  const total = r.groups.reduce((a, g) => a + g.users, 0);
  if (total === 0) return emptyOption(L.noData);
  const counts = new Map<string, number>();
  for (const g of r.groups) counts.set(rfmKey(g.group), (counts.get(rfmKey(g.group)) ?? 0) + g.users);
  const order = [...RFM_ORDER, ...[...counts.keys()].filter((k) => !RFM_ORDER.includes(k))];
  return hbars(
    order.map((k) => rfmLabel(k, lang)),
    order.map((k) => counts.get(k) ?? 0),
    total,
    COLORS.blue,
  );
}

/** User roles: users holding each role (a user may hold several), with their share of known users. */
export function rolesOption(r: RolesInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (r.knownUsers === 0) return emptyOption(L.noTags);
  const users = new Map(r.roles.map((x) => [x.role, x.users]));
  return hbars(
    ROLE_KEYS.map((k) => L.roles[k]),
    ROLE_KEYS.map((k) => users.get(k) ?? 0),
    r.knownUsers,
    COLORS.green,
  );
}

/** Activity heatmap: events per weekday (rows, Monday on top) and local hour (columns). */
export function activityOption(a: ActivityInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (a.totalEvents === 0) return emptyOption(L.noData);
  const data: [number, number, number][] = [];
  let max = 0;
  a.events.forEach((row, wd) =>
    row.forEach((n, h) => {
      data.push([h, wd, n]);
      max = Math.max(max, n);
    }),
  );
  return base({
    grid: { left: 60, right: 20, top: 10, bottom: 70 },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => String(h)), splitArea: { show: true } },
    yAxis: { type: 'category', inverse: true, data: [...L.weekdays], splitArea: { show: true } },
    visualMap: {
      min: 0,
      max: Math.max(max, 1),
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 5,
      itemHeight: 200,
      text: [int(max), '0'],
      inRange: { color: ['#fbf6ee', '#f0c27f', '#c9662c'] },
    },
    series: [{ type: 'heatmap', name: L.events, data }],
  });
}

/** Segment sizes: members of each defined segment, with their share of known users. */
export function segmentsOption(s: SegmentsInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (s.segments.length === 0) return emptyOption(L.noSegments);
  return hbars(
    s.segments.map((x) => x.name),
    s.segments.map((x) => x.users),
    s.knownUsers,
    COLORS.purple,
  );
}

/** Horizontal bars, first category on top, each labelled "count (share of `of`)". */
function hbars(names: string[], values: number[], of: number, color: string): EChartsOption {
  return base({
    grid: { left: 170, right: 130, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: names },
    series: [
      {
        type: 'bar',
        itemStyle: { color },
        barMaxWidth: 28,
        data: values.map((v) => ({ value: v, label: { show: true, position: 'right', formatter: of > 0 ? `${int(v)} (${pct(v / of)})` : int(v) } })),
      },
    ],
  });
}

// The charts below come from the modules that own their data (src/content, src/live, src/social). Those
// builders leave the font and frame to whoever embeds them: `base` gives them the report's.

/** Orders through content by kind: shares of the period's orders and GMV (`contentKindShareOption`). */
export function contentOption(c: ContentInput, lang: Lang): EChartsOption {
  return base(contentKindShareOption(c, lang));
}

/** Live streams: audience and credited GMV per stream, conversion below (`livePerformanceOption`). */
export function liveOption(l: LiveInput, lang: Lang): EChartsOption {
  return base(livePerformanceOption(l, lang));
}

/** The campaign's users, new users and buyers per spread level, with each level's K-factor (`spreadLevelsOption`). */
export function spreadLevelsChartOption(s: SpreadInput, lang: Lang): EChartsOption {
  if (s.campaign === null) return emptyOption(LABELS[lang].noCampaigns);
  return base(spreadLevelsOption({ campaign: s.campaign, levels: s.levels }, lang));
}

/** Users of the spread tree drawn in the report: the top of the branch, level by level. */
export const REPORT_TREE_NODES = 120;

/** The campaign's biggest branch as a tree, its first REPORT_TREE_NODES users (`spreadTreeOption`). */
export function spreadTreeChartOption(s: SpreadInput, lang: Lang): EChartsOption {
  if (s.campaign === null || s.branch.length === 0) return emptyOption(LABELS[lang].noCampaigns);
  return base(spreadTreeOption({ campaign: s.campaign, nodes: s.branch }, lang, REPORT_TREE_NODES));
}

export const KOL_GRAPH_HEIGHT = 560;

/** The top of the influence ranking on a circle, each with users it reached (`kolGraphOption`). */
export function kolChartOption(k: KolInput, lang: Lang): EChartsOption {
  if (k.builtAsOf === null) return emptyOption(LABELS[lang].noSocial);
  return base(kolGraphOption(k, lang, { width: CHART_WIDTH, height: KOL_GRAPH_HEIGHT }));
}

/** Leaves of a tree option's first series: the rows a left-to-right tree needs. */
function treeLeaves(option: EChartsOption): number {
  type Datum = { children?: Datum[] };
  const series = (option as { series?: { data?: Datum[] }[] }).series;
  const count = (d: Datum): number => (d.children && d.children.length > 0 ? d.children.reduce((a, c) => a + count(c), 0) : 1);
  return (series?.[0]?.data ?? []).reduce((a, d) => a + count(d), 0);
}

/** The height a chart is drawn at, from how much it holds (`option`: the chart's, when already built). */
export function chartHeight(kind: ChartKind, data: ReportData, option?: EChartsOption): number {
  switch (kind) {
    case 'kpi':
      return 470;
    case 'lifecycle':
      return 340;
    case 'funnel':
      return 300;
    case 'retention':
      return data.retention.cohorts.length === 0 ? 160 : 90 + 26 * data.retention.cohorts.length;
    case 'rfm':
      return 300;
    case 'roles':
      return 200;
    case 'activity':
      return 300;
    case 'segments':
      return data.segments.segments.length === 0 ? 160 : 50 + 36 * data.segments.segments.length;
    case 'content':
      return data.content.purchases.orders === 0 ? 160 : 300;
    case 'live':
      return data.live.streams.length === 0 ? 160 : 460;
    case 'spreadLevels':
      return data.spread.campaign === null ? 160 : 340;
    case 'spreadTree': {
      if (data.spread.branch.length === 0) return 160;
      // About 13 pixels a row of leaves (labels are 8 px), within bounds that keep the page readable.
      const leaves = treeLeaves(option ?? spreadTreeChartOption(data.spread, 'en'));
      return Math.min(1400, Math.max(300, 50 + 13 * leaves));
    }
    case 'kolGraph':
      return data.kol.kols.length === 0 ? 160 : KOL_GRAPH_HEIGHT;
  }
}

/** Every chart of the report, in order, with its title in `lang`. */
export function reportCharts(data: ReportData, lang: Lang): ChartSpec[] {
  const L = LABELS[lang];
  const option: Record<ChartKind, () => EChartsOption> = {
    kpi: () => kpiTrendOption(data.metrics, lang),
    lifecycle: () => lifecycleOption(data.lifecycle, lang),
    funnel: () => funnelOption(data.funnel, lang),
    retention: () => retentionOption(data.retention, lang),
    rfm: () => rfmOption(data.rfm, lang),
    roles: () => rolesOption(data.roles, lang),
    activity: () => activityOption(data.activity, lang),
    segments: () => segmentsOption(data.segments, lang),
    content: () => contentOption(data.content, lang),
    live: () => liveOption(data.live, lang),
    spreadLevels: () => spreadLevelsChartOption(data.spread, lang),
    spreadTree: () => spreadTreeChartOption(data.spread, lang),
    kolGraph: () => kolChartOption(data.kol, lang),
  };
  return CHART_KINDS.map((kind) => {
    const o = option[kind]();
    return { kind, title: L.titles[kind], option: o, width: CHART_WIDTH, height: chartHeight(kind, data, o) };
  });
}
