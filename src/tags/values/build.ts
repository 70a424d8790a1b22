/**
 * The tag build stage: every registered tag's values as of one time, into `tag_values` (tag, user_id,
 * num, txt, ts, lst; sorted by tag, so a condition on a tag reads only that tag's rows) and a copy
 * sorted by user, `tag_values_by_user` (a profile card reads one user's values from one row group),
 * with `known_users` (everyone with an event up to as-of or a declared profile: the universe "not" and
 * zero counts refer to). Values are computed into a staging table and swapped in at the end, inside one
 * transaction, so a failure leaves the previous values untouched.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { conditionContext, type CompileContext } from '../../conditions/compile.js';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { TagRegistry, type RegisteredTag } from '../registry/registry.js';
import {
  aggregateScanSql,
  INTEREST_TABLE,
  isScanAggregate,
  requiredTable,
  scanAggregateValuesSql,
  tagValuesSql,
  VALUE_COLUMNS,
} from './select.js';

export const TAG_VALUES_TABLE = 'tag_values';
export const KNOWN_USERS_TABLE = 'known_users';
export const TAG_BUILDS_TABLE = 'tag_builds';
/** The same rows sorted by user: a profile card reads one user's values from one row group. */
export const TAG_VALUES_BY_USER_TABLE = 'tag_values_by_user';
const STAGING = 'tag_values_staging';
const SCAN = 'tag_aggregate_scan';
/** The keys a partial build recomputes. */
const REBUILT = 'tag_build_keys';

export interface TagBuildOptions {
  asOf?: Date;
  /** Only these tags (the others keep their values); default every registered tag. */
  keys?: readonly string[];
  registry?: TagRegistry;
  /** Called after each step with its name and seconds (for profiling the build). */
  onStep?: (step: string, seconds: number) => void;
}

export interface TagBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
  tags: number;
  /** Tags left without values because the table they read is not built, with what builds it. */
  skipped: { key: string; reason: string }[];
}

export async function tableExists(wh: Warehouse, name: string): Promise<boolean> {
  const rows = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $1 AND schema_name = 'main'",
    [name],
  );
  return Number(rows[0]?.n) > 0;
}

/** The as-of time of the stored tag values, or null when tags were never built. */
export async function tagsAsOf(wh: Warehouse): Promise<Date | null> {
  if (!(await tableExists(wh, TAG_BUILDS_TABLE))) return null;
  const rows = await wh.query<{ as_of: Date }>(`SELECT as_of FROM ${TAG_BUILDS_TABLE}`);
  return rows[0]?.as_of ?? null;
}

