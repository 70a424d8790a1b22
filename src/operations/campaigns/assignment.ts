/**
 * Deterministic assignment to treatment or holdout. A user's bucket is the first 8 bytes of
 * sha256(campaign_id || ':' || user_id) (the user id written in decimal) read as an unsigned 64-bit
 * integer; the user is held out when bucket / 2^64 < holdout, which is computed exactly as
 * bucket < ceil(holdout x 2^64). The same user gets the same arm in every run, on every machine and in any
 * tool that can compute SHA-256, and different campaigns split independently. It runs in the engine: a
 * million users take about a second.
 *
 * `assignCampaign` stores the split (campaign_assignments, written through a staging table inside one
 * transaction) so an evaluation reads the audience as it was at the start even if the portrait moves on.
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { embedSql } from '../../analytics/funnel/relation.js';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import { tableExists } from '../../tags/values/build.js';
import type { Dialect } from '../../warehouse/dialect.js';
import type { SqlValue, Warehouse } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { compileAudience, loadRegistries, type AudienceRegistries } from './audience.js';
import type { CampaignDefinition } from './definition.js';
import { CampaignRegistry } from './registry.js';
import { sampleRatioCheck, type SampleRatioCheck } from '../stats.js';
import { consentRefusedSql } from '../../privacy/consent.js';
import { recordAudit } from '../../privacy/audit.js';

export const ASSIGNMENTS_TABLE = 'campaign_assignments';
export const ASSIGNMENT_RUNS_TABLE = 'campaign_assignment_runs';
const STAGING = 'campaign_assignments_staging';

export const ARMS = ['treatment', 'holdout'] as const;
export type Arm = (typeof ARMS)[number];

/** The bucket of a user as a UBIGINT expression: the first 8 bytes of sha256(campaign || ':' || user). */
export function bucketSql(dialect: Dialect, campaignIdSql: string, userIdSql: string): string {
  return `CAST('0x' || left(${dialect.sha256Hex(`${campaignIdSql} || ':' || CAST(${userIdSql} AS VARCHAR)`)}, 16) AS UBIGINT)`;
}

/** The bucket in TypeScript (the reference the SQL is tested against, and what an outside tool computes). */
export function bucketOf(campaignId: string, userId: number | bigint | string): bigint {
  return BigInt(`0x${createHash('sha256').update(`${campaignId}:${String(userId)}`).digest('hex').slice(0, 16)}`);
}

/**
 * ceil(share x 2^64), exactly: a bucket below it is held out (bucket / 2^64 < share). A double is
 * mantissa x 2^exponent, so the product is computed in whole numbers without rounding.
 */
export function holdoutThreshold(share: number): bigint {
  if (!(share > 0 && share < 1)) throw new RangeError(`holdout share must be between 0 and 1 (got ${share})`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, share);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const shift = (biased === 0 ? 1 : biased) - 1075 + 64;
  if (shift >= 0) return mantissa << BigInt(shift);
  const divisor = 1n << BigInt(-shift);
  return (mantissa + divisor - 1n) / divisor;
}

export function armOf(campaignId: string, userId: number | bigint | string, holdout: number): Arm {
  return bucketOf(campaignId, userId) < holdoutThreshold(holdout) ? 'holdout' : 'treatment';
}

/** What the stored split depends on: a different audience, holdout or start makes it stale. */
export function assignmentFingerprint(def: CampaignDefinition): string {
  return createHash('sha256').update(JSON.stringify({ id: def.id, audience: def.audience, holdout: def.holdout, from: def.period.from })).digest('hex');
}

/** SELECT user_id, arm (and bucket) of every audience member; parameters from $1. */
export interface AssignmentRelation {
  sql: string;
  params: SqlValue[];
  /** stored: read from campaign_assignments; computed: taken now from the definition. */
  source: 'stored' | 'computed';
  audienceAsOf: Date;
  portraitAsOf: Date | null;
  plannedHoldout: number;
  notes: string[];
}

/** SELECT user_id, arm, bucket over `membersSql` (SELECT user_id ...), binding the campaign id and threshold into `p`. */
function splitSql(ws: Workspace, def: CampaignDefinition, membersSql: string, p: SqlParams): string {
  const bucket = bucketSql(ws.wh.dialect, `CAST(${p.bind(def.id)} AS VARCHAR)`, 'user_id');
  return `SELECT CAST(user_id AS BIGINT) AS user_id,
      CASE WHEN bucket < CAST(${p.bind(holdoutThreshold(def.holdout).toString())} AS UBIGINT) THEN 'holdout' ELSE 'treatment' END AS arm, bucket
    FROM (SELECT user_id, ${bucket} AS bucket FROM (${membersSql}))`;
}

