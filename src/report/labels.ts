/** Words of the report in English and Chinese, and number formatting. Pure: usable in a browser. */
import { RFM_GROUPS } from '../segments/rfm-groups.js';
import type { ContentKind } from '../model/enums.js';
import type { ChartKind, Lang, ReportGrain, RoleKey } from './types.js';

export interface Labels {
  report: string;
  workspace: string;
  asOf: string;
  tagsAsOf: string;
  notBuilt: string;
  socialAsOf: string;
  socialNotBuilt: string;
  range: string;
  per: Record<ReportGrain, string>;
  titles: Record<ChartKind, string>;
  kpi: { dau: string; activeUsers: string; buyers: string; gmv: string; conversion: string; orders: string };
  lifecycle: { new: string; returning: string; resurrecting: string; dormant: string };
  steps: Record<string, string>;
  period: Record<ReportGrain, (k: number) => string>;
  users: string;
  events: string;
  roles: Record<RoleKey, string>;
  /** Content kinds as written inside a reading. */
  contentKinds: Record<ContentKind, string>;
  weekdays: readonly string[];
  noData: string;
  noSegments: string;
  noTags: string;
  noCampaigns: string;
  noSocial: string;
  footer: string;
  vsPrevious: (grain: ReportGrain) => string;
  notes: string;
}

export const LABELS: Record<Lang, Labels> = {
  en: {
    report: 'Portrait report',
    workspace: 'workspace',
    asOf: 'data as of',
    tagsAsOf: 'portrait built as of',
    notBuilt: 'not built (run portrait build)',
    socialAsOf: 'social graph built as of',
    socialNotBuilt: 'not built (run portrait social build)',
    range: 'periods',
    per: { day: 'per day', week: 'per week', month: 'per month' },
    titles: {
      kpi: 'Growth KPIs',
      lifecycle: 'User lifecycle',
      funnel: 'Conversion funnel',
      retention: 'Retention by first-seen cohort',
      rfm: 'RFM groups',
      roles: 'User roles',
      activity: 'Activity by weekday and hour',
      segments: 'Segment sizes',
      content: 'Orders through content',
      live: 'Live-stream performance',
      spreadLevels: 'Spread (fission) by level',
      spreadTree: 'Spread tree',
      kolGraph: 'KOLs and the users they reach',
    },
    kpi: { dau: 'Daily active users', activeUsers: 'Active users', buyers: 'Buyers', gmv: 'GMV', conversion: 'Conversion', orders: 'Orders' },
    lifecycle: { new: 'new', returning: 'returning', resurrecting: 'resurrecting', dormant: 'dormant' },
    steps: { pv: 'view', fav: 'favourite', cart: 'cart', buy: 'buy', search: 'search', login: 'login', content_view: 'content view' },
    period: { day: (k) => `day ${k}`, week: (k) => `week ${k}`, month: (k) => `month ${k}` },
    users: 'users',
    events: 'events',
    roles: { role_passer_by: 'passer-by', role_content_consumer: 'content consumer', role_shopper: 'shopper', role_loyal_fan: 'loyal fan' },
    contentKinds: { graphic: 'graphic posts', short_video: 'short videos', live: 'live streams' },
    weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
    noData: 'No data',
    noSegments: 'No segments defined',
    noTags: 'Portrait not built',
    noCampaigns: 'No referral campaign',
    noSocial: 'Social graph not built',
    footer: 'Made by portrait report. Charts drawn with Apache ECharts as inline SVG; the file needs no network.',
    vsPrevious: (g) => `vs previous ${g}`,
    notes: 'Notes',
  },
  zh: {
    report: '用户画像报告',
    workspace: '工作区',
    asOf: '数据截至',
    tagsAsOf: '画像构建于',
    notBuilt: '尚未构建（请运行 portrait build）',
    socialAsOf: '社交图谱构建于',
    socialNotBuilt: '尚未构建（请运行 portrait social build）',
    range: '统计周期',
    per: { day: '按日', week: '按周', month: '按月' },
    titles: {
      kpi: '增长指标',
      lifecycle: '用户生命周期',
      funnel: '转化漏斗',
      retention: '留存（按首次出现分组）',
      rfm: 'RFM 分群',
      roles: '用户角色',
      activity: '活跃时段（星期 × 小时）',
      segments: '人群规模',
      content: '内容带来的订单',
      live: '直播表现',
      spreadLevels: '裂变传播（按层级）',
      spreadTree: '裂变传播树',
      kolGraph: 'KOL 及其触达的用户',
    },
    kpi: { dau: '日活跃用户', activeUsers: '活跃用户', buyers: '购买用户', gmv: '成交额', conversion: '成交转化率', orders: '订单' },
    lifecycle: { new: '新用户', returning: '留存', resurrecting: '回流', dormant: '沉睡' },
    steps: { pv: '浏览', fav: '收藏', cart: '加购', buy: '购买', search: '搜索', login: '登录', content_view: '内容浏览' },
    period: { day: (k) => `第${k}天`, week: (k) => `第${k}周`, month: (k) => `第${k}月` },
    users: '用户',
    events: '行为',
    roles: { role_passer_by: '路人', role_content_consumer: '内容消费者', role_shopper: '购物者', role_loyal_fan: '忠实粉丝' },
    contentKinds: { graphic: '图文', short_video: '短视频', live: '直播' },
    weekdays: ['周一', '周二', '周三', '周四', '周五', '周六', '周日'],
    noData: '暂无数据',
    noSegments: '尚未定义人群',
    noTags: '画像尚未构建',
    noCampaigns: '暂无裂变活动',
    noSocial: '社交图谱尚未构建',
    footer: '由 portrait report 生成。图表由 Apache ECharts 绘制为内嵌 SVG，无需联网即可打开。',
    vsPrevious: (g) => `较上${g === 'day' ? '日' : g === 'week' ? '周' : '月'}`,
    notes: '说明',
  },
};

/** The step's label: a known event type in the report's language, else the step spec itself. */
export function stepLabel(name: string, lang: Lang): string {
  return LABELS[lang].steps[name] ?? name;
}

/** An RFM group (English or Chinese as stored) in the report's language. */
export function rfmLabel(group: string, lang: Lang): string {
  const g = RFM_GROUPS.find((x) => x.en === group || x.zh === group);
  return g ? g[lang] : group;
}

/** The English name of an RFM group given in either language (the name itself when unknown). */
export function rfmKey(group: string): string {
  return RFM_GROUPS.find((x) => x.en === group || x.zh === group)?.en ?? group;
}

/** RFM groups in their fixed order (value, development, retention, win-back; important then general). */
export const RFM_ORDER: readonly string[] = RFM_GROUPS.map((g) => g.en);

/** 12,345 (en-US grouping in both languages). */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A number with up to `digits` decimals, grouped. */
export function dec(n: number, digits = 2): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

/** A share 0..1 as a percentage with one decimal: 0.4215 -> "42.2%". */
export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** A relative change as a signed percentage: 0.12 -> "+12.0%". */
export function signedPct(x: number): string {
  const s = (100 * x).toFixed(1);
  return `${x >= 0 && !s.startsWith('-') ? '+' : ''}${s}%`;
}

/** A day as written under a chart: MM-DD when all days share a year, else YYYY-MM-DD. */
export function shortDays(days: readonly string[]): string[] {
  const years = new Set(days.map((d) => d.slice(0, 4)));
  return days.map((d) => (years.size <= 1 ? d.slice(5) : d));
}
