/**
 * Propagation (fission, 裂变) monitoring: a campaign's spread tree level by level, who brought whom, what
 * each sharer brought directly and downstream, the viral coefficient (K-factor) and what the money bought.
 * The engine finds the referrals, parents, levels and each node's facts; the roll-ups of subtrees run over
 * the nodes it returns. Definitions: docs/social.md, "Spread" and "K-factor".
 */
import { requireAsOf } from '../analytics/as-of.js';
import { SqlParams } from '../conditions/params.js';
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import {
  CampaignListOptionsSchema,
  parseSocialOptions,
  SpreadOptionsSchema,
  type CampaignListOptionsInput,
  type SpreadOptionsInput,
} from './config.js';
import { EVENT_CAMPAIGN_SQL, purchasesSql, referralsSql } from './relations.js';

/** One user of a spread tree. */
export interface SpreadNode {
  userId: number;
  /** Who brought the user (the referrer of their earliest referral); null for a seed (level 0). */
  parent: number | null;
  level: number;
  /** The seed at the top of the user's tree. */
  root: number;
  /** When the user entered the campaign: reached (earliest referral), or a seed's first referral sent. */
  enteredAt: Date;
  /** Registered (or first seen) within the new-user window of entering. */
  isNew: boolean;
  /** Orders from entering up to as-of, and their amount. */
  orders: number;
  gmv: number;
  /** Distinct users this user referred in the campaign (every referral counts, also of users someone else reached first). */
  invitations: number;
  /** Share events the user sent with the campaign (a share nobody opened has no recipient but counts here). */
  shares: number;
  /** Users whose parent this user is. */
  children: number;
  /** Everyone below this user in the tree (children included): users, new users, buyers, GMV. */
  downstream: Contribution;
}

export interface Contribution {
  users: number;
  newUsers: number;
  buyers: number;
  orders: number;
  gmv: number;
}

/** The viral coefficient K = i x c: invitations per user times the share of invitations that brought a new user. */
export interface Virality {
  users: number;
  invitations: number;
  /** New users brought: new users whose parent is among `users`. */
  newUsersBrought: number;
  /** i = invitations / users. */
  invitationsPerUser: number | null;
  /** c = newUsersBrought / invitations. */
  conversion: number | null;
  /** K = i x c = newUsersBrought / users. */
  kFactor: number | null;
}

export interface SpreadLevel extends Contribution, Omit<Virality, 'users'> {
  level: number;
}

export interface Sharer {
  userId: number;
  level: number;
  invitations: number;
  shares: number;
  /** Users the sharer brought directly (children). */
  direct: Contribution;
  /** Everyone below the sharer (children included). */
  downstream: Contribution;
}

export interface SpreadCosts {
  spend: number;
  /** spend / new users brought (levels 1 and deeper). */
  perNewUser: number | null;
  /** spend / orders of reached users (levels 1 and deeper) since they were reached. */
  perOrder: number | null;
  /** spend / buyers among reached users. */
  perBuyer: number | null;
  /** GMV of reached users / spend. */
  gmvPerSpend: number | null;
}

export interface SpreadTree {
  campaign: string;
  asOf: Date;
  newWithinDays: number;
  /** Where orders come from: the orders table when it holds any row, else buy events. */
  orderSource: 'orders' | 'buy events';
  firstReferral: Date;
  lastReferral: Date;
  seeds: number;
  /** Users reached (levels 1 and deeper) and what they did. */
  reached: Contribution;
  depth: number;
  levels: SpreadLevel[];
  /** Every user of the tree, campaign-wide K over all of them. */
  overall: Virality;
  costs: SpreadCosts | null;
  /** The sharers with most downstream users (then direct, then smaller id), at most `top`. */
  sharers: Sharer[];
  sharerCount: number;
  nodes: SpreadNode[];
}

/** One campaign of the list: its referrals and the reach of its tree. */
export interface CampaignSummary {
  campaign: string;
  firstReferral: Date;
  lastReferral: Date;
  seeds: number;
  reached: number;
  newUsers: number;
  buyers: number;
  gmv: number;
  depth: number;
  invitations: number;
  kFactor: number | null;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export async function ordersHaveRows(wh: Warehouse): Promise<boolean> {
  const rows = await wh.query<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM orders LIMIT 1) o');
  return Number(rows[0]?.n) > 0;
}

