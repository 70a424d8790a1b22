/**
 * The profile card: one user's portrait in DOMAIN.md's three views (individual, behaviour, social), read
 * from what the build stages stored. Nothing is computed here that a build stage owns; every read is a
 * lookup of one user.
 */
import { rhythmOf, type RhythmRow } from '../analytics/rhythm/index.js';
import { recommendationsFor, RECS_BUILDS_TABLE, RECS_TABLE, type StoredRecommendation } from '../recommend/index.js';
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { TagRegistry } from '../tags/registry/registry.js';
import type { TagFamily } from '../tags/registry/definition.js';
import { ageBand } from '../tags/predict/attributes.js';
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
    /** Users the user shared with. */
    sharesWith: number[];
  };
  /** The user's top recommendations with their reasons, when recommendations have been trained. */
  recommendations: StoredRecommendation[];
  /** Every tag value the user has, by family, then key. */
  tags: Partial<Record<TagFamily, Record<string, TagValue>>>;
}

/** The tables that exist, read once: a card for a workspace that is partly built shows what there is. */
async function existingTables(wh: Warehouse): Promise<Set<string>> {
  const rows = await wh.query<{ name: string }>("SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main'");
  return new Set(rows.map((r) => r.name));
}

export async function profileCard(ws: Workspace, userId: number): Promise<ProfileCard> {
  const { wh } = ws;
  if (!Number.isSafeInteger(userId)) throw new PortraitError(`user id ${userId} is not a whole number`);
  const tables = await existingTables(wh);
  if (!tables.has('tag_values_by_user')) throw new PortraitError('the portrait has not been built', 'run portrait build first');
  const registry = TagRegistry.load(ws);
  // Every known user has values (counts are stored even when zero), so no values means no such user.
  const tagValues = await tagsOfUser(wh, userId, registry);
  if (tagValues.size === 0) throw new PortraitError(`no user ${userId} in the portrait`, 'the user has no events up to the build time and no declared profile');
  const when = <T>(table: string, sql: string): Promise<T[]> => (tables.has(table) ? wh.lookup<T>(sql, [userId]) : Promise.resolve([]));
  const declared = await when<Record<string, unknown>>(
    'users',
    'SELECT CAST(gender AS VARCHAR) AS gender, city, occupation, income, education, marital_status, children FROM users WHERE user_id = $1',
  );
  // The user's few dozen scores, ranked here: a window in the engine costs more than the read itself.
  const interests = (await when<{ dimension: string; tag: string; score: number }>('interest_scores', 'SELECT dimension, tag, score FROM interest_scores WHERE user_id = $1'))
    .sort((a, b) => b.score - a.score || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const cycles = await when<{ category_id: number; interval_days: number; next_due: string; days_until_due: number }>(
    'purchase_cycles',
    `SELECT category_id, interval_days, strftime(next_due, '%Y-%m-%d') AS next_due, days_until_due
     FROM purchase_cycles WHERE user_id = $1 ORDER BY next_due, category_id`,
  );
  const gifts = await when<{ item_id: number | null; category_id: number | null; ts: Date; reason: string }>(
    'gift_purchases',
    'SELECT item_id, category_id, ts, reason FROM gift_purchases WHERE user_id = $1 ORDER BY ts',
  );
  const rhythm: RhythmRow | null = tables.has('user_rhythm') ? await rhythmOf(wh, userId) : null;
  const recommendations =
    tables.has(RECS_TABLE) && tables.has(RECS_BUILDS_TABLE) ? (await recommendationsFor(ws, userId, 5)).recommendations : [];
  const person = declared[0] ?? {};
  const text = (k: string) => (person[k] === null || person[k] === undefined ? null : String(person[k]));
  const value = (key: string) => tagValues.get(key);
  const num = (key: string) => (typeof value(key) === 'number' ? (value(key) as number) : null);
  const str = (key: string) => (typeof value(key) === 'string' ? (value(key) as string) : null);
  const top = (dimension: string) => interests.filter((i) => i.dimension === dimension).slice(0, 5).map((i) => ({ tag: i.tag, score: i.score }));
  const tags: ProfileCard['tags'] = {};
  for (const [key, v] of tagValues) {
    const family = registry.get(key)?.family;
    if (family) (tags[family] ??= {})[key] = v;
  }
  const declaredBand = num('age') === null ? null : ageBand(num('age')!);
  return {
    userId,
    asOf: tables.has('tag_builds') ? ((await wh.query<{ as_of: Date }>('SELECT as_of FROM tag_builds'))[0]?.as_of ?? null) : null,
    individual: {
      gender: { declared: text('gender'), predicted: str('predicted_gender'), confidence: num('gender_confidence') },
      ageBand: { declared: declaredBand, predicted: str('predicted_age_band'), confidence: num('age_band_confidence') },
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
      following: num('following_count') ?? 0,
      broughtBy: str('brought_by') === null ? null : Number(str('brought_by')),
      invited: num('invited_count') ?? 0,
      sharesWith: (Array.isArray(value('shares_with')) ? (value('shares_with') as string[]) : []).map(Number),
    },
    recommendations,
    tags,
  };
}
