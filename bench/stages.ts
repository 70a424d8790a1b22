/**
 * Benchmark stages. Each runs in its own process (so its peak memory is its own) against folders under
 * the bench directory, and returns how many rows it handled. Later capabilities add their stages here.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceStats } from '../src/analytics/stats.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { synthesize, resolveSynthOptions } from '../src/synth/index.js';
import { buildPurchaseCycles } from '../src/analytics/cycles/index.js';
import { buildInterestScores } from '../src/tags/interest/index.js';
import { buildRhythm } from '../src/analytics/rhythm/index.js';
import { buildClvScores } from '../src/analytics/clv/build.js';
import { buildGiftFlags } from '../src/tags/noise/index.js';
import { buildPredictions } from '../src/tags/predict/index.js';
import { buildTraits } from '../src/tags/traits/build.js';
import { buildTags } from '../src/tags/values/build.js';
import { profileCard } from '../src/profile/profile.js';
import { buildRfm } from '../src/segments/rfm.js';
import { buildLifecycle, lifecycleChart } from '../src/analytics/lifecycle/index.js';
import { computeMetrics } from '../src/analytics/metrics/index.js';
import { funnel, parseStepsList } from '../src/analytics/funnel/index.js';
import { retention } from '../src/analytics/retention/index.js';
import { workspaceBasketRules } from '../src/analytics/basket/index.js';
import { recommendationsFor, trainRecommendations, workspaceInteractions } from '../src/recommend/index.js';
import { dropModel, itemcf } from '../src/recommend/algorithms/index.js';
import { resolveAsOf } from '../src/analytics/as-of.js';
import { parseSegment, segmentSize } from '../src/segments/index.js';
import { buildUserRisk } from '../src/risk/index.js';
import { buildMembership } from '../src/operations/membership/index.js';
import { buildPoints } from '../src/operations/points/index.js';
import { assignCampaign, evaluateCampaign, parseCampaign } from '../src/operations/campaigns/index.js';
import { contentReport } from '../src/content/index.js';
import { liveReport } from '../src/live/index.js';
import { reviewsReport } from '../src/reviews/index.js';
import { socialBenchStages } from '../src/social/bench.js';
import { runScoringPlan } from '../src/operations/scoring/index.js';
import { runCampaign } from '../src/operations/messages/index.js';
import { DEMO_SCORING_PLAN, demoMessageCampaign } from '../src/demo.js';
import { Workspace } from '../src/workspace/workspace.js';

export interface BenchContext {
  dir: string;
  events: number;
  seed: number;
}

export interface Stage {
  name: string;
  description: string;
  /** Rows handled, or rows with further measurements (e.g. latency percentiles) for the JSON line. */
  run(ctx: BenchContext): Promise<number | { rows: number; [measure: string]: number }>;
}