/**
 * Every node of the campaign's trees (or of every campaign's, when `campaign` is null) with its facts:
 * campaign_id, user_id, parent, level, root, entered_at, is_new, orders, gmv, invitations, shares.
 *
 * - A referral is a distinct (referrer, user) pair of the campaign, at its earliest evidence.
 * - A referred user's parent is the referrer of their earliest referral (ties: the smaller id), unless the
 *   user had already sent a referral by then (or at that second): such a user started spreading on their
 *   own and is a seed. Parents therefore entered strictly earlier, so the trees have no cycles.
 * - Seeds are level 0; a user's level is the parent's level + 1.
 */
export function spreadNodesSql(p: SqlParams, asOf: Date, campaign: string | null, newWithinDays: number, fromOrders: boolean): string {
  const a = p.bind(asOf);
  const c = campaign === null ? null : p.bind(campaign);
  const days = p.bind(newWithinDays);
  const shareCampaign = c === null ? `${EVENT_CAMPAIGN_SQL} IS NOT NULL` : `${EVENT_CAMPAIGN_SQL} = ${c}`;
  return `WITH RECURSIVE
    ref AS MATERIALIZED (
      SELECT campaign_id, referrer, user_id, min(ts) AS ts FROM (${referralsSql(a, c)}) r GROUP BY campaign_id, referrer, user_id),
    recv AS (
      SELECT campaign_id, user_id, min(ts) AS reached_at, first(referrer ORDER BY ts, referrer) AS parent
      FROM ref GROUP BY campaign_id, user_id),
    sent AS (
      SELECT campaign_id, referrer AS user_id, min(ts) AS first_sent, count(*) AS invitations FROM ref GROUP BY campaign_id, referrer),
    nodes AS MATERIALIZED (
      SELECT coalesce(r.campaign_id, s.campaign_id) AS campaign_id, coalesce(r.user_id, s.user_id) AS user_id,
        CASE WHEN r.reached_at IS NOT NULL AND (s.first_sent IS NULL OR r.reached_at < s.first_sent) THEN r.parent END AS parent,
        CASE WHEN r.reached_at IS NOT NULL AND (s.first_sent IS NULL OR r.reached_at < s.first_sent) THEN r.reached_at ELSE s.first_sent END AS entered_at,
        coalesce(s.invitations, 0) AS invitations
      FROM recv r FULL JOIN sent s ON s.campaign_id = r.campaign_id AND s.user_id = r.user_id),
    tree AS (
      SELECT campaign_id, user_id, 0 AS level, user_id AS root FROM nodes WHERE parent IS NULL
      UNION ALL
      SELECT n.campaign_id, n.user_id, t.level + 1, t.root FROM nodes n JOIN tree t ON t.campaign_id = n.campaign_id AND n.parent = t.user_id),
    members AS (SELECT DISTINCT user_id FROM nodes),
    declared AS (SELECT m.user_id, u.registered_at FROM members m LEFT JOIN users u ON u.user_id = m.user_id),
    first_event AS (
      SELECT user_id, min(ts) AS ts FROM events
      WHERE user_id IN (SELECT user_id FROM declared WHERE registered_at IS NULL) AND ts <= CAST(${a} AS TIMESTAMP) GROUP BY user_id),
    seen AS (SELECT d.user_id, coalesce(d.registered_at, f.ts) AS first_seen FROM declared d LEFT JOIN first_event f USING (user_id)),
    bought AS (
      SELECT n.campaign_id, n.user_id, count(*) AS orders, sum(o.amount) AS gmv
      FROM nodes n JOIN (${purchasesSql(fromOrders, a, 'SELECT user_id FROM members')}) o ON o.user_id = n.user_id AND o.ts >= n.entered_at
      GROUP BY n.campaign_id, n.user_id),
    shares AS (
      SELECT ${EVENT_CAMPAIGN_SQL} AS campaign_id, user_id, count(*) AS shares FROM events
      WHERE type = 'share' AND properties IS NOT NULL AND ${shareCampaign} AND ts <= CAST(${a} AS TIMESTAMP)
        AND user_id IN (SELECT user_id FROM members)
      GROUP BY 1, 2)
    SELECT n.campaign_id, n.user_id, n.parent, t.level, t.root, n.entered_at,
      coalesce(abs(epoch(s.first_seen) - epoch(n.entered_at)) <= CAST(${days} AS DOUBLE) * 86400, false) AS is_new,
      coalesce(b.orders, 0) AS orders, coalesce(b.gmv, 0) AS gmv, n.invitations, coalesce(sh.shares, 0) AS shares
    FROM nodes n JOIN tree t ON t.campaign_id = n.campaign_id AND t.user_id = n.user_id
    JOIN seen s ON s.user_id = n.user_id
    LEFT JOIN bought b ON b.campaign_id = n.campaign_id AND b.user_id = n.user_id
    LEFT JOIN shares sh ON sh.campaign_id = n.campaign_id AND sh.user_id = n.user_id`;
}

