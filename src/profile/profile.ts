/**
 * The profile card: one user's portrait in DOMAIN.md's three views (individual, behaviour, social), read
 * from what the build stages stored. Nothing is computed here that a build stage owns; every read is a
 * lookup of one user.
 */
import { rhythmOf, rhythmTableExists, type RhythmRow } from '../analytics/rhythm/index.js';
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { TagRegistry } from '../tags/registry/registry.js';
import type { TagFamily } from '../tags/registry/definition.js';
import { KNOWN_USERS_TABLE, tableExists, tagsAsOf } from '../tags/values/build.js';
import { tagsOfUser, type TagValue } from '../tags/values/read.js';

export interface Attribute {
  declared: string | number | null;
  predicted: string | null;
  confidence: number | null;
}

export interface ScoredTag {
  tag: string;
  score: number;
}

export interface ProfileCard {
  userId: number;
  asOf: Date | null;
  individual: {
    gender: Attribute;
    ageBand: Attribute;
    age: number | null;
    city: string | null;
    occupation: string | null;
    income: string | null;
    education: string | null;
    maritalStatus: string | null;
    children: number | null;
    /** Top interests by score (0-10), per dimension: the hobbies view. */
    interests: { category: ScoredTag[]; brand: ScoredTag[]; contentTag: ScoredTag[] };
  };
  behaviour: {
    rhythm: RhythmRow | null;
    /** Repeat categories with their interval and next due date. */
    cycles: { categoryId: number; intervalDays: number; nextDue: string; daysUntilDue: number }[];
    /** Purchases judged gifts (kept out of long-term interest). */
    gifts: { itemId: number | null; categoryId: number | null; ts: Date; reason: string }[];
  };
  social: {
    friends: number;
    followers: number;
    following: number;
    /** Who brought the user (the inviter, or whose share led to the first visit). */
    broughtBy: number | null;
    invited: number;
    /** Users the user shared with most. */
    sharesWith: { userId: number; shares: number }[];
  };
  /** Every tag value the user has, by family, then key. */
  tags: Partial<Record<TagFamily, Record<string, TagValue>>>;
}

