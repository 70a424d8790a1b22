/**
 * Evaluation on a synthetic world: the influence ranking and its tiers against the declared creator tiers
 * of `truth.kols`, the communities against the homophily the world was made with (friends mostly share a
 * city and a taste group, `truth.users`), and the spread trees against `truth.invites`. Build stages never
 * read truth; this only reads it, and writes nothing. See docs/social.md, "Evaluation".
 */
import { SqlParams } from '../conditions/params.js';
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { COMMUNITIES_TABLE, INFLUENCE_TABLE } from './build.js';
import { requireSocialBuild } from './read.js';
import { ordersHaveRows, spreadNodesSql } from './spread.js';

export interface AtN {
  n: number;
  /** Truth members among the first n of the ranking. */
  hits: number;
  precision: number | null;
  recall: number | null;
}

export interface TierCheck {
  /** Users the build labelled with the tier, truth members among them, truth members in all. */
  labelled: number;
  correct: number;
  truth: number;
  precision: number | null;
  recall: number | null;
}

export interface SocialEvaluation {
  asOf: Date;
  truth: { kol: number; koc: number; regular: number };
  ranking: {
    /** Truth KOLs in the first n (n = the given top, else the number of truth KOLs). */
    kol: AtN;
    /** Truth KOLs and KOCs in the first n (n = the given top, else their number). */
    kolOrKoc: AtN;
    /** Best (smallest) and worst rank of a truth KOL; null when one is not ranked at all. */
    kolRanks: { best: number | null; worst: number | null; unranked: number };
  };
  tiers: { kol: TierCheck; koc: TierCheck; either: TierCheck };
  communities: {
    count: number;
    users: number;
    modularity: number | null;
    /** Share of friendships with both friends in one community. */
    friendshipsInside: number | null;
    /** Share of members living in their community's most common city; the same for communities of the same sizes drawn at random. */
    cityPurity: number | null;
    cityPurityRandom: number | null;
    /** The same for the (city, taste group) pair friends are drawn from. */
    blockPurity: number | null;
    blockPurityRandom: number | null;
  };
  spread: {
    campaigns: number;
    /** Invited newcomers in truth, and those the spread trees place at level 1 or deeper of the same campaign. */
    invitees: number;
    found: number;
    sameParent: number;
    sameLevel: number;
    sameBought: number;
    /** Per campaign and level: truth invitees and tree users. */
    levels: { campaign: string; level: number; truth: number; found: number }[];
  };
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const num = (v: unknown): number => Number(v ?? 0);

async function truthTables(wh: Warehouse): Promise<Set<string>> {
  const rows = await wh.query<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE schema_name = 'truth'`);
  return new Set(rows.map((r) => r.t));
}

/** Compares the social build (and the spread trees as of it) with a synthetic world's truth. */
export async function evaluateSocial(ws: Workspace, options: { top?: number; newWithinDays?: number } = {}): Promise<SocialEvaluation> {
  const { wh } = ws;
  const truth = await truthTables(wh);
  for (const t of ['kols', 'users', 'invites']) {
    if (!truth.has(t)) throw new PortraitError(`social evaluation needs the ground truth of a synthetic world (truth.${t})`, 'run `portrait synth` in a fresh workspace first');
  }
  if (options.top !== undefined && (!Number.isInteger(options.top) || options.top < 1)) throw new PortraitError('social evaluate: top must be a whole number, at least 1');
  const build = await requireSocialBuild(wh);
  const asOf = build.asOf;

  const [t] = await wh.query<Record<string, unknown>>(
    `SELECT count(*) FILTER (WHERE tier = 'kol') AS kol, count(*) FILTER (WHERE tier = 'koc') AS koc, count(*) FILTER (WHERE tier = 'regular') AS regular FROM truth.kols`,
  );
  const truthCounts = { kol: num(t?.kol), koc: num(t?.koc), regular: num(t?.regular) };
  const atN = async (tiers: string[], n: number, total: number): Promise<AtN> => {
    const q = new SqlParams();
    const sql = `SELECT count(*) AS hits FROM ${INFLUENCE_TABLE} i JOIN truth.kols k USING (user_id)
       WHERE i.rank <= ${q.bind(n)} AND k.tier IN (${q.bindList(tiers)})`;
    const [r] = await wh.query<{ hits: number }>(sql, q.values);
    const hits = num(r?.hits);
    return { n, hits, precision: ratio(hits, n), recall: ratio(hits, total) };
  };
  const kolAt = await atN(['kol'], options.top ?? Math.max(1, truthCounts.kol), truthCounts.kol);
  const eitherAt = await atN(['kol', 'koc'], options.top ?? Math.max(1, truthCounts.kol + truthCounts.koc), truthCounts.kol + truthCounts.koc);
  const [ranks] = await wh.query<Record<string, unknown>>(
    `SELECT min(i.rank) AS best, max(i.rank) AS worst, count(*) FILTER (WHERE i.rank IS NULL) AS unranked
     FROM truth.kols k LEFT JOIN ${INFLUENCE_TABLE} i USING (user_id) WHERE k.tier = 'kol'`,
  );
  const unranked = num(ranks?.unranked);

  const tierCheck = async (labels: string[], truths: string[]): Promise<TierCheck> => {
    const q = new SqlParams();
    const sql = `WITH l AS (SELECT user_id FROM ${INFLUENCE_TABLE} WHERE tier IN (${q.bindList(labels)})),
       tr AS (SELECT user_id FROM truth.kols WHERE tier IN (${q.bindList(truths)}))
       SELECT (SELECT count(*) FROM l) AS labelled, (SELECT count(*) FROM tr) AS truth,
         (SELECT count(*) FROM l WHERE user_id IN (SELECT user_id FROM tr)) AS correct`;
    const [r] = await wh.query<Record<string, unknown>>(sql, q.values);
    const labelled = num(r?.labelled);
    const correct = num(r?.correct);
    const total = num(r?.truth);
    return { labelled, correct, truth: total, precision: ratio(correct, labelled), recall: ratio(correct, total) };
  };

  // Purity: members in their community's most common city (or city and taste group). The random baseline
  // deals the same members into communities of the same sizes in an order fixed by a hash of the user id.
  const [c] = await wh.query<Record<string, unknown>>(
    `WITH m AS (SELECT c.user_id, c.community, t.city, t.city || '/' || CAST(t.taste_group AS VARCHAR) AS block
                FROM ${COMMUNITIES_TABLE} c JOIN truth.users t USING (user_id)),
     pos AS (SELECT community, row_number() OVER (ORDER BY community, user_id) AS p FROM m),
     shuffled AS (SELECT city, block, row_number() OVER (ORDER BY hash(user_id), user_id) AS p FROM m),
     r AS (SELECT pos.community, s.city, s.block FROM pos JOIN shuffled s USING (p)),
     purity AS (
       SELECT 'real' AS kind, community, max(n) AS top FROM (SELECT community, city, count(*) AS n FROM m GROUP BY ALL) GROUP BY community
       UNION ALL SELECT 'real_block', community, max(n) FROM (SELECT community, block, count(*) AS n FROM m GROUP BY ALL) GROUP BY community
       UNION ALL SELECT 'random', community, max(n) FROM (SELECT community, city, count(*) AS n FROM r GROUP BY ALL) GROUP BY community
       UNION ALL SELECT 'random_block', community, max(n) FROM (SELECT community, block, count(*) AS n FROM r GROUP BY ALL) GROUP BY community)
     SELECT (SELECT count(*) FROM m) AS users, (SELECT count(DISTINCT community) FROM m) AS communities,
       sum(top) FILTER (WHERE kind = 'real') AS city, sum(top) FILTER (WHERE kind = 'random') AS city_random,
       sum(top) FILTER (WHERE kind = 'real_block') AS block, sum(top) FILTER (WHERE kind = 'random_block') AS block_random
     FROM purity`,
  );
  const users = num(c?.users);
  const [inside] = await wh.query<Record<string, unknown>>(
    `SELECT count(*) AS pairs, count(*) FILTER (WHERE ca.community = cb.community) AS inside
     FROM (SELECT DISTINCT least(src_user_id, dst_user_id) AS a, greatest(src_user_id, dst_user_id) AS b FROM social_edges
           WHERE kind = 'friend' AND src_user_id <> dst_user_id AND ts <= CAST($1 AS TIMESTAMP)) p
     JOIN ${COMMUNITIES_TABLE} ca ON ca.user_id = p.a JOIN ${COMMUNITIES_TABLE} cb ON cb.user_id = p.b`,
    [build.asOf],
  );

  const p = new SqlParams();
  const nodes = spreadNodesSql(p, asOf, null, options.newWithinDays ?? 1, await ordersHaveRows(wh));
  const spreadRows = await wh.query<Record<string, unknown>>(
    `WITH n AS (${nodes}),
     j AS (SELECT t.user_id, t.campaign_id, t.level AS t_level, t.inviter_user_id, t.bought, n.level, n.parent, n.orders
           FROM truth.invites t LEFT JOIN n ON n.campaign_id = t.campaign_id AND n.user_id = t.user_id AND n.level > 0)
     SELECT 'all' AS part, NULL AS campaign_id, NULL AS level, count(*) AS truth, count(level) AS found,
       count(*) FILTER (WHERE parent = inviter_user_id) AS same_parent, count(*) FILTER (WHERE level = t_level) AS same_level,
       count(*) FILTER (WHERE level IS NOT NULL AND (orders > 0) = bought) AS same_bought, count(DISTINCT campaign_id) AS campaigns
     FROM j
     UNION ALL
     SELECT 'level', campaign_id, lv, sum(tr), sum(fd), 0, 0, 0, 0 FROM (
       SELECT campaign_id, t_level AS lv, 1 AS tr, 0 AS fd FROM j
       UNION ALL SELECT campaign_id, level, 0, 1 FROM n WHERE level > 0 AND campaign_id IN (SELECT campaign_id FROM truth.invites))
     GROUP BY campaign_id, lv
     ORDER BY part, campaign_id, level`,
    p.values,
  );
  const all = spreadRows.find((r) => r.part === 'all');
  const modularity = build.modularity;
  return {
    asOf: build.asOf,
    truth: truthCounts,
    ranking: {
      kol: kolAt,
      kolOrKoc: eitherAt,
      kolRanks: { best: ranks?.best == null ? null : num(ranks.best), worst: unranked > 0 || ranks?.worst == null ? null : num(ranks.worst), unranked },
    },
    tiers: {
      kol: await tierCheck(['kol'], ['kol']),
      koc: await tierCheck(['koc'], ['koc']),
      either: await tierCheck(['kol', 'koc'], ['kol', 'koc']),
    },
    communities: {
      count: num(c?.communities),
      users,
      modularity,
      friendshipsInside: ratio(num(inside?.inside), num(inside?.pairs)),
      cityPurity: ratio(num(c?.city), users),
      cityPurityRandom: ratio(num(c?.city_random), users),
      blockPurity: ratio(num(c?.block), users),
      blockPurityRandom: ratio(num(c?.block_random), users),
    },
    spread: {
      campaigns: num(all?.campaigns),
      invitees: num(all?.truth),
      found: num(all?.found),
      sameParent: num(all?.same_parent),
      sameLevel: num(all?.same_level),
      sameBought: num(all?.same_bought),
      levels: spreadRows
        .filter((r) => r.part === 'level')
        .map((r) => ({ campaign: String(r.campaign_id), level: num(r.level), truth: num(r.truth), found: num(r.found) })),
    },
  };
}