export async function buildTags(ws: Workspace, options: TagBuildOptions = {}): Promise<TagBuildReport> {
  const started = Date.now();
  const { wh } = ws;
  const registry = options.registry ?? TagRegistry.load(ws);
  const partial = options.keys !== undefined;
  for (const key of options.keys ?? []) {
    if (!registry.get(key)) throw new PortraitError(`unknown tag "${key}"`, 'portrait tags list shows the defined tags');
  }
  const tags = partial ? registry.inBuildOrder(options.keys).filter((t) => options.keys!.includes(t.key)) : registry.inBuildOrder();

  return wh.transaction(async () => {
    let asOf: Date;
    if (partial) {
      const stored = await tagsAsOf(wh);
      if (!stored) throw new PortraitError('tags have not been built yet', 'run portrait build first');
      asOf = options.asOf ?? stored;
    } else {
      asOf = await requireAsOf(wh, options.asOf, 'tags');
    }
    const params = new SqlParams();
    const asOfSql = `CAST(${params.bind(asOf)} AS TIMESTAMP)`;
    if (!partial) {
      await wh.run(
        `CREATE OR REPLACE TABLE ${KNOWN_USERS_TABLE} AS
         SELECT DISTINCT user_id FROM (SELECT user_id FROM events WHERE ts <= ${asOfSql} UNION ALL SELECT user_id FROM users)
         ORDER BY user_id`,
        params.values,
      );
    }
    const columns = Object.entries(VALUE_COLUMNS).map(([c, t]) => `${c} ${t}`).join(', ');
    // An ordinary table, not a temporary one: at 100M events it holds tens of millions of rows, which the
    // engine must be able to keep on disk rather than in memory.
    await wh.run(`CREATE OR REPLACE TABLE ${STAGING} (tag VARCHAR, user_id BIGINT, ${columns})`);
    // A partial build's rules read the stored values of the tags it does not recompute.
    if (partial) {
      await wh.run(`CREATE OR REPLACE TEMP TABLE ${REBUILT} AS SELECT unnest(from_json($1, '["VARCHAR"]')) AS tag`, [JSON.stringify(options.keys)]);
    }
    const tagTable = partial
      ? `(SELECT * FROM ${TAG_VALUES_TABLE} WHERE tag NOT IN (SELECT tag FROM ${REBUILT}) UNION ALL SELECT * FROM ${STAGING})`
      : STAGING;
    const skipped: TagBuildReport['skipped'] = [];
    const tables = new Set(
      (await wh.query<{ name: string }>("SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main'")).map((r) => r.name),
    );
    const ready: RegisteredTag[] = [];
    for (const tag of tags) {
      const needs = requiredTable(tag);
      if (needs) {
        if (!tables.has(needs.table)) {
          skipped.push({ key: tag.key, reason: `${needs.table} is not built (${needs.builtBy})` });
          continue;
        }
      }
      ready.push(tag);
    }
    const context = (): CompileContext =>
      conditionContext(new SqlParams(), asOf, {
        universe: KNOWN_USERS_TABLE,
        tagTable,
        interestTable: INTEREST_TABLE,
        tagType: (k) => registry.typeOf(k),
      });
    const scanned = ready.filter(isScanAggregate);
    let stepStarted = Date.now();
    const step = (name: string) => {
      options.onStep?.(name, (Date.now() - stepStarted) / 1000);
      stepStarted = Date.now();
    };
    if (scanned.length) {
      const ctx = context();
      await wh.run(`CREATE OR REPLACE TEMP TABLE ${SCAN} AS ${aggregateScanSql(scanned, ctx)}`, ctx.params.values);
      step(`one scan for ${scanned.length} aggregates`);
    }
    for (const tag of ready) {
      const ctx = context();
      const key = ctx.params.bind(tag.key);
      const select = isScanAggregate(tag) ? scanAggregateValuesSql(tag, `a${scanned.indexOf(tag)}`, SCAN, ctx) : tagValuesSql(tag, ctx, tables);
      await wh.run(`INSERT INTO ${STAGING} SELECT ${key}, v.* FROM (${select}) v`, ctx.params.values);
      step(tag.key);
    }
    await wh.run(`DROP TABLE IF EXISTS ${SCAN}`);
    if (partial) {
      await wh.run(`DELETE FROM ${TAG_VALUES_TABLE} WHERE tag IN (SELECT tag FROM ${REBUILT})`);
      await wh.run(`INSERT INTO ${TAG_VALUES_TABLE} SELECT * FROM ${STAGING} ORDER BY tag, user_id`);
    } else {
      await wh.run(`CREATE OR REPLACE TABLE ${TAG_VALUES_TABLE} AS SELECT * FROM ${STAGING} ORDER BY tag, user_id`);
      await wh.run(`CREATE OR REPLACE TABLE ${TAG_BUILDS_TABLE} AS SELECT CAST($1 AS TIMESTAMP) AS as_of, CAST($2 AS BIGINT) AS tags`, [asOf, ready.length]);
    }
    step('sorted into tag_values');
    if (partial && tables.has(TAG_VALUES_BY_USER_TABLE)) {
      // Only the recomputed tags' rows change. Appended in user order they form row groups of their own,
      // each over a range of users, so a card still reads few row groups, and re-scoring a plan (two tags)
      // does not re-sort every value (36 s at 100k users); the next full build sorts everything again.
      await wh.run(`DELETE FROM ${TAG_VALUES_BY_USER_TABLE} WHERE tag IN (SELECT tag FROM ${REBUILT})`);
      await wh.run(`INSERT INTO ${TAG_VALUES_BY_USER_TABLE} SELECT * FROM ${STAGING} ORDER BY user_id`);
    } else {
      await wh.run(`CREATE OR REPLACE TABLE ${TAG_VALUES_BY_USER_TABLE} AS SELECT * FROM ${TAG_VALUES_TABLE} ORDER BY user_id`);
    }
    step('copied by user');
    await wh.run(`DROP TABLE ${STAGING}`);
    await wh.run(`DROP TABLE IF EXISTS ${REBUILT}`);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${TAG_VALUES_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000, tags: ready.length, skipped };
  });
}
