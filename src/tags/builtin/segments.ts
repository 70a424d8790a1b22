/**
 * Built-in tags that place a user in the classic segments: lifecycle stage, RFM scores and groups, value
 * tier, and user roles. The roles are ordinary rule tags: copy one with `portrait tags show KEY --json`,
 * change its thresholds and define it under a key of your own.
 */
import type { TagDefinitionInput } from '../registry/definition.js';

const rfm = (key: string, column: string, type: 'integer' | 'text' | 'number', en: string, zh: string, unit?: string): TagDefinitionInput => ({
  key,
  family: 'consumption',
  kind: 'fact',
  type,
  ...(unit ? { unit } : {}),
  description: { en, zh },
  definition: { source: { table: 'user_rfm', column } },
});

export const SEGMENT_TAGS: TagDefinitionInput[] = [
  {
    key: 'lifecycle_stage',
    family: 'own_behaviour',
    kind: 'fact',
    type: 'text',
    description: {
      en: 'new (first event within 7 days), won_back (returned within 30 days after 30+ days away), active (an event within 30 days), dormant (last event 30-90 days ago), churned (over 90 days); at the end of the as-of day.',
      zh: '生命周期阶段：新用户、回流、活跃、沉睡、流失',
    },
    definition: { source: { table: 'user_lifecycle', column: 'stage' } },
  },
  rfm('rfm_recency_days', 'recency_days', 'integer', 'Days since the last purchase day (buyers in the last 365 days).', 'R：距最近一次购买天数', 'days'),
  rfm('rfm_frequency', 'frequency', 'integer', 'Purchase days in the last 365 days.', 'F：购买天数'),
  rfm('rfm_monetary', 'monetary', 'number', 'Money paid in the last 365 days.', 'M：消费金额', 'yuan'),
  rfm('rfm_r', 'r', 'integer', 'Recency score 1-5 (5: most recent fifth).', 'R评分'),
  rfm('rfm_f', 'f', 'integer', 'Frequency score 1-5.', 'F评分'),
  rfm('rfm_m', 'm', 'integer', 'Monetary score 1-5.', 'M评分'),
  rfm('rfm_score', 'rfm_score', 'text', 'The three scores, e.g. "545".', 'RFM评分'),
  rfm('rfm_group', 'rfm_group', 'text', 'RFM group: important/general x value, development, retention, win-back (score 3+ is high).', 'RFM分群（英文）'),
  rfm('rfm_group_zh', 'rfm_group_zh', 'text', 'RFM group in Chinese: 重要价值, 重要发展, 重要保持, 重要挽留, 一般价值, 一般发展, 一般保持, 一般挽留.', 'RFM分群'),
  rfm('value_tier', 'value_tier', 'text', 'Value tier among buyers by CLV (else spend): top 20% high, next 30% middle, rest low.', '价值分层'),
  {
    key: 'role_passer_by',
    family: 'own_behaviour',
    kind: 'rule',
    type: 'boolean',
    description: { en: 'Passer-by: active on at most 2 of the last 30 days and no favourite, cart, purchase, comment, like, share or follow in 90 days.', zh: '路人' },
    definition: {
      rule: {
        when: {
          and: [
            { tag: 'active_days_30d', op: '<=', value: 2 },
            { behaviour: { event: ['fav', 'cart', 'buy', 'comment', 'like', 'share', 'follow'] }, window: { last: '90d' }, op: '=', value: 0 },
          ],
        },
      },
    },
  },
  {
    key: 'role_content_consumer',
    family: 'own_behaviour',
    kind: 'rule',
    type: 'boolean',
    description: { en: 'Content consumer: 3+ content views or 3+ live-stream watches in 90 days.', zh: '内容消费者' },
    definition: { rule: { when: { or: [{ tag: 'content_view_90d', op: '>=', value: 3 }, { tag: 'live_watch_90d', op: '>=', value: 3 }] } } },
  },
  {
    key: 'role_shopper',
    family: 'own_behaviour',
    kind: 'rule',
    type: 'boolean',
    description: { en: 'Shopper: bought something in 90 days.', zh: '购物者' },
    definition: { rule: { when: { tag: 'buy_90d', op: '>=', value: 1 } } },
  },
  {
    key: 'role_loyal_fan',
    family: 'own_behaviour',
    kind: 'rule',
    type: 'boolean',
    description: { en: 'Loyal fan: bought on 3+ days in 90 days and active on 8+ of the last 30 days.', zh: '忠实粉丝' },
    definition: {
      rule: {
        when: {
          and: [
            { behaviour: { event: 'buy' }, window: { last: '90d' }, measure: 'days', op: '>=', value: 3 },
            { tag: 'active_days_30d', op: '>=', value: 8 },
          ],
        },
      },
    },
  },
];