/** The split computed from the definition (nothing stored). */
export async function computedAssignment(ws: Workspace, def: CampaignDefinition, registries: AudienceRegistries = loadRegistries(ws)): Promise<AssignmentRelation> {
  const audience = await compileAudience(ws, def, registries);
  const p = new SqlParams();
  const sql = splitSql(ws, def, embedSql(audience.sql, audience.params, p), p);
  return { sql, params: p.values, source: 'computed', audienceAsOf: audience.asOf, portraitAsOf: audience.portraitAsOf, plannedHoldout: def.holdout, notes: audience.notes };
}

interface RunRow {
  fingerprint: string;
  holdout: number;
  audience_as_of: Date;
  portrait_as_of: Date | null;
}

async function storedRun(wh: Warehouse, id: string): Promise<RunRow | undefined> {
  if (!(await tableExists(wh, ASSIGNMENT_RUNS_TABLE))) return undefined;
  const rows = await wh.query<RunRow>(`SELECT fingerprint, holdout, audience_as_of, portrait_as_of FROM ${ASSIGNMENT_RUNS_TABLE} WHERE campaign_id = $1`, [id]);
  return rows[0];
}

/** The stored split when there is one (refusing a stale one), else the split computed now. */
export async function campaignAssignment(ws: Workspace, def: CampaignDefinition): Promise<AssignmentRelation> {
  const run = await storedRun(ws.wh, def.id);
  if (!run) return computedAssignment(ws, def);
  if (run.fingerprint !== assignmentFingerprint(def)) {
    throw new PortraitError(
      `campaign "${def.id}" changed (audience, holdout or start) since its split was stored`,
      `store the new split with portrait campaign assign ${def.id}`,
    );
  }
  const notes: string[] = [];
  if (run.portrait_as_of && run.portrait_as_of.getTime() > run.audience_as_of.getTime()) {
    notes.push('the stored audience read a portrait built after the campaign started: tags may already show the campaign itself');
  }
  return {
    sql: `SELECT user_id, arm, bucket FROM ${ASSIGNMENTS_TABLE} WHERE campaign_id = $1`,
    params: [def.id],
    source: 'stored',
    audienceAsOf: run.audience_as_of,
    portraitAsOf: run.portrait_as_of,
    plannedHoldout: run.holdout,
    notes,
  };
}

export interface AssignmentReport {
  campaign: string;
  audienceAsOf: Date;
  portraitAsOf: Date | null;
  users: number;
  treatment: number;
  holdout: number;
  plannedHoldout: number;
  /** Condition members known by the start who were left out because they refused targeting. */
  optedOut: number;
  /** The split against the plan (a mismatch here means the hash or the data is broken). */
  sampleRatio: SampleRatioCheck;
  /** The file written with --out, or null. */
  out: string | null;
  notes: string[];
}

export interface AssignOptions {
  /** Also write user_id, arm to this .csv or .parquet file. */
  out?: string | undefined;
  /** Smallest audience an --out file may hold (default: the workspace's defaults.minAudienceSize). */
  minSize?: number | undefined;
}

/**
 * Takes the audience as of the start, splits it and stores the split (replacing this campaign's earlier
 * one in one transaction); with `out`, also writes user_id, arm to a file (written beside it and renamed).
 */
