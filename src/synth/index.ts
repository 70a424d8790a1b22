/**
 * The synthetic Taobao-shaped world: `synthesize` writes it into a workspace, `writeSynthFiles` writes
 * the same world as importable files. See docs/synth.md for what it holds and its ground truth.
 */
import { PortraitError } from '../errors.js';
import { nextBatchId, recordBatch } from '../ingest/report.js';
import { saveDefinition } from '../workspace/definitions.js';
import type { Workspace } from '../workspace/workspace.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { writeFarms, writeScalpers } from './abuse.js';
import { buildMainBuys, buildSessions, calibrate, COMPLEMENT_SHARE, PAYDAY_LIFT, writeSessionEvents, type RawOdds } from './behaviour.js';
import { planSynthCampaign, writeCampaign, writeCampaignTruth } from './campaign.js';
import { buildCatalogue, planCatalogue, writeCatalogue, type Catalogue } from './catalogue.js';
import { writeOrders, writeReviews } from './commerce.js';
import { newContext, STAGED, step, write, type SynthContext } from './context.js';
import { buildContent, writeContentEvents } from './content.js';
import { writeCycles } from './cycles.js';
import { writeGifts } from './gifts.js';
import { writeIdentity } from './identity.js';
import { buildInterests } from './interests.js';
import { planWorld, resolveSynthOptions, type SynthOptions } from './options.js';
import { buildPeople, writeConsents, writeUsers } from './population.js';
import { friendCopyRate, FRIEND_COPY, writeFriendBuys, writeFriends, writeInviteTruth, writeInvites, writeKolShares } from './social.js';
import { createTruthStages, publishTruthStages, writeKolTruth, writeLatentTruth } from './truth.js';

export { resolveSynthOptions, type SynthOptions } from './options.js';
export { writeSynthFiles } from './files.js';

export interface SynthReport {
  users: number;
  items: number;
  categories: number;
  events: number;
  eventsByType: Record<string, number>;
  from: Date;
  to: Date;
  seconds: number;
  /** Rows written per table, truth tables as truth.name. */
  tables: Record<string, number>;
}

export interface SynthRunOptions {
  /** Progress lines (each step and its seconds). */
  log?: (message: string) => void;
}

export async function synthesize(ws: Workspace, options: SynthOptions, run: SynthRunOptions = {}): Promise<SynthReport> {
  const report = await synthesizeInto(ws.wh, ws.config.utcOffsetHours, options, run);
  // The world's campaign, so `portrait campaign evaluate synth-coupon` works straight away.
  const campaign = planSynthCampaign(planWorld(options));
  if (campaign) saveDefinition(ws, 'campaigns', campaign.definition.id, campaign.definition);
  return report;
}

