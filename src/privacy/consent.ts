/**
 * Consent per user and purpose: the one definition of who may be targeted or personalised as of a time,
 * as SQL other modules embed, and the commands' reads and writes of the consents table.
 *
 * As of T, for a purpose:
 * - no choice recorded: allowed (the default);
 * - a refusal (allowed false, or unknown): not allowed, whenever it was recorded. An opt-out applies to
 *   every run from the moment it is stored, also to runs as of an earlier time;
 * - an allow recorded at or before T (or with no time): allowed;
 * - an allow recorded after T: not allowed as of T. The table keeps only the latest choice, so what held
 *   at T is unknown, and the unknown is treated as a refusal.
 * A later choice therefore changes the answer for an earlier T only when it is an opt-out.
 */
import { resolveAsOf } from '../analytics/as-of.js';
import { PortraitError } from '../errors.js';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../model/enums.js';
import type { Workspace } from '../workspace/workspace.js';
import { recordAudit, userSubject } from './audit.js';

export { CONSENT_PURPOSES, type ConsentPurpose };

function purposeLiteral(purpose: ConsentPurpose): string {
  // The purpose is one of a closed list, checked here, so it can stand in the SQL as a literal.
  if (!(CONSENT_PURPOSES as readonly string[]).includes(purpose)) {
    throw new PortraitError(`unknown consent purpose "${String(purpose)}"`, `expected one of ${CONSENT_PURPOSES.join(', ')}`);
  }
  return `'${purpose}'`;
}

/** The condition on a consents row (aliased `alias`) that keeps its user out of `purpose` as of `asOf`. */
function refusesSql(alias: string, asOf: string | null): string {
  const late = asOf === null ? '' : ` OR ${alias}.updated_at > CAST(${asOf} AS TIMESTAMP)`;
  return `(${alias}.allowed IS NOT TRUE${late})`;
}

/**
 * SQL that is true when the user whose id is the expression `user` may be used for `purpose` as of the
 * time in the SQL expression `asOf` (a bound parameter such as `$3`; null: the latest choices, whenever
 * made). Embed it in a WHERE clause: `WHERE ${consentAllowsSql('m.user_id', 'targeting', '$2')}`.
 */
export function consentAllowsSql(user: string, purpose: ConsentPurpose, asOf: string | null): string {
  return `NOT EXISTS (SELECT 1 FROM consents pc WHERE pc.user_id = ${user} AND pc.purpose = ${purposeLiteral(purpose)} AND ${refusesSql('pc', asOf)})`;
}

/** The users who may not be used for `purpose` as of `asOf` (same rule), as a relation with one column, user_id. */
export function consentRefusedSql(purpose: ConsentPurpose, asOf: string | null): string {
  return `SELECT DISTINCT pc.user_id FROM consents pc WHERE pc.user_id IS NOT NULL AND pc.purpose = ${purposeLiteral(purpose)} AND ${refusesSql('pc', asOf)}`;
}

export interface ConsentState {
  purpose: ConsentPurpose;
  /** The stored choice: true, false, or null when none is recorded. */
  choice: boolean | null;
  updatedAt: Date | null;
  /** Whether the user may be used for the purpose as of `asOf`. */
  allowed: boolean;
  /** Why, in words. */
  reason: string;
}

export interface UserConsent {
  userId: number;
  asOf: Date | null;
  purposes: ConsentState[];
}

function reasonFor(choice: boolean | null, updatedAt: Date | null, allowed: boolean): string {
  if (choice === null) return 'no choice recorded: allowed by default';
  if (!choice) return 'refused';
  return allowed ? 'allowed' : 'allowed only after the as-of time';
}

/** A user's choices and what they mean as of `asOf` (default: the newest event). */
export async function userConsent(ws: Workspace, userId: number, options: { asOf?: Date } = {}): Promise<UserConsent> {
  const asOf = await resolveAsOf(ws.wh, options.asOf);
  const purposes: ConsentState[] = [];
  for (const purpose of CONSENT_PURPOSES) {
    const [row] = await ws.wh.query<{ choice: boolean | null; updated_at: Date | null; allowed: boolean }>(
      `SELECT (SELECT any_value(allowed) FROM consents WHERE user_id = $1 AND purpose = ${purposeLiteral(purpose)}) AS choice,
              (SELECT max(updated_at) FROM consents WHERE user_id = $1 AND purpose = ${purposeLiteral(purpose)}) AS updated_at,
              ${consentAllowsSql('CAST($1 AS BIGINT)', purpose, '$2')} AS allowed`,
      [userId, asOf],
    );
    const choice = row!.choice ?? null;
    purposes.push({ purpose, choice, updatedAt: row!.updated_at ?? null, allowed: row!.allowed, reason: reasonFor(choice, row!.updated_at ?? null, row!.allowed) });
  }
  return { userId, asOf, purposes };
}