/** The q-quantile (0-1) of sorted numbers, by the nearest rank. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const worldDir = (ctx: BenchContext) => join(ctx.dir, 'world');
const importDir = (ctx: BenchContext) => join(ctx.dir, 'imported');
const taobaoFile = (ctx: BenchContext) => join(ctx.dir, 'UserBehavior.csv');

async function fresh(dir: string): Promise<Workspace> {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  return Workspace.init(dir);
}

async function using<T>(dir: string, work: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await Workspace.open(dir);
  try {
    return await work(ws);
  } finally {
    await ws.close();
  }
}

export const STAGES: Stage[] = [
  {
    name: 'synth',
    description: 'synthesise a Taobao-preset world of about --events events (100 per user) into a workspace',
    async run(ctx) {
      const ws = await fresh(worldDir(ctx));
      try {
        const options = resolveSynthOptions({ users: Math.max(1, Math.round(ctx.events / 100)), preset: 'taobao', seed: ctx.seed });
        return (await synthesize(ws, options)).events;
      } finally {
        await ws.close();
      }
    },
  },
  {
    name: 'build-gifts',
    description: 'gift flags (noise control) of the synthesised world (src/tags/noise)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildGiftFlags(ws)).rows),
  },
  {
    name: 'build-interest',
    description: 'interest scores (category, brand, content tag) of the synthesised world',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildInterestScores(ws)).rows),
  },
  {
    name: 'build-cycles',
    description: 'purchase cycles of the synthesised world (src/analytics/cycles)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildPurchaseCycles(ws)).rows),
  },
  {
    name: 'build-traits',
    description: 'consumption level, device tier and channel (src/tags/traits)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildTraits(ws)).rows),
  },
  {
    name: 'build-rhythm',
    description: 'behaviour rhythm (src/analytics/rhythm)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildRhythm(ws)).rows),
  },
  {
    name: 'build-clv',
    description: 'BG/NBD + Gamma-Gamma fitted and every buyer scored (src/analytics/clv/build.ts)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildClvScores(ws)).rows),
  },
  {
    name: 'build-lifecycle',
    description: 'lifecycle stage of every user at the as-of day (src/analytics/lifecycle)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildLifecycle(ws)).rows),
  },
  {
    name: 'build-rfm',
    description: 'RFM scores, groups and value tiers (src/segments/rfm.ts)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildRfm(ws)).rows),
  },
  {
    name: 'build-predict',
    description: 'predicted gender and age band (src/tags/predict)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildPredictions(ws)).rows),
  },
  {
    name: 'build-tags',
    description: 'every built-in tag into tag_values (reads the tables of the build stages above)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildTags(ws)).rows),
  },
  {
    name: 'build-risk',
    description: 'coupon-abuse and scalping risk of every account (src/risk)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildUserRisk(ws)).rows),
  },
  {
    name: 'build-membership',
    description: 'naughty value and 88VIP price of every user (src/operations/membership)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildMembership(ws)).rows),
  },
  {
    name: 'build-points',
    description: 'points ledger replayed (earn, redeem, expire) and every balance (src/operations/points)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await buildPoints(ws)).rows),
  },
  ...socialBenchStages.map((s) => ({
    name: s.name,
    description: `${s.description} (src/social)`,
    run: (ctx: BenchContext) => using(worldDir(ctx), (ws) => s.run(ws)),
  })),
  {
    name: 'content-report',
    description: 'content readers, orders through content by kind (last-touch attribution), top creators (src/content)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await contentReport(ws)).purchases.lines),
  },
  {
    name: 'live-report',
    description: 'every live stream and host of the last 30 days with the viewers\' portrait (src/live)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await liveReport(ws)).streams.length),
  },
  {
    name: 'reviews-report',
    description: 'review rate, quality reviews, dimension scores by category and conversion around reviews (src/reviews)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await reviewsReport(ws)).total.reviews),
  },
  {
    name: 'campaign',
    description: 'a coupon campaign in the last 7 days to the buyers of the 30 days before: split (hash of user and campaign) then evaluation with the per-stage breakdown',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const [w] = await ws.wh.query<{ from: string; to: string }>(
          "SELECT strftime(CAST(max(ts) AS DATE) - 6, '%Y-%m-%d') AS \"from\", strftime(CAST(max(ts) AS DATE), '%Y-%m-%d') AS \"to\" FROM events",
        );
        const campaign = parseCampaign(
          {
            id: 'bench-coupon',
            goal: 'conversion',
            audience: { behaviour: { event: 'buy' }, window: { last: '30d' } },
            offer: { type: 'coupon', value: 10, minSpend: 30 },
            period: { from: w!.from, to: w!.to },
            holdout: 0.25,
          },
          'bench campaign',
        );
        const started = Date.now();
        const assigned = await assignCampaign(ws, campaign);
        const assignSeconds = (Date.now() - started) / 1000;
        await evaluateCampaign(ws, campaign);
        return { rows: assigned.users, assignSeconds };
      }),
  },
  {
    name: 'score',
    description: "DOMAIN.md's live-stream lead-scoring plan over every known user: rules, scores, bands, stored as tags (src/operations/scoring)",
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const r = await runScoringPlan(ws, { input: DEMO_SCORING_PLAN, where: 'bench scoring plan' }, { top: 100 });
        return { rows: r.run.leads, swapSeconds: r.run.steps.find((s) => /swap/.test(s.step))?.seconds ?? 0 };
      }),
  },
  {
    name: 'messages',
    description: 'one product, copy per portrait for every known user, with the opt-out, cap and quiet-hour checks, into a CSV (src/operations/messages; after score)',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const [asOf] = await ws.wh.query<{ t: Date }>('SELECT max(ts) AS t FROM events');
        const r = await runCampaign(ws, { input: demoMessageCampaign(asOf!.t), where: 'bench message campaign' }, join(ctx.dir, 'messages.csv'));
        return { rows: r.targeted, rendered: r.rendered };
      }),
  },
  {
    name: 'profile',
    description: 'profile cards of 200 random known users, one after another: p50 and p99 milliseconds',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const users = await ws.wh.query<{ user_id: number }>('SELECT user_id FROM known_users USING SAMPLE 200 ROWS (reservoir, 42)');
        await profileCard(ws, Number(users[0]!.user_id)); // warm-up: loads the registry and the engine's caches
        const ms: number[] = [];
        for (const u of users) {
          const started = process.hrtime.bigint();
          await profileCard(ws, Number(u.user_id));
          ms.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        ms.sort((a, b) => a - b);
        return { rows: ms.length, p50Ms: Number(quantile(ms, 0.5).toFixed(1)), p99Ms: Number(quantile(ms, 0.99).toFixed(1)) };
      }),
  },
  {
    name: 'segment-size',
    description: 'size of a 5-condition segment (4 tags, 1 behaviour window), 5 runs after a warm-up: median and max milliseconds',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const segment = parseSegment(
          {
            name: 'bench',
            condition: {
              and: [
                { tag: 'gender', op: '=', value: 'female' },
                { tag: 'pv_30d', op: '>=', value: 10 },
                { tag: 'purchase_count', op: '>=', value: 1 },
                { lifecycle: ['active', 'new'] },
                { behaviour: { event: 'cart' }, window: { last: '7d' }, op: '>=', value: 2 },
              ],
            },
          },
          'bench',
        );
        let users = (await segmentSize(ws, segment, { profile: false })).users;
        const ms: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = process.hrtime.bigint();
          users = (await segmentSize(ws, segment, { profile: false })).users;
          ms.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        ms.sort((a, b) => a - b);
        return { rows: users, medianMs: Number(quantile(ms, 0.5).toFixed(1)), maxMs: Number(ms.at(-1)!.toFixed(1)) };
      }),
  },
  {
    name: 'metrics',
    description: 'portrait metrics over the whole world by day (rows: periods)',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const [range] = await ws.wh.query<{ a: string; b: string }>("SELECT strftime(min(ts), '%Y-%m-%d') AS a, strftime(max(ts), '%Y-%m-%d') AS b FROM events");
        return (await computeMetrics(ws, { from: range!.a, to: range!.b, grain: 'day' })).rows.length;
      }),
  },
  {
    name: 'lifecycle-chart',
    description: 'the lifecycle chart over the whole world by day (rows: periods)',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const [range] = await ws.wh.query<{ a: string; b: string }>("SELECT strftime(min(ts), '%Y-%m-%d') AS a, strftime(max(ts), '%Y-%m-%d') AS b FROM events");
        return (await lifecycleChart(ws, { from: range!.a, to: range!.b, grain: 'day' })).rows.length;
      }),
  },
  {
    name: 'funnel',
    description: 'pv -> cart -> buy, ordered, 1-day window (rows: users at the first step)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await funnel(ws, { steps: parseStepsList('pv,cart,buy'), window: '1d' })).total[0]!.users),
  },
  {
    name: 'retention',
    description: 'first-seen cohorts by day, return on any event, 7 periods (rows: cohort users)',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await retention(ws, { grain: 'day', periods: 7 })).cohorts.reduce((n, c) => n + c.size, 0)),
  },
  {
    name: 'basket-rules',
    description: 'basket rules on user-day baskets of categories (rows: baskets)',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => (await workspaceBasketRules(ws, { basket: 'user-day', items: 'category', minSupport: 0.0001, minConfidence: 0.05 })).summary.transactions),
  },
  {
    name: 'train-itemcf',
    description: 'item-CF alone (textbook defaults, history cap 100) on the world\'s weighted pv/fav/cart/buy interactions (rows: interactions, as the training counted them)',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const asOf = (await resolveAsOf(ws.wh))!;
        const interactions = await workspaceInteractions(ws.wh, { asOf });
        const model = await itemcf.train(ws.wh, interactions, { prefix: 'bench_itemcf', temporary: true });
        await dropModel(ws.wh, model);
        return { rows: model.stats.interactions, trainSeconds: Math.round(model.trainMs) / 1000, neighbourRows: model.stats.modelRows };
      }),
  },
  {
    name: 'recs-train',
    description: 'precompute every user\'s top 50 recommendations (models, sources, blend) after the build stages',
    run: (ctx) => using(worldDir(ctx), async (ws) => (await trainRecommendations(ws)).rows),
  },
  {
    name: 'recs-serve',
    description: 'one user\'s top 20, for 500 random users one after another: p50 and p99 milliseconds',
    run: (ctx) =>
      using(worldDir(ctx), async (ws) => {
        const users = await ws.wh.query<{ user_id: number }>('SELECT user_id FROM known_users USING SAMPLE 500 ROWS (reservoir, 42)');
        await recommendationsFor(ws, Number(users[0]!.user_id), 20);
        const ms: number[] = [];
        for (const u of users) {
          const started = process.hrtime.bigint();
          await recommendationsFor(ws, Number(u.user_id), 20);
          ms.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        ms.sort((a, b) => a - b);
        return { rows: ms.length, p50Ms: Number(quantile(ms, 0.5).toFixed(1)), p99Ms: Number(quantile(ms, 0.99).toFixed(1)) };
      }),
  },
  {
    name: 'export-taobao-csv',
    description: 'write the world\'s pv/fav/cart/buy events as a UserBehavior CSV (input of the import stage)',
    run: (ctx) =>
      using(worldDir(ctx), (ws) =>
        ws.wh.run(
          `COPY (SELECT user_id, item_id, category_id, CAST(type AS VARCHAR),
                        CAST(epoch(ts) AS BIGINT) - $2 * 3600
                 FROM events WHERE type IN ('pv', 'fav', 'cart', 'buy'))
           TO $1 (HEADER false, DELIMITER ',')`,
          [taobaoFile(ctx), ws.config.utcOffsetHours],
        ),
      ),
  },
  {
    name: 'import-taobao',
    description: 'import the UserBehavior CSV into a fresh workspace',
    async run(ctx) {
      const ws = await fresh(importDir(ctx));
      try {
        return (await importTaobao(ws, [taobaoFile(ctx)], { progress: false })).rowsImported;
      } finally {
        await ws.close();
      }
    },
  },
  {
    name: 'reimport-taobao',
    description: 'import the same file again: every row recognised as already stored',
    run: (ctx) => using(importDir(ctx), async (ws) => (await importTaobao(ws, [taobaoFile(ctx)], { progress: false })).rowsDuplicate),
  },
  {
    name: 'stats',
    description: 'summarise the imported workspace (portrait stats)',
    run: (ctx) => using(importDir(ctx), async (ws) => (await workspaceStats(ws.wh)).events),
  },
];
