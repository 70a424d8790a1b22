/** Built-in behaviour tags on our own platform: windowed counts, first and last seen, favourites. */
import type { TagDefinitionInput } from '../registry/definition.js';

const COUNTED: [type: string, en: string, zh: string][] = [
  ['pv', 'Item page views', '浏览次数'],
  ['fav', 'Favourites', '收藏次数'],
  ['cart', 'Add-to-carts', '加购次数'],
  ['buy', 'Purchases', '购买次数'],
  ['content_view', 'Content views', '内容浏览次数'],
  ['live_watch', 'Live-stream watches', '直播观看次数'],
  ['share', 'Shares', '分享次数'],
];
export const WINDOW_DAYS = [7, 30, 90] as const;

const windowedCounts: TagDefinitionInput[] = COUNTED.flatMap(([type, en, zh]) =>
  WINDOW_DAYS.map(
    (days): TagDefinitionInput => ({
      key: `${type}_${days}d`,
      family: 'own_behaviour',
      kind: 'fact',
      type: 'integer',
      description: { en: `${en} in the last ${days} days.`, zh: `近${days}天${zh}` },
      definition: { aggregate: { fn: 'count', events: { event: type as 'pv' }, window: { last: `${days}d` } } },
    }),
  ),
);

const INTERACTIONS = ['pv', 'fav', 'cart', 'buy'] as const;

const rhythm = (key: string, column: string, type: TagDefinitionInput['type'], en: string, zh: string, unit?: string): TagDefinitionInput => ({
  key,
  family: 'own_behaviour',
  kind: 'fact',
  type,
  ...(unit ? { unit } : {}),
  description: { en, zh },
  definition: { source: { table: 'user_rhythm', column } },
});

export const RHYTHM_TAGS: TagDefinitionInput[] = [
  rhythm('first_action', 'first_action', 'text', 'Event type of the user\'s first event.', '首次行为'),
  rhythm('peak_hour', 'peak_hour', 'integer', 'Hour of day (0-23) with most activity.', '最活跃时段'),
  rhythm('active_hours', 'active_hours', 'list', 'Hours of day holding the bulk of the activity.', '活跃时段'),
  rhythm('peak_weekday', 'peak_weekday', 'text', 'Weekday with most activity.', '最活跃星期'),
  rhythm('weekend_share', 'weekend_share', 'number', 'Share of activity at weekends.', '周末活跃占比'),
  rhythm('session_minutes', 'median_session_minutes', 'number', 'Typical (median) session length.', '典型访问时长', 'minutes'),
  rhythm('view_to_buy_minutes', 'median_view_to_buy_minutes', 'number', 'Typical (median) time from first viewing an item to buying it.', '从浏览到购买的时长', 'minutes'),
  rhythm('payday', 'payday', 'integer', 'Day of the month spending peaks on, when the data shows one.', '发薪日（消费高峰日）'),
];

export const BEHAVIOUR_TAGS: TagDefinitionInput[] = [
  ...windowedCounts,
  ...RHYTHM_TAGS,
  {
    key: 'active_days_30d',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'integer',
    unit: 'days',
    description: { en: 'Days with any event in the last 30 days.', zh: '近30天活跃天数' },
    definition: { aggregate: { fn: 'count_distinct', field: 'day', window: { last: '30d' } } },
  },
  {
    key: 'first_seen',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'timestamp',
    description: { en: 'Time of the first event.', zh: '首次访问时间' },
    definition: { aggregate: { fn: 'min', field: 'ts' } },
  },
  {
    key: 'last_seen',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'timestamp',
    description: { en: 'Time of the latest event.', zh: '最近访问时间' },
    definition: { aggregate: { fn: 'max', field: 'ts' } },
  },
  {
    key: 'last_purchase',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'timestamp',
    description: { en: 'Time of the latest purchase.', zh: '最近购买时间' },
    definition: { aggregate: { fn: 'max', field: 'ts', events: { event: 'buy' } } },
  },
  {
    key: 'favourite_categories',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'list',
    description: {
      en: 'The 3 categories with most views, favourites, carts and purchases in the last 90 days (ties: smaller id).',
      zh: '近90天浏览、收藏、加购、购买最多的3个类目',
    },
    definition: { aggregate: { fn: 'top', field: 'category_id', top: 3, events: { event: [...INTERACTIONS] }, window: { last: '90d' } } },
  },
  {
    key: 'favourite_brands',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'list',
    description: {
      en: 'The 3 brands with most views, favourites, carts and purchases in the last 90 days (needs items with brands).',
      zh: '近90天互动最多的3个品牌',
    },
    definition: { aggregate: { fn: 'top', field: 'brand', top: 3, events: { event: [...INTERACTIONS] }, window: { last: '90d' } } },
  },
  {
    key: 'channel',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'text',
    description: { en: 'How the user arrived: invite, share, organic, or the channel property of the first event.', zh: '来源渠道' },
    definition: { source: { table: 'user_traits', column: 'channel' } },
  },
  {
    key: 'registered_at',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'timestamp',
    description: { en: 'When the account was created (declared).', zh: '注册时间' },
    definition: { source: { table: 'users', column: 'registered_at' } },
  },
  {
    key: 'cart_abandoner',
    family: 'own_behaviour',
    kind: 'rule',
    type: 'boolean',
    description: { en: 'Carted something in the last 7 days and bought nothing in them.', zh: '近7天加购未购买' },
    definition: {
      rule: {
        when: {
          and: [
            { behaviour: { event: 'cart' }, window: { last: '7d' } },
            { not: { behaviour: { event: 'buy' }, window: { last: '7d' } } },
          ],
        },
      },
    },
  },
  {
    key: 'top_content_tags',
    family: 'own_behaviour',
    kind: 'interest',
    type: 'list',
    description: { en: 'The 5 content tags with the highest interest scores (score at least 1).', zh: '兴趣最高的5个内容标签' },
    definition: { interest: { dimension: 'content_tag', top: 5, minScore: 1 } },
  },
];
