/**
 * The ground truth of a synthetic world, in the separate schema `truth`: what the generators decided
 * and the warehouse can only show indirectly. Declared once here (the DDL and docs/synth.md follow
 * these declarations). Build code never reads it; evaluations compare their findings with it.
 */
import { into, write, type SynthContext } from './context.js';
import { SOURCES } from './interests.js';

type TruthType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP' | 'DECIMAL(18,2)';

export interface TruthTable {
  name: string;
  description: string;
  columns: [name: string, type: TruthType, description: string][];
}

export const TRUTH_TABLES: readonly TruthTable[] = [
  {
    name: 'world',
    description: 'The parameters the world was generated with (one row per key).',
    columns: [
      ['key', 'VARCHAR', 'Parameter name: seed, preset, users, days, start, utc_offset_hours, leaves, items, ...'],
      ['value', 'VARCHAR', 'Its value.'],
    ],
  },
  {
    name: 'users',
    description: 'Every user\'s latent traits. Declared attributes in `users` equal these where present.',
    columns: [
      ['user_id', 'BIGINT', 'Account.'],
      ['kind', 'VARCHAR', 'normal, coupon_farm or scalper.'],
      ['gender', 'VARCHAR', 'female or male.'],
      ['age', 'BIGINT', 'Age in years on the last day.'],
      ['age_band', 'VARCHAR', '18-24, 25-29, 30-34, 35-39, 40-49 or 50+.'],
      ['city', 'VARCHAR', 'Home city.'],
      ['city_tier', 'BIGINT', '1 一线, 2 新一线, 3 二线, 4 三线, 5 四线及以下.'],
      ['income', 'VARCHAR', 'low, middle or high.'],
      ['occupation', 'VARCHAR', 'Occupation.'],
      ['has_job', 'BOOLEAN', 'Goes to a workplace on weekdays (so has a work place by day).'],
      ['education', 'VARCHAR', 'Education level.'],
      ['marital_status', 'VARCHAR', 'single or married.'],
      ['children', 'BIGINT', 'Number of children.'],
      ['child_stage', 'VARCHAR', 'Stage of the youngest child: infant, preschool, school, teen, adult; null without children.'],
      ['payday', 'BIGINT', 'Day of the month the salary comes; buying rises in the three days from it.'],
      ['activity', 'DOUBLE', 'Activity level (mean 1): scales sessions, content views and live watching.'],
      ['taste_group', 'BIGINT', 'Hidden taste cluster: members share signature leaves (truth.taste_groups). Lookalike recall is measured against it.'],
      ['peak_hour', 'BIGINT', 'Hour of day the user is most active.'],
      ['weekend_bias', 'DOUBLE', 'Above 0.7 moves some weekday sessions to weekends; below 0.15 the reverse.'],
      ['home_geohash', 'VARCHAR', 'Home place (geohash, precision 7); shown on logins at night and weekends.'],
      ['work_geohash', 'VARCHAR', 'Work place; shown on weekday logins 9:00-18:00; null without a job.'],
      ['located', 'BOOLEAN', 'Shares location: only these users\' logins carry a geohash.'],
      ['interest_shift_day', 'BIGINT', 'Day (0 = first) from which sessions browse the other half of the interest slots; null if interests never shift.'],
      ['content_fan', 'BOOLEAN', 'Reads posts and watches short videos.'],
      ['live_fan', 'BOOLEAN', 'Watches live streams (most of them women).'],
    ],
  },
  {
    name: 'interests',
    description: 'Interest slots: the leaves each user browses; sessions pick slot s with weight about 1/(s+1).',
    columns: [
      ['user_id', 'BIGINT', 'Account.'],
      ['slot', 'BIGINT', '0 is the strongest interest.'],
      ['category_id', 'BIGINT', 'Leaf category.'],
      ['top_category_id', 'BIGINT', 'Its top-level category.'],
      ['source', 'VARCHAR', 'taste (from the taste group), demographic (gender x age band x young child) or crowd (overall popularity).'],
      ['is_cycle', 'BOOLEAN', 'A consumable bought on a cycle (truth.cycles); sessions only browse it.'],
    ],
  },
  {
    name: 'taste_groups',
    description: 'Each taste group\'s signature leaves, by rank (rank 0 is browsed most).',
    columns: [
      ['taste_group', 'BIGINT', 'Taste group.'],
      ['rank', 'BIGINT', 'Rank within the group.'],
      ['category_id', 'BIGINT', 'Leaf category.'],
    ],
  },
  {
    name: 'lifecycle',
    description: 'Each user\'s planned lifecycle and the stage it leaves them in on the last day.',
    columns: [
      ['user_id', 'BIGINT', 'Account.'],
      ['plan', 'VARCHAR', 'steady (active throughout), lapse (pauses, may come back) or churn (stops for good).'],
      ['arrived_on', 'DATE', 'First active day: the first day for users who existed before, the arrival day for newcomers.'],
      ['newcomer', 'BOOLEAN', 'Registered during the window.'],
      ['active_until', 'DATE', 'Last day of the first active period.'],
      ['returned_on', 'DATE', 'First day of the second active period (won back); null if none.'],
      ['last_active_on', 'DATE', 'Last day the plan allows activity.'],
      ['stage_at_end', 'VARCHAR', 'new (arrived in the last 7 days), active, won_back (returned after a pause), dormant (no activity for gap_days .. 2 x gap_days - 1) or churned (2 x gap_days or more); gap_days is in truth.world.'],
    ],
  },
  {
    name: 'cycles',
    description: 'Consumables bought on a per-user cycle: one row per user and leaf, with the purchases made in the window.',
    columns: [
      ['user_id', 'BIGINT', 'Account.'],
      ['category_id', 'BIGINT', 'Leaf category (tissues, milk powder, facial masks, ...).'],
      ['item_id', 'BIGINT', 'The item usually bought (a purchase switches to another item 15% of the time).'],
      ['cycle_days', 'BIGINT', 'Days between purchases (each purchase may fall a day early or late).'],
      ['first_purchase', 'TIMESTAMP', 'First purchase in the window.'],
      ['last_purchase', 'TIMESTAMP', 'Last purchase in the window.'],
      ['purchases', 'BIGINT', 'Purchases in the window (fewer when the user pauses).'],
      ['next_due', 'DATE', 'When the next purchase is due after the last one: the day to remind.'],
    ],
  },
  {
    name: 'gifts',
    description: 'One-off purchases for someone else, in a top-level category outside the buyer\'s interests.',
    columns: [
      ['user_id', 'BIGINT', 'Buyer.'],
      ['item_id', 'BIGINT', 'Item bought.'],
      ['category_id', 'BIGINT', 'Leaf category.'],
      ['top_category_id', 'BIGINT', 'Its top-level category (never one of the buyer\'s interest tops).'],
      ['ts', 'TIMESTAMP', 'Time of the buy event.'],
    ],
  },
  {
    name: 'abuse',
    description: 'Accounts run for abuse (about 1.2% of users).',
    columns: [
      ['user_id', 'BIGINT', 'Account.'],
      ['kind', 'VARCHAR', 'coupon_farm (registered in a burst, shares a few devices, only claims and uses new-user coupons) or scalper (buys limited releases within seconds, across accounts sharing a device).'],
      ['group_id', 'VARCHAR', 'The ring: farm-N or scalper-N.'],
      ['device_id', 'VARCHAR', 'The device the ring shares with this account.'],
    ],
  },
  {
    name: 'kols',
    description: 'Creators with their declared tier; the KOLs among them share items that convert.',
    columns: [
      ['user_id', 'BIGINT', 'Creator.'],
      ['tier', 'VARCHAR', 'kol, koc or regular.'],
      ['niche_category_id', 'BIGINT', 'Leaf they mostly publish about.'],
      ['contents', 'BIGINT', 'Posts and short videos published.'],
      ['live_streams', 'BIGINT', 'Live streams hosted.'],
      ['shares', 'BIGINT', 'Item shares sent (KOLs only).'],
      ['share_recipients', 'BIGINT', 'Users reached by those shares.'],
      ['share_buyers', 'BIGINT', 'Recipients who bought the shared item (their events carry referrer_user_id).'],
    ],
  },
  {
    name: 'shares',
    description: 'Each user reached by a KOL share and what followed.',
    columns: [
      ['kol_user_id', 'BIGINT', 'The KOL.'],
      ['user_id', 'BIGINT', 'Recipient.'],
      ['item_id', 'BIGINT', 'Item shared.'],
      ['shared_at', 'TIMESTAMP', 'When it was shared.'],
      ['clicked_at', 'TIMESTAMP', 'When the recipient opened it (a pv with referrer_user_id); null if never.'],
      ['bought_at', 'TIMESTAMP', 'When the recipient bought it; null if not.'],
    ],
  },
  {
    name: 'invites',
    description: 'Invite (fission) trees: every invited newcomer with the inviter, level and root.',
    columns: [
      ['user_id', 'BIGINT', 'Invited newcomer.'],
      ['inviter_user_id', 'BIGINT', 'Who invited them.'],
      ['campaign_id', 'VARCHAR', 'Invite campaign.'],
      ['level', 'BIGINT', '1 for users invited by a seed (level-0 user), 2 for their invitees, ...'],
      ['root_user_id', 'BIGINT', 'The seed at the top of the tree.'],
      ['invited_at', 'TIMESTAMP', 'Time of the invite_click, the invitee\'s first event.'],
      ['bought', 'BOOLEAN', 'The invitee bought something in the window.'],
    ],
  },
  {
    name: 'friend_buys',
    description: 'Purchases copied from a friend (social proof): the friend bought the item first.',
    columns: [
      ['user_id', 'BIGINT', 'Buyer.'],
      ['friend_user_id', 'BIGINT', 'Friend who bought it first.'],
      ['item_id', 'BIGINT', 'Item.'],
      ['friend_bought_at', 'TIMESTAMP', 'The friend\'s purchase.'],
      ['ts', 'TIMESTAMP', 'This purchase.'],
    ],
  },
  {
    name: 'campaigns',
    description: 'Campaigns run in the world with a known effect (synth-coupon: a coupon to recent buyers, 25% held out): one row per metric, as `portrait campaign evaluate` measures it among the audience who allow targeting.',
    columns: [
      ['campaign_id', 'VARCHAR', 'Campaign id; its definition is definitions/campaigns/ID.json in a synthesised workspace.'],
      ['metric', 'VARCHAR', 'conversion (a buy in the period), gmv_per_user (money paid in the period) or retention (any event in the days after it).'],
      ['designed_effect', 'DOUBLE', 'The effect the generator aims at in expectation (conversion: +0.03); null where none is designed.'],
      ['true_effect', 'DOUBLE', 'The realised effect among treated users: what the campaign added (converted users, their coupon buys, users active after only through reviewing the campaign order), per treated user.'],
      ['treatment_users', 'BIGINT', 'Treated users in the audience.'],
      ['holdout_users', 'BIGINT', 'Held-out users in the audience.'],
      ['converted_by_campaign', 'BIGINT', 'Treated users who bought only because of the campaign.'],
    ],
  },
  {
    name: 'complements',
    description: 'Leaves browsed and bought together (sessions drift to the complement 12% of the time): what basket rules should find.',
    columns: [
      ['category_id', 'BIGINT', 'Leaf.'],
      ['complement_category_id', 'BIGINT', 'Its complement.'],
    ],
  },
];

