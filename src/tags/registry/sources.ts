/**
 * Tables that build stages write and tags may read (the `source` definition form). Operators' tags name a
 * source and a column from this list; nothing else reaches the SQL. `{asOf}` in an expression stands for
 * the as-of time.
 */
import type { TagValueType } from '../value-types.js';

export interface SourceColumn {
  sql: string;
  type: TagValueType;
  description: string;
}

export interface TagSource {
  name: string;
  description: string;
  /** A relation with a user_id column, read as `s`. */
  from: string;
  /** The table that must exist for the source to be read. */
  requires: string;
  /** What makes that table. */
  builtBy: string;
  /** One row per user (else a tag must reduce the rows to one value), within one key when the source is keyed. */
  perUser: boolean;
  /**
   * A keyed source holds several independent entries (one per scoring plan, say) told apart by this
   * column; a tag reading it names its entry with `key`, bound as a parameter.
   */
  key?: { column: string; description: string };
  columns: Record<string, SourceColumn>;
}

const col = (sql: string, type: TagValueType, description: string): SourceColumn => ({ sql, type, description });

const socialEdges = (kind: string, userSide: 'src' | 'dst', both = false) => {
  const other = userSide === 'src' ? 'dst' : 'src';
  const one = `SELECT ${userSide}_user_id AS user_id, ${other}_user_id AS other FROM social_edges WHERE kind = '${kind}' AND ts <= {asOf}`;
  const back = `SELECT ${other}_user_id AS user_id, ${userSide}_user_id AS other FROM social_edges WHERE kind = '${kind}' AND ts <= {asOf}`;
  return `(${both ? `${one} UNION ${back}` : `SELECT DISTINCT * FROM (${one})`})`;
};