const emptyContribution = (): Contribution => ({ users: 0, newUsers: 0, buyers: 0, orders: 0, gmv: 0 });

function addNode(c: Contribution, n: SpreadNode): void {
  c.users += 1;
  c.newUsers += n.isNew ? 1 : 0;
  c.buyers += n.orders > 0 ? 1 : 0;
  c.orders += n.orders;
  c.gmv += n.gmv;
}

function addContribution(into: Contribution, c: Contribution): void {
  into.users += c.users;
  into.newUsers += c.newUsers;
  into.buyers += c.buyers;
  into.orders += c.orders;
  into.gmv += c.gmv;
}

function virality(users: number, invitations: number, brought: number): Virality {
  return {
    users,
    invitations,
    newUsersBrought: brought,
    invitationsPerUser: ratio(invitations, users),
    conversion: ratio(brought, invitations),
    kFactor: ratio(brought, users),
  };
}

/** Money amounts summed over many rows, rounded to the cent they are kept in. */
const cents = (x: number) => Math.round(x * 100) / 100;

/** The spread tree of one campaign as of a time. */
export async function spreadTree(ws: Workspace, input: SpreadOptionsInput): Promise<SpreadTree> {
  const options = parseSocialOptions(SpreadOptionsSchema, input, 'spread');
  const { wh } = ws;
  const asOf = await requireAsOf(wh, options.asOf, 'spread');
  const fromOrders = await ordersHaveRows(wh);
  const p = new SqlParams();
  const sql = spreadNodesSql(p, asOf, options.campaign, options.newWithinDays, fromOrders);
  const rows = await wh.query<Record<string, unknown>>(`${sql} ORDER BY t.level, n.entered_at, n.user_id`, p.values);
  if (rows.length === 0) {
    throw new PortraitError(`spread: no referrals of campaign "${options.campaign}" up to ${asOf.toISOString().slice(0, 19).replace('T', ' ')}`, 'run `portrait spread` without --campaign to list the campaigns');
  }
  const nodes: SpreadNode[] = rows.map((r) => ({
    userId: Number(r.user_id),
    parent: r.parent === null ? null : Number(r.parent),
    level: Number(r.level),
    root: Number(r.root),
    enteredAt: r.entered_at as Date,
    isNew: Boolean(r.is_new),
    orders: Number(r.orders),
    gmv: cents(Number(r.gmv)),
    invitations: Number(r.invitations),
    shares: Number(r.shares),
    children: 0,
    downstream: emptyContribution(),
  }));
  const byUser = new Map<number, SpreadNode>(nodes.map((n) => [n.userId, n]));
  const direct = new Map<number, Contribution>();
  // Deepest first, so a node's downstream is complete before it is added to its parent's.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.parent === null) continue;
    const parent = byUser.get(n.parent)!;
    parent.children += 1;
    addNode(parent.downstream, n);
    addContribution(parent.downstream, n.downstream);
    let d = direct.get(parent.userId);
    if (!d) direct.set(parent.userId, (d = emptyContribution()));
    addNode(d, n);
  }

  const depth = nodes.reduce((m, n) => Math.max(m, n.level), 0);
  const levels: SpreadLevel[] = [];
  for (let level = 0; level <= depth; level++) {
    const c = emptyContribution();
    let invitations = 0;
    let brought = 0;
    for (const n of nodes) {
      if (n.level === level) {
        addNode(c, n);
        invitations += n.invitations;
      } else if (n.level === level + 1 && n.isNew) brought += 1;
    }
    const v = virality(c.users, invitations, brought);
    levels.push({ level, ...c, gmv: cents(c.gmv), invitations, newUsersBrought: brought, invitationsPerUser: v.invitationsPerUser, conversion: v.conversion, kFactor: v.kFactor });
  }
  const reached = emptyContribution();
  for (const n of nodes) if (n.level > 0) addNode(reached, n);
  reached.gmv = cents(reached.gmv);
  const overall = virality(nodes.length, nodes.reduce((s, n) => s + n.invitations, 0), reached.newUsers);
  const costs: SpreadCosts | null =
    options.spend === undefined
      ? null
      : {
          spend: options.spend,
          perNewUser: ratio(options.spend, reached.newUsers),
          perOrder: ratio(options.spend, reached.orders),
          perBuyer: ratio(options.spend, reached.buyers),
          gmvPerSpend: ratio(reached.gmv, options.spend),
        };
  const sharerNodes = nodes.filter((n) => n.invitations > 0 || n.children > 0);
  sharerNodes.sort((x, y) => y.downstream.users - x.downstream.users || y.children - x.children || x.userId - y.userId);
  const sharers: Sharer[] = sharerNodes.slice(0, options.top).map((n) => {
    const d = direct.get(n.userId) ?? emptyContribution();
    return {
      userId: n.userId,
      level: n.level,
      invitations: n.invitations,
      shares: n.shares,
      direct: { ...d, gmv: cents(d.gmv) },
      downstream: { ...n.downstream, gmv: cents(n.downstream.gmv) },
    };
  });
  for (const n of nodes) n.downstream.gmv = cents(n.downstream.gmv);
  const times = nodes.map((n) => n.enteredAt.getTime());
  const [span] = await wh.query<{ first: Date; last: Date }>(
    `SELECT min(ts) AS first, max(ts) AS last FROM (${referralsSql('$1', '$2')}) r`,
    [asOf, options.campaign],
  );
  return {
    campaign: options.campaign,
    asOf,
    newWithinDays: options.newWithinDays,
    orderSource: fromOrders ? 'orders' : 'buy events',
    firstReferral: span?.first ?? new Date(Math.min(...times)),
    lastReferral: span?.last ?? new Date(Math.max(...times)),
    seeds: levels[0]?.users ?? 0,
    reached,
    depth,
    levels,
    overall,
    costs,
    sharers,
    sharerCount: sharerNodes.length,
    nodes,
  };
}

