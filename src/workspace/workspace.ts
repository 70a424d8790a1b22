/**
 * A workspace is a folder: the DuckDB database, the config, and folders for definitions, quarantine
 * files and reports.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PortraitError } from '../errors.js';
import { DuckDBWarehouse } from '../warehouse/duckdb.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { ConfigSchema, newConfig, type Config } from './config.js';
import { schemaStatements } from './ddl.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';

export const DEFAULT_WORKSPACE = './portrait-data';

export interface WorkspacePaths {
  dir: string;
  database: string;
  config: string;
  definitions: string;
  quarantine: string;
  reports: string;
  tmp: string;
}

export function workspacePaths(dir: string): WorkspacePaths {
  const root = resolve(dir);
  return {
    dir: root,
    database: join(root, 'portrait.duckdb'),
    config: join(root, 'portrait.json'),
    definitions: join(root, 'definitions'),
    quarantine: join(root, 'quarantine'),
    reports: join(root, 'reports'),
    tmp: join(root, 'tmp'),
  };
}

/** The workspace folder to use: the explicit option, else PORTRAIT_WORKSPACE, else ./portrait-data. */
export function resolveWorkspaceDir(option?: string): string {
  return option ?? process.env.PORTRAIT_WORKSPACE ?? DEFAULT_WORKSPACE;
}

export class Workspace {
  private constructor(
    readonly paths: WorkspacePaths,
    readonly config: Config,
    readonly wh: Warehouse,
    /** Migrations applied while opening, for the caller to report. */
    readonly migrated: number[],
  ) {}

  /** Creates a workspace; refuses a folder that already holds one. */
  static async init(dir: string): Promise<Workspace> {
    const paths = workspacePaths(dir);
    if (existsSync(paths.config) || existsSync(paths.database)) {
      throw new PortraitError(`${paths.dir} already holds a workspace`, 'open it with --workspace, or choose another folder');
    }
    const createdDir = !existsSync(paths.dir);
    for (const d of [paths.dir, paths.definitions, paths.quarantine, paths.reports, paths.tmp]) {
      mkdirSync(d, { recursive: true });
    }
    const config = newConfig(SCHEMA_VERSION);
    let wh: Warehouse | undefined;
    try {
      wh = await openDatabase(paths, config);
      const opened = wh;
      await opened.transaction(async () => {
        for (const sql of schemaStatements(opened.dialect)) await opened.run(sql);
        await opened.run("INSERT INTO meta VALUES ('schema_version', $1), ('created_at', $2)", [
          String(SCHEMA_VERSION),
          config.createdAt,
        ]);
      });
    } catch (error) {
      await wh?.close();
      // A half-made workspace would be mistaken for a real one later: take back what this call made.
      if (createdDir) rmSync(paths.dir, { recursive: true, force: true });
      else rmSync(paths.database, { force: true });
      throw error;
    }
    writeConfig(paths, config);
    return new Workspace(paths, config, wh, []);
  }

  /** Opens an existing workspace, migrating an older schema. */
  static async open(dir: string): Promise<Workspace> {
    const paths = workspacePaths(dir);
    if (!existsSync(paths.config) || !existsSync(paths.database)) {
      throw new PortraitError(
        `no workspace at ${paths.dir}`,
        `create one with \`portrait init ${dir}\` (or \`portrait demo\`), or point --workspace / PORTRAIT_WORKSPACE at an existing one`,
      );
    }
    const config = readConfig(paths);
    if (config.schemaVersion > SCHEMA_VERSION) {
      throw new PortraitError(
        `workspace ${paths.dir} was written by a newer Portrait (schema version ${config.schemaVersion}; this one knows up to ${SCHEMA_VERSION})`,
        'upgrade Portrait to open it; nothing was changed',
      );
    }
    const wh = await openDatabase(paths, config);
    try {
      const rows = await wh.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
      const stored = Number(rows[0]?.value ?? NaN);
      if (!Number.isInteger(stored)) {
        throw new PortraitError(`workspace ${paths.dir} has no schema version in its database`, 'it is damaged or not a Portrait workspace');
      }
      const applied = await migrate(wh, stored);
      if (applied.length > 0 || config.schemaVersion !== SCHEMA_VERSION) {
        writeConfig(paths, { ...config, schemaVersion: SCHEMA_VERSION });
      }
      return new Workspace(paths, { ...config, schemaVersion: SCHEMA_VERSION }, wh, applied.map((m) => m.version));
    } catch (error) {
      await wh.close();
      throw error;
    }
  }

  /** Opens the workspace, creating it first when it does not exist. */
  static async openOrInit(dir: string): Promise<Workspace> {
    return existsSync(workspacePaths(dir).config) ? Workspace.open(dir) : Workspace.init(dir);
  }

  async close(): Promise<void> {
    await this.wh.close();
  }
}

async function openDatabase(paths: WorkspacePaths, config: Config): Promise<Warehouse> {
  mkdirSync(paths.tmp, { recursive: true });
  try {
    return await DuckDBWarehouse.open(paths.database, {
      memoryLimit: config.defaults.memoryLimit,
      tempDirectory: paths.tmp,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/lock/i.test(message)) {
      throw new PortraitError(`workspace ${paths.dir} is in use by another Portrait process`, 'wait for it to finish, then retry');
    }
    throw new PortraitError(`cannot open the database of workspace ${paths.dir}: ${message}`);
  }
}

function readConfig(paths: WorkspacePaths): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(paths.config, 'utf8'));
  } catch (error) {
    throw new PortraitError(`${paths.config} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PortraitError(`${paths.config}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Written to a temporary file and renamed, so a crash never leaves half a config. */
function writeConfig(paths: WorkspacePaths, config: Config): void {
  const tmp = `${paths.config}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(tmp, paths.config);
}