export interface ConsentChange {
  userId: number;
  purpose: ConsentPurpose;
  allowed: boolean;
  /** When the choice was made, platform local time. */
  updatedAt: Date;
  previous: { allowed: boolean | null; updatedAt: Date | null } | null;
}

/** The platform's local wall-clock time now (times are stored as local time; utcOffsetHours). */
export function localNow(ws: Workspace): Date {
  const ms = Date.now() + ws.config.utcOffsetHours * 3600_000;
  return new Date(Math.floor(ms / 1000) * 1000);
}

/**
 * Records a user's choice for a purpose (replacing the stored one) and writes it to the audit log, in one
 * transaction. `at` is when the choice was made (platform local time; default now).
 */
export async function setConsent(ws: Workspace, userId: number, purpose: ConsentPurpose, allowed: boolean, options: { at?: Date } = {}): Promise<ConsentChange> {
  const literal = purposeLiteral(purpose);
  const at = options.at ?? localNow(ws);
  if (Number.isNaN(at.getTime())) throw new PortraitError('consent time is not a valid date');
  return ws.wh.transaction(async () => {
    const [before] = await ws.wh.query<{ allowed: boolean | null; updated_at: Date | null }>(
      `SELECT allowed, updated_at FROM consents WHERE user_id = $1 AND purpose = ${literal} ORDER BY updated_at DESC NULLS LAST LIMIT 1`,
      [userId],
    );
    await ws.wh.run(`DELETE FROM consents WHERE user_id = $1 AND purpose = ${literal}`, [userId]);
    await ws.wh.run(`INSERT INTO consents (user_id, purpose, allowed, updated_at) VALUES ($1, ${literal}, $2, CAST($3 AS TIMESTAMP))`, [userId, allowed, at]);
    const previous = before ? { allowed: before.allowed, updatedAt: before.updated_at } : null;
    await recordAudit(ws, {
      action: 'consent',
      subject: await userSubject(ws, userId),
      rows: 1,
      details: { purpose, allowed, updated_at: at.toISOString(), previous: previous && { allowed: previous.allowed, updated_at: previous.updatedAt?.toISOString() ?? null } },
    });
    return { userId, purpose, allowed, updatedAt: at, previous };
  });
}

export interface ConsentSummaryRow {
  purpose: ConsentPurpose;
  /** Known users: declared profiles, event actors up to as-of, and anyone with a recorded choice. */
  users: number;
  /** No choice recorded (allowed by default). */
  noChoice: number;
  /** An allow recorded at or before as-of. */
  allowedChoice: number;
  /** A refusal. */
  refused: number;
  /** An allow recorded after as-of (not allowed as of then). */
  allowedLater: number;
  /** Who may be used as of as-of: noChoice + allowedChoice. */
  allowed: number;
}

export interface ConsentSummary {
  asOf: Date | null;
  purposes: ConsentSummaryRow[];
}

/** Counts per purpose as of `asOf` (default: the newest event). */
export async function consentSummary(ws: Workspace, options: { asOf?: Date } = {}): Promise<ConsentSummary> {
  const asOf = await resolveAsOf(ws.wh, options.asOf);
  const purposes: ConsentSummaryRow[] = [];
  for (const purpose of CONSENT_PURPOSES) {
    const [row] = await ws.wh.query<Record<string, number>>(
      `WITH people AS (
         SELECT user_id FROM users WHERE user_id IS NOT NULL
         UNION SELECT user_id FROM events WHERE user_id IS NOT NULL AND ($1::TIMESTAMP IS NULL OR ts <= $1)
         UNION SELECT user_id FROM consents WHERE user_id IS NOT NULL),
       choice AS (
         SELECT user_id, bool_or(allowed IS NOT TRUE) AS refused, max(updated_at) AS updated_at
         FROM consents WHERE purpose = ${purposeLiteral(purpose)} GROUP BY user_id)
       SELECT count(*) AS users,
              count(*) FILTER (WHERE c.user_id IS NULL) AS no_choice,
              count(*) FILTER (WHERE c.refused) AS refused,
              count(*) FILTER (WHERE NOT c.refused AND $1::TIMESTAMP IS NOT NULL AND c.updated_at > $1) AS allowed_later,
              count(*) FILTER (WHERE ${consentAllowsSql('p.user_id', purpose, '$1')}) AS allowed
       FROM people p LEFT JOIN choice c ON c.user_id = p.user_id`,
      [asOf],
    );
    const r = row!;
    const allowed = Number(r.allowed);
    const noChoice = Number(r.no_choice);
    purposes.push({
      purpose,
      users: Number(r.users),
      noChoice,
      allowedChoice: allowed - noChoice,
      refused: Number(r.refused),
      allowedLater: Number(r.allowed_later),
      allowed,
    });
  }
  return { asOf, purposes };
}
