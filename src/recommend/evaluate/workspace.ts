/**
 * Offline evaluation on a workspace: the blend and each source alone, trained exactly as `recs train`
 * trains them, so the figures describe what users are served. Protocol:
 *
 * - cut: the timestamp at quantile FRACTION (default 0.8) of the workspace's interactions (pv, fav, cart,
 *   buy with an item), as `--split time:FRACTION` does on files;
 * - the derived tables the sources read (interest scores, purchase cycles, gift flags, predictions, tags)
 *   are rebuilt as of the cut, so nothing after the cut leaks into a recommendation;
 * - relevant items of a user: the distinct items the user interacted with after the cut and never at or
 *   before it; evaluated users: those with such items and at least one interaction at or before the cut;
 * - each run stores every user's top N (`recs train` with that run's weights) and is scored at K with the
 *   metrics of metrics.ts; catalogue coverage is over the items interacted with at or before the cut.
 *   A single-source run gives that source weight 1 and the others 0, and lifts the diversity limit, so it
 *   measures the source; the blend run uses the configured weights and limit.
 *
 * The workspace itself is never changed: the work happens in a copy of its database in the workspace's
 * tmp folder, removed afterwards (the copy needs as much disk as the database).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runBuild } from '../../build.js';
import { PortraitError } from '../../errors.js';
import { Workspace } from '../../workspace/workspace.js';
import { resolveRecsConfig, SOURCES, type RecsConfigInput, type SourceName } from '../blend/config.js';
import { RECS_TABLE, trainRecommendations } from '../serve/train.js';
import { computeMetrics, type Metrics } from './metrics.js';

export const WORKSPACE_RUNS = ['blend', ...SOURCES] as const;
export type WorkspaceRun = (typeof WORKSPACE_RUNS)[number];

export interface WorkspaceEvaluationOptions {
  /** Share of the interactions (by time) before the cut; default 0.8. */
  fraction?: number;
  k?: number;
  runs?: readonly WorkspaceRun[];
  /** The blend's configuration (as `recs train`); single-source runs change only the weights and the diversity limit. */
  config?: RecsConfigInput;
  log?: (line: string) => void;
}

export interface WorkspaceRunResult {
  run: WorkspaceRun;
  metrics: Metrics;
  /** Hits: evaluated users with at least one relevant item in their top K. */
  hits: number;
  trainSeconds: number;
}

export interface WorkspaceEvaluationReport {
  k: number;
  fraction: number;
  cut: Date;
  end: Date;
  data: { trainInteractions: number; testInteractions: number; evaluatedUsers: number; relevantItems: number; trainItems: number };
  buildSeconds: number;
  results: WorkspaceRunResult[];
}

const RELEVANT = 'rec_wseval_relevant';
const CATALOGUE = 'rec_wseval_catalogue';

/** The blend's configuration with only `run` switched on (or unchanged for the blend). */
export function runConfig(run: WorkspaceRun, base: RecsConfigInput = {}): RecsConfigInput {
  if (run === 'blend') return base;
  const weights = Object.fromEntries(SOURCES.map((s) => [s, s === run ? 1 : 0])) as Record<SourceName, number>;
  // 20 per category per 20 places: no limit.
  return { ...base, weights, maxPerCategory: 20 };
}