/** The world written through any warehouse (files.ts uses an in-memory one). */
export async function synthesizeInto(
  wh: Warehouse,
  utcOffsetHours: number,
  options: SynthOptions,
  run: SynthRunOptions = {},
): Promise<SynthReport> {
  const plan = planWorld(options);
  const started = Date.now();
  const startedAt = new Date();
  await refuseNonEmpty(wh);
  const ctx = await newContext(wh, plan, run.log);
  return withEngineSettings(wh, async () => {
    const cat = planCatalogue(ctx);
    const odds = await planAll(ctx, cat);
    await dropPlanningTables(wh);
    const t0 = Date.now();
    const out = await wh.transaction(async () => {
      ctx.phase = 'publish';
      ctx.batchId = await nextBatchId(wh);
      await publish(ctx, cat, odds, utcOffsetHours);
      const report = await step(ctx, 'summary', () => summarise(ctx, started));
      await recordBatch(wh, ctx.batchId, {
        entity: 'world',
        format: 'synth',
        file: `synth:${plan.options.preset}:users=${plan.users}:days=${plan.days}:seed=${plan.seed}:start=${plan.options.start}`,
        startedAt,
        read: 0,
        imported: Object.entries(report.tables).filter(([t]) => !t.startsWith('truth.')).reduce((s, [, n]) => s + n, 0),
        duplicate: 0,
        quarantined: 0,
      });
      return report;
    });
    ctx.log?.(`publish and commit: ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    return out;
  });
}

/** Plans the world into temporary and stage tables; returns the calibrated odds of everyday browsing. */
async function planAll(ctx: SynthContext, cat: Catalogue): Promise<RawOdds> {
  const { plan } = ctx;
  for (const t of STAGED) await ctx.wh.run(`CREATE OR REPLACE TEMP TABLE stage_${t} AS SELECT * FROM ${t} LIMIT 0`);
  await createTruthStages(ctx);
  await step(ctx, 'catalogue', () => buildCatalogue(ctx, cat));
  await step(ctx, 'people', () => buildPeople(ctx));
  await step(ctx, 'interests', () => buildInterests(ctx, cat));

  // Everything but everyday browsing first, so browsing can fill the remaining share of the mix.
  await step(ctx, 'cycles', () => writeCycles(ctx, cat));
  await step(ctx, 'gifts', () => writeGifts(ctx, cat));
  await step(ctx, 'content', () => buildContent(ctx, cat));
  await step(ctx, 'content events', () => writeContentEvents(ctx, cat));
  await step(ctx, 'friends', () => writeFriends(ctx));
  await step(ctx, 'invites', () => writeInvites(ctx));
  await step(ctx, 'kol shares', () => writeKolShares(ctx, cat));
  await step(ctx, 'farms', () => writeFarms(ctx, cat));
  await step(ctx, 'scalpers', () => writeScalpers(ctx));

  const extras = await coreCounts(ctx);
  // Friend copies come after browsing; each adds a view and a buy for a small share of all buys.
  const rho = await friendCopyRate(ctx);
  const core = plan.corePerUser * plan.users;
  const copies = rho * plan.mix.buy * core;
  // Browsing supplies the views the rest of the world lacks; its actions then fill the mix around them.
  await step(ctx, 'sessions', () => buildSessions(ctx, Math.max(0, plan.mix.pv * core - extras.pv - copies)));
  const views = Number((await ctx.wh.query<{ n: number }>('SELECT sum(n) AS n FROM synth_sessions'))[0]?.n ?? 0);
  const total = (views + extras.pv + copies) / plan.mix.pv;
  const odds = await calibrate(ctx, {
    fav: plan.mix.fav * total - extras.fav,
    cart: plan.mix.cart * total - extras.cart,
    buy: plan.mix.buy * total - extras.buy - copies,
  });
  // What depends on the buys is staged from the browsing plan, so nothing reads the events back.
  await step(ctx, 'main buys', () => buildMainBuys(ctx, cat, odds));
  await step(ctx, 'friend buys', () => writeFriendBuys(ctx));
  // After every other buy is known (its audience and counterfactual read them), before orders are made.
  await step(ctx, 'campaign', () => writeCampaign(ctx, cat));
  await step(ctx, 'orders', () => writeOrders(ctx));
  await step(ctx, 'reviews', () => writeReviews(ctx));
  await step(ctx, 'identity', () => writeIdentity(ctx));
  await writeInviteTruth(ctx);
  await writeKolTruth(ctx);
  return odds;
}

/** Writes the workspace's tables from the plan (inside the caller's transaction). */
async function publish(ctx: SynthContext, cat: Catalogue, odds: RawOdds, utcOffsetHours: number): Promise<void> {
  const { plan } = ctx;
  await step(ctx, 'catalogue', () => writeCatalogue(ctx, cat));
  await step(ctx, 'staged rows', async () => {
    for (const t of STAGED) {
      const select = t === 'events' ? `SELECT * REPLACE (${ctx.batchId} AS batch_id) FROM stage_events` : `SELECT * FROM stage_${t}`;
      await write(ctx, t, `INSERT INTO ${t} ${select}`);
    }
    await publishTruthStages(ctx);
  });
  await step(ctx, 'session events', () => writeSessionEvents(ctx, cat, odds));
  await step(ctx, 'users', () => writeUsers(ctx));
  await step(ctx, 'consents', () => writeConsents(ctx));
  await step(ctx, 'truth', async () => {
    await writeLatentTruth(ctx, {
      seed: plan.seed,
      preset: plan.options.preset,
      users: plan.users,
      days: plan.days,
      start: plan.options.start,
      utc_offset_hours: utcOffsetHours,
      leaves: cat.leaves.length,
      items: cat.positions,
      limited_items: plan.limitedItems,
      taste_groups: plan.tasteGroups,
      interest_slots: plan.slots,
      gap_days: plan.gapDays,
      cycle_days: `${plan.cycleDays[0]}-${plan.cycleDays[1]}`,
      payday_lift: PAYDAY_LIFT,
      complement_share: COMPLEMENT_SHARE,
      friend_copy: FRIEND_COPY,
      raw_odds: JSON.stringify(odds),
    });
    await writeCampaignTruth(ctx);
  });
}

async function coreCounts(ctx: SynthContext): Promise<{ pv: number; fav: number; cart: number; buy: number }> {
  const rows = await ctx.wh.query<{ type: string; n: number }>(
    `SELECT CAST(type AS VARCHAR) AS type, count(*) AS n FROM stage_events WHERE type IN ('pv', 'fav', 'cart', 'buy') GROUP BY ALL`,
  );
  const out = { pv: 0, fav: 0, cart: 0, buy: 0 };
  for (const r of rows) out[r.type as keyof typeof out] = Number(r.n);
  return out;
}

async function refuseNonEmpty(wh: Warehouse): Promise<void> {
  const rows = await wh.query<{ e: boolean; u: boolean; i: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM events) AS e, EXISTS (SELECT 1 FROM users) AS u, EXISTS (SELECT 1 FROM items) AS i',
  );
  const r = rows[0];
  if (r && (r.e || r.u || r.i)) {
    throw new PortraitError(
      'the workspace already holds data; a synthetic world goes only into an empty one',
      'create a fresh workspace (portrait init DIR) or choose another --workspace',
    );
  }
}

/**
 * Engine settings for the run, put back afterwards. Big INSERT ... SELECTs need not keep row order (the
 * engine buffers less without it), and memory is capped so the planning tables spill to the temporary
 * folder instead of growing the process past its budget.
 */
async function withEngineSettings<T>(wh: Warehouse, work: () => Promise<T>): Promise<T> {
  const rows = await wh.query<{ pio: boolean; mem: string }>(
    "SELECT current_setting('preserve_insertion_order') AS pio, current_setting('memory_limit') AS mem",
  );
  const before = rows[0];
  await wh.run('SET preserve_insertion_order = false');
  const cap = bytesOf(before?.mem ?? '') > MEMORY_CAP_BYTES;
  if (cap) await wh.run(`SET memory_limit = '${MEMORY_CAP_BYTES / 2 ** 30}GiB'`);
  try {
    return await work();
  } finally {
    await dropTemporary(wh, '%');
    await wh.run(`SET preserve_insertion_order = ${before?.pio === false ? 'false' : 'true'}`);
    if (cap && before) await wh.run(`SET memory_limit = '${before.mem.replace(/[^0-9A-Za-z. ]/g, '')}'`);
  }
}

/** Engine memory while synthesising: leaves room under 8 GB for the process around it. */
const MEMORY_CAP_BYTES = 5 * 2 ** 30;

function bytesOf(setting: string): number {
  const m = /^([\d.]+)\s*([KMGT]?i?B)?$/i.exec(setting.trim());
  if (!m) return Infinity;
  const unit = (m[2] ?? 'B').toUpperCase();
  const pow = { B: 0, KB: 1, KIB: 1, MB: 2, MIB: 2, GB: 3, GIB: 3, TB: 4, TIB: 4 }[unit] ?? 0;
  const base = unit.includes('I') ? 1024 : 1000;
  return Number(m[1]) * base ** pow;
}

/** Drops this run's temporary tables whose names match `pattern` (synth_* and stage_* only). */
async function dropTemporary(wh: Warehouse, pattern: string): Promise<void> {
  const rows = await wh.query<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND (table_name LIKE 'synth\\_%' ESCAPE '\\' OR table_name LIKE 'stage\\_%' ESCAPE '\\')
       AND table_name LIKE $1`,
    [pattern],
  );
  for (const r of rows) await wh.run(`DROP TABLE IF EXISTS temp.${wh.dialect.ident(r.name)}`).catch(() => undefined);
}

/** What publishing still reads; every other planning table is dropped before it, to free memory. */
const KEPT_FOR_PUBLISH = new Set([
  'synth_leaf', 'synth_brand', 'synth_categories', 'synth_limited', 'synth_sessions', 'synth_people', 'synth_tree',
  'synth_interest', 'synth_slots', 'synth_taste', 'synth_campaign',
]);

async function dropPlanningTables(wh: Warehouse): Promise<void> {
  const rows = await wh.query<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'synth\\_%' ESCAPE '\\'`,
  );
  for (const r of rows) if (!KEPT_FOR_PUBLISH.has(r.name)) await wh.run(`DROP TABLE temp.${wh.dialect.ident(r.name)}`);
}

async function summarise(ctx: SynthContext, started: number): Promise<SynthReport> {
  const { wh } = ctx;
  const byType = await wh.query<{ type: string; n: number }>(
    `SELECT CAST(type AS VARCHAR) AS type, count(*) AS n FROM events WHERE batch_id = $1 GROUP BY ALL ORDER BY 1`,
    [ctx.batchId],
  );
  const span = await wh.query<{ lo: Date; hi: Date }>('SELECT min(ts) AS lo, max(ts) AS hi FROM events WHERE batch_id = $1', [ctx.batchId]);
  const eventsByType: Record<string, number> = {};
  for (const row of byType) eventsByType[row.type] = Number(row.n);
  const events = Object.values(eventsByType).reduce((a, b) => a + b, 0);
  return {
    users: ctx.written.users ?? 0,
    items: ctx.written.items ?? 0,
    categories: ctx.written.categories ?? 0,
    events,
    eventsByType,
    from: span[0]?.lo ?? new Date(ctx.plan.epoch0 * 1000),
    to: span[0]?.hi ?? new Date(ctx.plan.epoch0 * 1000),
    seconds: (Date.now() - started) / 1000,
    tables: { ...ctx.written },
  };
}
