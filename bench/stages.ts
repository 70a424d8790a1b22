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
import { Workspace } from '../src/workspace/workspace.js';

export interface BenchContext {
  dir: string;
  events: number;
  seed: number;
}

export interface Stage {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<number>;
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