/** Every campaign (share or invite code) with referrals up to as-of, most users reached first. */
export async function listCampaigns(ws: Workspace, input: CampaignListOptionsInput = {}): Promise<{ asOf: Date; newWithinDays: number; campaigns: CampaignSummary[] }> {
  const options = parseSocialOptions(CampaignListOptionsSchema, input, 'spread');
  const { wh } = ws;
  const asOf = await requireAsOf(wh, options.asOf, 'spread');
  const fromOrders = await ordersHaveRows(wh);
  const p = new SqlParams();
  const sql = spreadNodesSql(p, asOf, null, options.newWithinDays, fromOrders);
  const a = p.bind(asOf);
  const rows = await wh.query<Record<string, unknown>>(
    `WITH n AS (${sql}),
     span AS (SELECT campaign_id, min(ts) AS first, max(ts) AS last FROM (${referralsSql(a, null)}) r GROUP BY campaign_id)
     SELECT n.campaign_id, any_value(span.first) AS first, any_value(span.last) AS last,
       count(*) FILTER (WHERE level = 0) AS seeds, count(*) FILTER (WHERE level > 0) AS reached,
       count(*) FILTER (WHERE level > 0 AND is_new) AS new_users, count(*) FILTER (WHERE level > 0 AND orders > 0) AS buyers,
       coalesce(sum(gmv) FILTER (WHERE level > 0), 0) AS gmv, max(level) AS depth, sum(invitations) AS invitations, count(*) AS users
     FROM n JOIN span USING (campaign_id)
     GROUP BY n.campaign_id ORDER BY reached DESC, n.campaign_id`,
    p.values,
  );
  return {
    asOf,
    newWithinDays: options.newWithinDays,
    campaigns: rows.map((r) => ({
      campaign: String(r.campaign_id),
      firstReferral: r.first as Date,
      lastReferral: r.last as Date,
      seeds: Number(r.seeds),
      reached: Number(r.reached),
      newUsers: Number(r.new_users),
      buyers: Number(r.buyers),
      gmv: cents(Number(r.gmv)),
      depth: Number(r.depth),
      invitations: Number(r.invitations),
      kFactor: ratio(Number(r.new_users), Number(r.users)),
    })),
  };
}