export const TAG_SOURCES: readonly TagSource[] = [
  {
    name: 'users',
    description: 'Declared attributes (imported users).',
    from: 'users',
    requires: 'users',
    builtBy: 'portrait import users',
    perUser: true,
    columns: {
      gender: col('CAST(s.gender AS VARCHAR)', 'text', 'Declared gender.'),
      age: col(
        "CASE WHEN s.birth_date <= CAST({asOf} AS DATE) AND date_sub('year', s.birth_date, CAST({asOf} AS DATE)) <= 120 THEN date_sub('year', s.birth_date, CAST({asOf} AS DATE)) END",
        'integer',
        'Whole years on the as-of day, from the declared birthday (over 120 counts as missing).',
      ),
      city: col('s.city', 'text', 'Declared city.'),
      occupation: col('s.occupation', 'text', 'Declared occupation.'),
      income: col('s.income', 'text', 'Declared income band.'),
      education: col('s.education', 'text', 'Declared education.'),
      marital_status: col('s.marital_status', 'text', 'Declared marital status.'),
      children: col('s.children', 'integer', 'Declared number of children.'),
      registered_at: col('s.registered_at', 'timestamp', 'Account creation time.'),
      member_level: col('s.member_level', 'integer', 'Membership level.'),
    },
  },
  {
    name: 'purchase_cycles',
    description: 'Per user and repeat category: purchase interval and next due date.',
    from: 'purchase_cycles',
    requires: 'purchase_cycles',
    builtBy: 'portrait build (purchase cycles)',
    perUser: false,
    columns: {
      interval_days: col('s.interval_days', 'number', 'Median days between purchase days in the category.'),
      days_until_due: col('s.days_until_due', 'integer', 'Days from as-of to the next due date (negative: overdue).'),
      next_due: col('CAST(s.next_due AS TIMESTAMP)', 'timestamp', 'Next due date.'),
      category_id: col('CAST(s.category_id AS VARCHAR)', 'text', 'The repeat category.'),
    },
  },
  {
    name: 'clv_scores',
    description: 'BG/NBD and Gamma-Gamma scores per buyer.',
    from: 'clv_scores',
    requires: 'clv_scores',
    builtBy: 'portrait build (lifetime value)',
    perUser: true,
    columns: {
      repeat_purchases: col('s.repeat_purchases', 'integer', 'Repeat purchase days (x).'),
      expected_purchases: col('s.expected_purchases', 'number', 'Expected purchase days over the horizon.'),
      p_alive: col('s.p_alive', 'number', 'Probability the customer is still active.'),
      expected_spend: col('s.expected_spend', 'number', 'Expected spend per purchase day (Gamma-Gamma).'),
      clv: col('s.clv', 'number', 'Discounted expected spend over the horizon.'),
    },
  },
  {
    name: 'user_traits',
    description: 'Consumption level, device tier and channel per user.',
    from: 'user_traits',
    requires: 'user_traits',
    builtBy: 'portrait build (traits)',
    perUser: true,
    columns: {
      price_percentile: col('s.price_percentile', 'number', 'Average percentile of the unit prices paid within each category.'),
      price_level: col('s.price_level', 'text', 'low, middle or high, from price_percentile.'),
      device_price: col('s.device_price', 'number', 'Price of the dearest device the user logged in with.'),
      device_tier: col('s.device_tier', 'text', 'low, middle or high, from device_price.'),
      device_os: col('s.device_os', 'text', 'Operating system of the most used device.'),
      channel: col('s.channel', 'text', 'How the user arrived: invite, share or organic (or the first event\'s channel property).'),
    },
  },
  {
    name: 'user_rhythm',
    description: 'When and how the user is active (docs/rhythm.md).',
    from: 'user_rhythm',
    requires: 'user_rhythm',
    builtBy: 'portrait build (behaviour rhythm)',
    perUser: true,
    columns: {
      first_action: col('s.first_action', 'text', 'Event type of the first event.'),
      peak_hour: col('s.peak_hour', 'integer', 'Hour of day (0-23) with most activity.'),
      active_hours: col('CAST(s.active_hours AS VARCHAR[])', 'list', 'Hours of day holding the bulk of the activity.'),
      peak_weekday: col(
        "['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][s.peak_weekday]",
        'text',
        'Weekday with most activity.',
      ),
      weekend_share: col('s.weekend_share', 'number', 'Share of activity at weekends.'),
      sessions: col('s.sessions', 'integer', 'Sessions (split by inactivity gaps).'),
      median_session_minutes: col('s.median_session_minutes', 'number', 'Typical session length in minutes.'),
      median_view_to_buy_minutes: col('s.median_view_to_buy_minutes', 'number', 'Typical minutes from first viewing an item to buying it.'),
      payday: col('s.payday', 'integer', 'Day of the month spending peaks on, when the data shows one.'),
      home_geohash: col('s.home_geohash', 'text', 'Where the user is at night and at weekends.'),
      work_geohash: col('s.work_geohash', 'text', 'Where the user is in weekday working hours.'),
    },
  },
  {
    name: 'user_lifecycle',
    description: 'Lifecycle stage at the end of the as-of day (docs/metrics.md).',
    from: 'user_lifecycle',
    requires: 'user_lifecycle',
    builtBy: 'portrait build (lifecycle)',
    perUser: true,
    columns: { stage: col('s.stage', 'text', 'new, won_back, active, dormant or churned.') },
  },
  {
    name: 'user_rfm',
    description: 'RFM scores and groups, and value tiers, per buyer (docs/segments.md).',
    from: 'user_rfm',
    requires: 'user_rfm',
    builtBy: 'portrait build (rfm)',
    perUser: true,
    columns: {
      recency_days: col('s.recency_days', 'integer', 'Days from the last purchase day to the as-of day.'),
      frequency: col('s.frequency', 'integer', 'Purchase days in the window.'),
      monetary: col('s.monetary', 'number', 'Money paid in the window.'),
      r: col('s.r', 'integer', 'Recency score (1..bins; higher is more recent).'),
      f: col('s.f', 'integer', 'Frequency score.'),
      m: col('s.m', 'integer', 'Monetary score.'),
      rfm_score: col('s.rfm_score', 'text', 'The three scores, e.g. "545".'),
      rfm_group: col('s.rfm_group', 'text', 'One of the eight classic groups (English).'),
      rfm_group_zh: col('s.rfm_group_zh', 'text', 'The group in Chinese (重要价值 ...).'),
      value_tier: col('s.value_tier', 'text', 'high, middle or low, by CLV (else spend) rank among buyers.'),
    },
  },
  {
    name: 'lead_scores',
    description: 'Lead scores of the scoring plans (docs/scoring.md); keyed by plan id.',
    from: 'lead_scores',
    requires: 'lead_scores',
    builtBy: 'portrait score --plan FILE',
    perUser: true,
    key: { column: 'plan', description: 'The scoring plan\'s id.' },
    columns: {
      score: col('s.score', 'integer', 'Points of the rules the lead matched.'),
      band: col('s.band', 'text', 'The band (A, B, C ...) the score falls in.'),
    },
  },
  {
    name: 'friends',
    description: 'Friendship edges, both directions.',
    from: socialEdges('friend', 'src', true),
    requires: 'social_edges',
    builtBy: 'portrait import social_edges',
    perUser: false,
    columns: { other: col('CAST(s.other AS VARCHAR)', 'text', 'The friend.') },
  },
  {
    name: 'followers',
    description: 'Follow edges, seen from the followed user.',
    from: socialEdges('follow', 'dst'),
    requires: 'social_edges',
    builtBy: 'portrait import social_edges',
    perUser: false,
    columns: { other: col('CAST(s.other AS VARCHAR)', 'text', 'The follower.') },
  },
  {
    name: 'following',
    description: 'Follow edges, seen from the follower.',
    from: socialEdges('follow', 'src'),
    requires: 'social_edges',
    builtBy: 'portrait import social_edges',
    perUser: false,
    columns: { other: col('CAST(s.other AS VARCHAR)', 'text', 'The user followed.') },
  },
  {
    name: 'inviters',
    description: 'Invitation edges, seen from the user invited.',
    from: socialEdges('invite', 'dst'),
    requires: 'social_edges',
    builtBy: 'portrait import social_edges',
    perUser: false,
    columns: { other: col('CAST(s.other AS VARCHAR)', 'text', 'Who invited the user.') },
  },
  {
    name: 'share_recipients',
    description: 'Share edges, seen from the sharer.',
    from: socialEdges('share', 'src'),
    requires: 'social_edges',
    builtBy: 'portrait import social_edges',
    perUser: false,
    columns: { other: col('CAST(s.other AS VARCHAR)', 'text', 'Who the user shared with.') },
  },
  {
    name: 'invitees',
    description: 'Invitation edges, seen from the inviter.',
    from: socialEdges('invite', 'src'),
    requires: 'social_edges',
    builtBy: 'portrait import social_edges',
    perUser: false,
    columns: { other: col('CAST(s.other AS VARCHAR)', 'text', 'The user invited.') },
  },
];

export function findSource(name: string): TagSource | undefined {
  return TAG_SOURCES.find((s) => s.name === name);
}
