/**
 * The same world as files, for importing elsewhere: the world is synthesised into a scratch DuckDB
 * (in memory when small, a temporary file beside the output when large) and copied out by the engine:
 * events as Parquet, every other entity as CSV with a header (the formats `portrait import` reads),
 * `userbehavior.csv` in the public Taobao UserBehavior layout, and the ground truth as Parquet under
 * truth/.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PortraitError } from '../errors.js';
import { ENTITY_TABLES } from '../model/schema.js';
import { DuckDBWarehouse } from '../warehouse/duckdb.js';
import { schemaStatements } from '../workspace/ddl.js';
import { synthesizeInto, type SynthReport, type SynthRunOptions } from './index.js';
import { planWorld, resolveSynthOptions, type SynthOptions } from './options.js';
import { TRUTH_TABLES } from './truth.js';

/** Beijing time, as the public data set: its Unix seconds are UTC, the platform's days are UTC+8. */
const UTC_OFFSET_HOURS = 8;
/** Above this many planned events the scratch database lives on disk, not in memory. */
const IN_MEMORY_EVENTS = 20_000_000;

export async function writeSynthFiles(
  outDir: string,
  options: SynthOptions,
  run: SynthRunOptions = {},
): Promise<{ files: string[]; report: SynthReport }> {
  const resolved = resolveSynthOptions(options);
  const plan = planWorld(resolved);
  const dir = resolve(outDir);
  try {
    mkdirSync(join(dir, 'truth'), { recursive: true });
  } catch (error) {
    throw new PortraitError(`cannot create ${dir}: ${(error as Error).message}`);
  }
  const onDisk = plan.users * plan.corePerUser > IN_MEMORY_EVENTS;
  const scratch = join(dir, `.synth-scratch-${process.pid}.duckdb`);
  const wh = await DuckDBWarehouse.open(onDisk ? scratch : ':memory:', onDisk ? { tempDirectory: join(dir, '.synth-tmp') } : {});
  const files: string[] = [];
  try {
    for (const sql of schemaStatements(wh.dialect)) await wh.run(sql);
    const report = await synthesizeInto(wh, UTC_OFFSET_HOURS, resolved, run);
    for (const table of ENTITY_TABLES) {
      const parquet = table.name === 'events';
      const file = join(dir, `${table.name}.${parquet ? 'parquet' : 'csv'}`);
      await wh.run(`COPY ${wh.dialect.ident(table.name)} TO $1 ${parquet ? '(FORMAT parquet)' : '(FORMAT csv, HEADER true)'}`, [file]);
      files.push(file);
    }
    const taobao = join(dir, 'userbehavior.csv');
    await wh.run(
      `COPY (SELECT user_id, item_id, category_id, CAST(type AS VARCHAR), CAST(epoch(ts) AS BIGINT) - ${UTC_OFFSET_HOURS * 3600}
             FROM events WHERE type IN ('pv', 'fav', 'cart', 'buy'))
       TO $1 (FORMAT csv, HEADER false)`,
      [taobao],
    );
    files.push(taobao);
    for (const t of TRUTH_TABLES) {
      const file = join(dir, 'truth', `${t.name}.parquet`);
      await wh.run(`COPY truth.${wh.dialect.ident(t.name)} TO $1 (FORMAT parquet)`, [file]);
      files.push(file);
    }
    return { files, report };
  } finally {
    await wh.close();
    if (onDisk) {
      for (const f of [scratch, `${scratch}.wal`, join(dir, '.synth-tmp')]) if (existsSync(f)) rmSync(f, { recursive: true, force: true });
    }
  }
}
