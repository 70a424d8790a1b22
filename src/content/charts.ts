/**
 * The content chart for the report and a dashboard: a pure function from the content report's numbers
 * to an ECharts option (no database, no functions inside the option). Like src/report/charts.ts it draws
 * no animation; the report applies its own font and frame when it embeds the option.
 */
import type { EChartsOption } from 'echarts';
import { emptyOption } from '../report/charts.js';
import { int, pct } from '../report/labels.js';
import type { Lang } from '../report/types.js';
import type { ContentKind } from '../model/enums.js';

/** What the chart reads (a ContentReport fits): shares 0..1 of the period's orders and GMV. */
export interface ContentShareInput {
  purchases: { orders: number };
  content: { orders: number; orderShare: number | null; gmvShare: number | null };
  kinds: readonly { kind: ContentKind; orders: number; orderShare: number | null; gmvShare: number | null }[];
}

const WORDS = {
  en: {
    kinds: { graphic: 'Graphic posts', short_video: 'Short videos', live: 'Live streams' } as Record<ContentKind, string>,
    all: 'All content',
    orders: 'Share of orders',
    gmv: 'Share of GMV',
    noOrders: 'No orders in the period',
  },
  zh: {
    kinds: { graphic: '图文', short_video: '短视频', live: '直播' } as Record<ContentKind, string>,
    all: '全部内容',
    orders: '订单占比',
    gmv: '成交额占比',
    noOrders: '统计期内无订单',
  },
} as const;

const COLORS = { orders: '#3b6fd8', gmv: '#e08a2c' };
const percent = (x: number | null) => (x === null ? 0 : Number((100 * x).toFixed(2)));

/**
 * Orders through content by kind: per kind and for all content, horizontal bars of the share of the
 * period's orders (labelled with the count) and of its GMV credited by last-touch attribution.
 */
export function contentKindShareOption(r: ContentShareInput, lang: Lang): EChartsOption {
  const W = WORDS[lang];
  if (r.purchases.orders === 0) return emptyOption(W.noOrders);
  const rows = [...r.kinds.map((k) => ({ name: W.kinds[k.kind], ...k })), { name: W.all, ...r.content }];
  return {
    animation: false,
    legend: { top: 0, data: [W.orders, W.gmv] },
    grid: { left: 120, right: 110, top: 35, bottom: 30 },
    xAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', inverse: true, data: rows.map((x) => x.name) },
    series: [
      {
        type: 'bar',
        name: W.orders,
        itemStyle: { color: COLORS.orders },
        data: rows.map((x) => ({
          value: percent(x.orderShare),
          label: { show: true, position: 'right', formatter: `${pct(x.orderShare ?? 0)} (${int(x.orders)})` },
        })),
      },
      {
        type: 'bar',
        name: W.gmv,
        itemStyle: { color: COLORS.gmv },
        data: rows.map((x) => ({ value: percent(x.gmvShare), label: { show: true, position: 'right', formatter: pct(x.gmvShare ?? 0) } })),
      },
    ],
  };
}
