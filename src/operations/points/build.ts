/**
 * The points build stage: every user's ledger as of a time into `points_ledger` (one row per entry) and
 * their balances into `user_points`. Ledgers are replayed in TypeScript (a first-in, first-out lot ledger
 * does not fit one set-based query), written to CSV files in the workspace's tmp folder, read by the
 * engine into staging tables, and swapped in inside one transaction: a failure leaves the previous tables.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { requireAsOf } from '../../analytics/as-of.js';
import type { Workspace } from '../../workspace/workspace.js';
import type { LedgerEntry } from './ledger.js';
import { replayLedgers } from './points.js';
import { resolveRules, type IncentiveRules } from './rules.js';

export const POINTS_TABLE = 'user_points';
export const POINTS_LEDGER_TABLE = 'points_ledger';
export const POINTS_BUILDS_TABLE = 'points_builds';

const USER_COLUMNS = {
  user_id: 'BIGINT', earned: 'BIGINT', redeemed: 'BIGINT', unfunded: 'BIGINT', expired: 'BIGINT', balance: 'BIGINT',
  value_yuan: 'DOUBLE', next_expiry_at: 'TIMESTAMP', next_expiry_points: 'BIGINT',
} as const;
const LEDGER_COLUMNS = {
  user_id: 'BIGINT', seq: 'INTEGER', ts: 'TIMESTAMP', kind: 'VARCHAR', source: 'VARCHAR', ref: 'VARCHAR', points: 'BIGINT',
  requested: 'BIGINT', unfunded: 'BIGINT', expires_at: 'TIMESTAMP', balance: 'BIGINT',
} as const;

const time = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace('Z', '') : '');

/** Lines appended to a file in chunks of about a megabyte. */
class CsvWriter {
  private fd: number;
  private chunk = '';
  rows = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  line(cells: (string | number)[]): void {
    this.chunk += `${cells.join(',')}\n`;
    this.rows++;
    if (this.chunk.length > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.chunk) writeSync(this.fd, this.chunk);
    this.chunk = '';
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function ledgerLine(userId: number, seq: number, e: LedgerEntry): (string | number)[] {
  // Refs are ids (digits only), so no cell needs quoting.
  return [userId, seq, time(e.ts), e.kind, e.source, e.ref ?? '', e.points, e.requested ?? '', e.unfunded, time(e.expiresAt), e.balance];
}

function readCsv(columns: Record<string, string>): string {
  const spec = Object.entries(columns).map(([k, t]) => `'${k}': '${t}'`).join(', ');
  return `read_csv($1, header = false, delim = ',', quote = '', escape = '', nullstr = '', columns = {${spec}})`;
}

export interface PointsBuildReport {
  asOf: Date;
  /** Users with a ledger, and ledger entries. */
  rows: number;
  entries: number;
  balance: number;
  seconds: number;
}

/** `rules` default: the workspace's stored "default" rules, else the built-in ones. */
export async function buildPoints(ws: Workspace, options: { asOf?: Date; rules?: IncentiveRules; rowsPerPart?: number } = {}): Promise<PointsBuildReport> {
  const started = Date.now();
  const { wh } = ws;
  const rules = options.rules ?? resolveRules(ws);
  const asOf = await requireAsOf(wh, options.asOf, 'points');
  const usersFile = join(ws.paths.tmp, 'points-users.csv');
  const ledgerFile = join(ws.paths.tmp, 'points-ledger.csv');
  const users = new CsvWriter(usersFile);
  const ledger = new CsvWriter(ledgerFile);
  const yuanPerPoint = rules.points.redeem.yuanPerPoint;
  let balance = 0;
  const staging = { users: `${POINTS_TABLE}_staging`, ledger: `${POINTS_LEDGER_TABLE}_staging` };
  try {
    try {
      await replayLedgers(ws, rules, asOf, (userId, l) => {
        l.entries.forEach((e, i) => ledger.line(ledgerLine(userId, i + 1, e)));
        const t = l.totals;
        balance += t.balance;
        users.line([userId, t.earned, t.redeemed, t.unfunded, t.expired, t.balance, Math.round(t.balance * yuanPerPoint * 100) / 100, time(t.nextExpiry?.at ?? null), t.nextExpiry?.points ?? '']);
      }, options.rowsPerPart);
    } finally {
      users.close();
      ledger.close();
    }
    const cols = (c: Record<string, string>) => Object.entries(c).map(([k, t]) => `${k} ${t}`).join(', ');
    await wh.run(`CREATE OR REPLACE TABLE ${staging.users} (${cols(USER_COLUMNS)}, as_of TIMESTAMP)`);
    await wh.run(`CREATE OR REPLACE TABLE ${staging.ledger} (${cols(LEDGER_COLUMNS)})`);
    if (users.rows) await wh.run(`INSERT INTO ${staging.users} SELECT *, CAST($2 AS TIMESTAMP) FROM ${readCsv(USER_COLUMNS)} ORDER BY user_id`, [usersFile, asOf]);
    if (ledger.rows) await wh.run(`INSERT INTO ${staging.ledger} SELECT * FROM ${readCsv(LEDGER_COLUMNS)} ORDER BY user_id, seq`, [ledgerFile]);
    await wh.transaction(async () => {
      for (const [table, stage] of [[POINTS_TABLE, staging.users], [POINTS_LEDGER_TABLE, staging.ledger]] as const) {
        await wh.run(`DROP TABLE IF EXISTS ${table}`);
        await wh.run(`ALTER TABLE ${stage} RENAME TO ${table}`);
      }
      await wh.run(`CREATE OR REPLACE TABLE ${POINTS_BUILDS_TABLE} (as_of TIMESTAMP, rules VARCHAR, users BIGINT, entries BIGINT)`);
      await wh.run(`INSERT INTO ${POINTS_BUILDS_TABLE} VALUES ($1, $2, $3, $4)`, [asOf, JSON.stringify(rules), users.rows, ledger.rows]);
    });
    return { asOf, rows: users.rows, entries: ledger.rows, balance, seconds: (Date.now() - started) / 1000 };
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${staging.users}`);
    await wh.run(`DROP TABLE IF EXISTS ${staging.ledger}`);
    rmSync(usersFile, { force: true });
    rmSync(ledgerFile, { force: true });
  }
}