export async function assignCampaign(ws: Workspace, campaign: string | CampaignDefinition, options: AssignOptions = {}): Promise<AssignmentReport> {
  const def = typeof campaign === 'string' ? CampaignRegistry.load(ws).require(campaign) : campaign;
  const format = options.out === undefined ? undefined : { '.csv': 'csv', '.parquet': 'parquet' }[extname(options.out).toLowerCase()];
  if (options.out !== undefined && !format) throw new PortraitError(`cannot write the split to ${options.out}`, 'name a .csv or .parquet file');
  // One pass over the audience with the users who refused targeting kept and marked, so they can be
  // counted without taking the audience twice; only the others are split.
  const everyone = await compileAudience(ws, def, loadRegistries(ws), true);
  const p = new SqlParams();
  const staged = `SELECT CAST(${p.bind(def.id)} AS VARCHAR) AS campaign_id, user_id, arm, bucket,
      user_id IN (${consentRefusedSql('targeting', null)}) AS opted_out
    FROM (${splitSql(ws, def, embedSql(everyone.sql, everyone.params, p), p)})`;
  const { wh } = ws;
  // The split is computed outside the transaction (the engine reads a table made inside one on one
  // thread only); the swap into campaign_assignments is one transaction, so a failure leaves the old split.
  await wh.run(`CREATE OR REPLACE TABLE ${STAGING} AS ${staged}`, p.values);
  // A failed swap must not leave the staged split (a list of user ids) behind.
  const counts = await wh.transaction(async () => {
    await wh.run(`CREATE TABLE IF NOT EXISTS ${ASSIGNMENTS_TABLE} (campaign_id VARCHAR, user_id BIGINT, arm VARCHAR, bucket UBIGINT)`);
    await wh.run(`CREATE TABLE IF NOT EXISTS ${ASSIGNMENT_RUNS_TABLE} (campaign_id VARCHAR, fingerprint VARCHAR, holdout DOUBLE,
      audience_as_of TIMESTAMP, portrait_as_of TIMESTAMP, users BIGINT, treatment BIGINT, holdout_users BIGINT, opted_out BIGINT)`);
    await wh.run(`DELETE FROM ${ASSIGNMENTS_TABLE} WHERE campaign_id = $1`, [def.id]);
    await wh.run(`INSERT INTO ${ASSIGNMENTS_TABLE} SELECT campaign_id, user_id, arm, bucket FROM ${STAGING} WHERE NOT opted_out`);
    const [c] = await wh.query<{ treatment: number; holdout: number; opted_out: number }>(
      `SELECT count(*) FILTER (WHERE arm = 'treatment' AND NOT opted_out) AS treatment, count(*) FILTER (WHERE arm = 'holdout' AND NOT opted_out) AS holdout,
         count(*) FILTER (WHERE opted_out) AS opted_out FROM ${STAGING}`,
    );
    const treatment = Number(c?.treatment ?? 0);
    const holdout = Number(c?.holdout ?? 0);
    const optedOut = Number(c?.opted_out ?? 0);
    await wh.run(`DELETE FROM ${ASSIGNMENT_RUNS_TABLE} WHERE campaign_id = $1`, [def.id]);
    await wh.run(`INSERT INTO ${ASSIGNMENT_RUNS_TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      def.id, assignmentFingerprint(def), def.holdout, everyone.asOf, everyone.portraitAsOf, treatment + holdout, treatment, holdout, optedOut,
    ]);
    await wh.run(`DROP TABLE ${STAGING}`);
    return { treatment, holdout, optedOut };
  }).finally(() => wh.run(`DROP TABLE IF EXISTS ${STAGING}`));
  const users = counts.treatment + counts.holdout;
  const report: AssignmentReport = {
    campaign: def.id,
    audienceAsOf: everyone.asOf,
    portraitAsOf: everyone.portraitAsOf,
    users,
    treatment: counts.treatment,
    holdout: counts.holdout,
    plannedHoldout: def.holdout,
    optedOut: counts.optedOut,
    sampleRatio: sampleRatioCheck(counts.treatment, counts.holdout, def.holdout),
    out: null,
    notes: everyone.notes,
  };
  if (options.out !== undefined && format) {
    const minSize = options.minSize ?? ws.config.defaults.minAudienceSize;
    if (users < minSize) {
      throw new PortraitError(
        `campaign "${def.id}" has ${users} user${users === 1 ? '' : 's'} in its audience; an exported split needs at least ${minSize} (the split is stored, the file was not written)`,
        'small audiences can single people out: widen the audience, or change defaults.minAudienceSize in portrait.json (or --min-size)',
      );
    }
    const temp = `${options.out}.partial`;
    try {
      await wh.run(
        `COPY (SELECT user_id, arm FROM ${ASSIGNMENTS_TABLE} WHERE campaign_id = $1 ORDER BY user_id) TO $2 (FORMAT ${format}${format === 'csv' ? ', HEADER true' : ''})`,
        [def.id, temp],
      );
      // The audit entry and the file appear together: a failed rename rolls the entry back.
      const out = options.out;
      await wh.transaction(async () => {
        await recordAudit(ws, { action: 'export', subject: `campaign ${def.id}`, rows: users, file: resolve(out), details: { kind: 'campaign split', format, min_size: minSize } });
        renameSync(temp, out);
      });
    } finally {
      if (existsSync(temp)) rmSync(temp, { force: true });
    }
    report.out = options.out;
  }
  return report;
}
