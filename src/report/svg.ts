/** Server-side rendering of a chart option to an SVG string (ECharts' SSR mode: no DOM, no canvas). */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

export function renderSvg(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