export async function evaluateWorkspace(ws: Workspace, options: WorkspaceEvaluationOptions = {}): Promise<WorkspaceEvaluationReport> {
  const fraction = options.fraction ?? 0.8;
  if (!(fraction > 0 && fraction < 1)) throw new PortraitError(`the cut must be a fraction between 0 and 1 (exclusive), got ${fraction}`);
  const k = options.k ?? 10;
  const runs = options.runs ?? WORKSPACE_RUNS;
  resolveRecsConfig(options.config); // a bad configuration fails before the copy is made
  for (const run of runs) resolveRecsConfig(runConfig(run, options.config));
  const log = options.log ?? (() => {});

  const [bounds] = await ws.wh.query<{ cut: Date | null; end: Date | null }>(
    `SELECT quantile_disc(ts, CAST($1 AS DOUBLE)) AS cut, max(ts) AS "end" FROM events
     WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL`,
    [fraction],
  );
  if (!bounds?.cut || !bounds.end) throw new PortraitError('recs evaluate: the workspace has no item interactions (pv, fav, cart, buy)', 'import or synthesise events first');
  const cut = bounds.cut;
  if (cut.getTime() >= bounds.end.getTime()) throw new PortraitError(`recs evaluate: nothing happens after the cut (${cut.toISOString()})`, 'choose a smaller fraction');

  const copyDir = join(ws.paths.tmp, `recs-evaluate-${randomBytes(4).toString('hex')}`);
  mkdirSync(copyDir, { recursive: true });
  let copy: Workspace | undefined;
  try {
    log(`copying the workspace to ${copyDir}`);
    const [db] = await ws.wh.query<{ name: string }>('SELECT current_database() AS name');
    await ws.wh.run(`ATTACH '${copyDir.replaceAll("'", "''")}/portrait.duckdb' AS recs_eval_copy`);
    try {
      await ws.wh.run(`COPY FROM DATABASE "${db!.name.replaceAll('"', '""')}" TO recs_eval_copy`);
    } finally {
      await ws.wh.run('DETACH recs_eval_copy');
    }
    copyFileSync(ws.paths.config, join(copyDir, 'portrait.json'));
    copy = await Workspace.open(copyDir);

    let t = Date.now();
    log(`building as of the cut, ${cut.toISOString()}`);
    await runBuild(copy, { asOf: cut });
    const buildSeconds = (Date.now() - t) / 1000;

    await copy.wh.run(
      `CREATE OR REPLACE TEMP TABLE ${CATALOGUE} AS SELECT DISTINCT item_id FROM events
       WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL AND ts <= CAST($1 AS TIMESTAMP)`,
      [cut],
    );
    await copy.wh.run(
      `CREATE OR REPLACE TEMP TABLE ${RELEVANT} AS
       WITH before AS (SELECT DISTINCT user_id, item_id FROM events
                       WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL AND ts <= CAST($1 AS TIMESTAMP)),
            after AS (SELECT DISTINCT user_id, item_id FROM events
                      WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL AND ts > CAST($1 AS TIMESTAMP))
       SELECT a.user_id, a.item_id FROM after a
       WHERE a.user_id IN (SELECT user_id FROM before)
         AND NOT EXISTS (SELECT 1 FROM before b WHERE b.user_id = a.user_id AND b.item_id = a.item_id)`,
      [cut],
    );
    const [data] = await copy.wh.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM events WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL AND ts <= CAST($1 AS TIMESTAMP)) AS train,
              (SELECT count(*) FROM events WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL AND ts > CAST($1 AS TIMESTAMP)) AS test,
              (SELECT count(DISTINCT user_id) FROM ${RELEVANT}) AS users,
              (SELECT count(*) FROM ${RELEVANT}) AS relevant,
              (SELECT count(*) FROM ${CATALOGUE}) AS items`,
      [cut],
    );
    if (Number(data!.users) === 0) throw new PortraitError('recs evaluate: no user has new items after the cut', 'choose a smaller fraction');

    const results: WorkspaceRunResult[] = [];
    for (const run of runs) {
      t = Date.now();
      log(`training ${run}`);
      await trainRecommendations(copy, { asOf: cut, config: runConfig(run, options.config) });
      const trainSeconds = (Date.now() - t) / 1000;
      const metrics = await computeMetrics(copy.wh, RECS_TABLE, RELEVANT, CATALOGUE, k);
      results.push({ run, metrics, hits: Math.round(metrics.hitRate * metrics.users), trainSeconds });
    }
    return {
      k,
      fraction,
      cut,
      end: bounds.end,
      data: {
        trainInteractions: Number(data!.train),
        testInteractions: Number(data!.test),
        evaluatedUsers: Number(data!.users),
        relevantItems: Number(data!.relevant),
        trainItems: Number(data!.items),
      },
      buildSeconds,
      results,
    };
  } finally {
    await copy?.close();
    rmSync(copyDir, { recursive: true, force: true });
  }
}
