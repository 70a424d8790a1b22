/**
 * The live chart for the report and a dashboard: a pure function from the live report's per-stream
 * numbers to an ECharts option (no database, no functions inside the option). Like src/report/charts.ts
 * it draws no animation; the report applies its own font and frame when it embeds the option.
 */
import type { EChartsOption } from 'echarts';
import { emptyOption } from '../report/charts.js';
import type { Lang } from '../report/types.js';

/** What the chart reads (a LiveReport fits): streams in the order to draw them. */
export interface LivePerformanceInput {
  streams: readonly { liveId: number; startedAt: Date | string; audience: number; gmv: number; conversion: number | null }[];
}

const WORDS = {
  en: { viewers: 'Viewers', gmv: 'GMV', conversion: 'Conversion (%)', none: 'No live streams in the period' },
  zh: { viewers: '观看人数', gmv: '成交额', conversion: '转化率 (%)', none: '统计期内无直播' },
} as const;

const COLORS = { viewers: '#3b6fd8', gmv: '#e08a2c', conversion: '#7b5cc4' };

/** At most this many streams are drawn: the ones with the largest audience, kept in start order. */
export const LIVE_CHART_STREAMS = 30;

const day = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString()).slice(5, 10);

/**
 * Per-stream performance: the upper panel has bars of the audience (left axis) and credited GMV (right
 * axis) per stream in start order; the lower panel the conversion of the audience (%).
 */
export function livePerformanceOption(r: LivePerformanceInput, lang: Lang, max = LIVE_CHART_STREAMS): EChartsOption {
  const W = WORDS[lang];
  if (r.streams.length === 0) return emptyOption(W.none);
  const keep = new Set(
    [...r.streams]
      .sort((a, b) => b.audience - a.audience || a.liveId - b.liveId)
      .slice(0, max)
      .map((s) => s.liveId),
  );
  const streams = r.streams.filter((s) => keep.has(s.liveId));
  const names = streams.map((s) => `#${s.liveId} ${day(s.startedAt)}`);
  return {
    animation: false,
    legend: { top: 0, data: [W.viewers, W.gmv, W.conversion] },
    grid: [
      { left: 70, right: 80, top: 40, height: 190 },
      { left: 70, right: 80, top: 290, height: 110 },
    ],
    xAxis: [
      { type: 'category', gridIndex: 0, data: names, axisLabel: { show: false } },
      { type: 'category', gridIndex: 1, data: names, axisLabel: { rotate: 45, fontSize: 10 } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, name: W.viewers },
      { type: 'value', gridIndex: 0, name: W.gmv, position: 'right', splitLine: { show: false } },
      { type: 'value', gridIndex: 1, name: W.conversion, axisLabel: { formatter: '{value}%' } },
    ],
    series: [
      { type: 'bar', name: W.viewers, xAxisIndex: 0, yAxisIndex: 0, itemStyle: { color: COLORS.viewers }, data: streams.map((s) => s.audience) },
      { type: 'bar', name: W.gmv, xAxisIndex: 0, yAxisIndex: 1, itemStyle: { color: COLORS.gmv }, data: streams.map((s) => Number(s.gmv.toFixed(2))) },
      {
        type: 'line',
        name: W.conversion,
        xAxisIndex: 1,
        yAxisIndex: 2,
        itemStyle: { color: COLORS.conversion },
        lineStyle: { color: COLORS.conversion, width: 2 },
        data: streams.map((s) => (s.conversion === null ? null : Number((100 * s.conversion).toFixed(2)))),
      },
    ],
  };
}