function columnsSql(t: TruthTable): string {
  return t.columns.map(([n, ty]) => `"${n}" ${ty}`).join(', ');
}

/** Stage tables for truth rows found while planning. */
export async function createTruthStages(ctx: SynthContext): Promise<void> {
  for (const t of TRUTH_TABLES) {
    await ctx.wh.run(`CREATE OR REPLACE TEMP TABLE stage_truth_${t.name} (${columnsSql(t)})`);
  }
}

/** The schema `truth` with empty tables (replacing an earlier world's), then the staged rows. */
export async function publishTruthStages(ctx: SynthContext): Promise<void> {
  await ctx.wh.run('CREATE SCHEMA IF NOT EXISTS truth');
  for (const t of TRUTH_TABLES) {
    await ctx.wh.run(`DROP TABLE IF EXISTS truth.${t.name}`);
    await ctx.wh.run(`CREATE TABLE truth.${t.name} (${columnsSql(t)})`);
    await write(ctx, `truth.${t.name}`, `INSERT INTO truth.${t.name} SELECT * FROM stage_truth_${t.name}`);
  }
}

/** Inserts into a truth table (its stage while planning) with the columns in declared order. */
export async function writeTruth(ctx: SynthContext, name: string, select: string): Promise<number> {
  const t = TRUTH_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no truth table ${name}`);
  const target = into(ctx, `truth.${name}`);
  return write(ctx, `truth.${name}`, `INSERT INTO ${target} (${t.columns.map(([n]) => `"${n}"`).join(', ')}) ${select}`);
}

/** Creators and what their shares did (while planning, before the content tables are dropped). */
export async function writeKolTruth(ctx: SynthContext): Promise<void> {
  await writeTruth(
    ctx,
    'kols',
    `SELECT c.creator_id, c.tier, c.niche_leaf,
       (SELECT count(*) FROM synth_post p WHERE p.creator_id = c.creator_id),
       (SELECT count(*) FROM synth_live l WHERE l.creator_id = c.creator_id),
       (SELECT count(DISTINCT k) FROM synth_share s WHERE s.kol = c.creator_id),
       (SELECT count(*) FROM synth_share s WHERE s.kol = c.creator_id),
       (SELECT count(*) FROM synth_share s WHERE s.kol = c.creator_id AND s.buys)
     FROM synth_creator c`,
  );
}

/** Truth about people and tastes, written from the latent tables once the world is built. */
export async function writeLatentTruth(ctx: SynthContext, world: Record<string, string | number>): Promise<void> {
  const { plan } = ctx;
  const days = plan.days;
  const gap = plan.gapDays;
  const day = (expr: string) => `CAST(DATE '${new Date(plan.epoch0 * 1000).toISOString().slice(0, 10)}' + CAST(${expr} AS INTEGER) AS DATE)`;
  const rows = Object.entries(world)
    .map(([k, v]) => `('${k}', '${String(v).replaceAll("'", "''")}')`)
    .join(', ');
  await writeTruth(ctx, 'world', `SELECT * FROM (VALUES ${rows})`);
  await writeTruth(
    ctx,
    'users',
    `SELECT p.user_id, p.kind, p.gender, p.age, ['18-24', '25-29', '30-34', '35-39', '40-49', '50+'][p.age_band + 1], p.city, p.tier,
       ['low', 'middle', 'high'][p.income_level + 1], p.occupation, p.has_job, p.education,
       CASE WHEN p.married THEN 'married' ELSE 'single' END, p.children, p.child_stage, p.payday, CAST(p.activity AS DOUBLE) / 1e6,
       p.taste_group, p.peak_hour, p.weekend_bias, p.home_gh, p.work_gh, p.located, p.shift_day, p.content_fan, p.live_fan
     FROM synth_people p`,
  );
  await writeTruth(
    ctx,
    'interests',
    `SELECT i.user_id, i.slot, i.leaf_id, i.top_id, [${SOURCES.map((x) => `'${x}'`).join(', ')}][i.source + 1], COALESCE(i.slot = s.cycle_slot, false)
     FROM synth_interest i JOIN synth_slots s USING (user_id)`,
  );
  await writeTruth(ctx, 'taste_groups', 'SELECT taste_group, k, leaf_id FROM synth_taste');
  await writeTruth(
    ctx,
    'lifecycle',
    `SELECT user_id, life_plan, ${day('a0')}, arrival_sec IS NOT NULL, ${day('a1 - 1')},
       CASE WHEN b0 < ${days} THEN ${day('b0')} END, ${day('last_day')},
       CASE WHEN b0 < ${days} THEN 'won_back'
            WHEN ${days - 1} - last_day >= ${2 * gap} THEN 'churned'
            WHEN ${days - 1} - last_day >= ${gap} THEN 'dormant'
            WHEN arrival_sec IS NOT NULL AND a0 >= ${days - 7} THEN 'new'
            ELSE 'active' END
     FROM (SELECT *, CASE WHEN b0 < ${days} THEN ${days - 1} ELSE a1 - 1 END AS last_day FROM synth_people)`,
  );
  await writeTruth(ctx, 'complements', 'SELECT leaf_id, comp_leaf FROM synth_leaf');
}