/** Runs the lookups one after another: one connection runs one statement at a time. */
async function inOrder<T extends readonly (() => Promise<unknown>)[]>(steps: T): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const out: unknown[] = [];
  for (const step of steps) out.push(await step());
  return out as { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

async function rows<T>(wh: Warehouse, table: string, sql: string, params: (number | string)[]): Promise<T[]> {
  return (await tableExists(wh, table)) ? wh.query<T>(sql, params) : [];
}

export async function profileCard(ws: Workspace, userId: number): Promise<ProfileCard> {
  const { wh } = ws;
  if (!Number.isSafeInteger(userId)) throw new PortraitError(`user id ${userId} is not a whole number`);
  const known = await rows<{ n: number }>(wh, KNOWN_USERS_TABLE, `SELECT count(*) AS n FROM ${KNOWN_USERS_TABLE} WHERE user_id = $1`, [userId]);
  if (!known.length) throw new PortraitError('the portrait has not been built', 'run portrait build first');
  if (Number(known[0]!.n) === 0) throw new PortraitError(`no user ${userId} in the portrait`, 'the user has no events up to the build time and no declared profile');
  const registry = TagRegistry.load(ws);
  const [tagValues, declared, predicted, interests, cycles, gifts, rhythm, social, shares] = await inOrder([
    () => tagsOfUser(wh, userId, registry),
    () => rows<Record<string, unknown>>(
      wh,
      'users',
      `SELECT CAST(gender AS VARCHAR) AS gender, city, occupation, income, education, marital_status, children FROM users WHERE user_id = $1`,
      [userId],
    ),
    () => rows<{ attribute: string; value: string; confidence: number; declared_value: string | null }>(
      wh,
      'predicted_attributes',
      'SELECT attribute, value, confidence, declared_value FROM predicted_attributes WHERE user_id = $1',
      [userId],
    ),
    () => rows<{ dimension: string; tag: string; score: number }>(
      wh,
      'interest_scores',
      `SELECT dimension, tag, score FROM (
         SELECT dimension, tag, score, row_number() OVER (PARTITION BY dimension ORDER BY score DESC, tag) AS k
         FROM interest_scores WHERE user_id = $1) WHERE k <= 5 ORDER BY dimension, k`,
      [userId],
    ),
    () => rows<{ category_id: number; interval_days: number; next_due: string; days_until_due: number }>(
      wh,
      'purchase_cycles',
      `SELECT category_id, interval_days, strftime(next_due, '%Y-%m-%d') AS next_due, days_until_due
       FROM purchase_cycles WHERE user_id = $1 ORDER BY next_due, category_id`,
      [userId],
    ),
    () => rows<{ item_id: number | null; category_id: number | null; ts: Date; reason: string }>(
      wh,
      'gift_purchases',
      'SELECT item_id, category_id, ts, reason FROM gift_purchases WHERE user_id = $1 ORDER BY ts',
      [userId],
    ),
    async (): Promise<RhythmRow | null> => ((await rhythmTableExists(wh)) ? rhythmOf(wh, userId) : null),
    () => wh.query<{ following: number; invited: number; broughtBy: number | null }>(
      `SELECT count(DISTINCT dst_user_id) FILTER (WHERE kind = 'follow' AND src_user_id = $1) AS following,
         count(DISTINCT dst_user_id) FILTER (WHERE kind = 'invite' AND src_user_id = $1) AS invited,
         min(src_user_id) FILTER (WHERE kind = 'invite' AND dst_user_id = $1) AS "broughtBy"
       FROM social_edges WHERE src_user_id = $1 OR dst_user_id = $1`,
      [userId],
    ),
    () => wh.query<{ user_id: number; shares: number }>(
      `SELECT dst_user_id AS user_id, count(*) AS shares FROM social_edges WHERE kind = 'share' AND src_user_id = $1
       GROUP BY 1 ORDER BY shares DESC, user_id LIMIT 5`,
      [userId],
    ),
  ] as const);
  const person = declared[0] ?? {};
  const text = (k: string) => (person[k] === null || person[k] === undefined ? null : String(person[k]));
  const attribute = (name: string, declaredValue: string | number | null): Attribute => {
    const p = predicted.find((x) => x.attribute === name);
    return { declared: declaredValue, predicted: p?.value ?? null, confidence: p?.confidence ?? null };
  };
  const top = (dimension: string) => interests.filter((i) => i.dimension === dimension).map((i) => ({ tag: i.tag, score: i.score }));
  const tags: ProfileCard['tags'] = {};
  for (const [key, value] of tagValues) {
    const family = registry.get(key)?.family;
    if (family) (tags[family] ??= {})[key] = value;
  }
  const num = (key: string) => (typeof tagValues.get(key) === 'number' ? (tagValues.get(key) as number) : null);
  const s = social[0];
  return {
    userId,
    asOf: await tagsAsOf(wh),
    individual: {
      gender: attribute('gender', text('gender')),
      ageBand: attribute('age_band', predicted.find((x) => x.attribute === 'age_band')?.declared_value ?? null),
      age: num('age'),
      city: text('city'),
      occupation: text('occupation'),
      income: text('income'),
      education: text('education'),
      maritalStatus: text('marital_status'),
      children: person.children === null || person.children === undefined ? null : Number(person.children),
      interests: { category: top('category'), brand: top('brand'), contentTag: top('content_tag') },
    },
    behaviour: {
      rhythm,
      cycles: cycles.map((c) => ({ categoryId: c.category_id, intervalDays: c.interval_days, nextDue: c.next_due, daysUntilDue: c.days_until_due })),
      gifts: gifts.map((g) => ({ itemId: g.item_id, categoryId: g.category_id, ts: g.ts, reason: g.reason })),
    },
    social: {
      friends: num('friend_count') ?? 0,
      followers: num('follower_count') ?? 0,
      following: Number(s?.following ?? 0),
      broughtBy: s?.broughtBy ?? null,
      invited: Number(s?.invited ?? 0),
      sharesWith: shares.map((x) => ({ userId: x.user_id, shares: Number(x.shares) })),
    },
    tags,
  };
}
