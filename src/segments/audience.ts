/**
 * What a segment is: its size and a short portrait of its members (gender, age band, city, top
 * interests), each value compared with all known users as a TGI index; and its export, which refuses
 * audiences below the minimum size, never contains a user who opted out of targeting, and is recorded in
 * the audit log.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { consentRefusedSql } from '../privacy/consent.js';
import { extname, resolve } from 'node:path';
import { PortraitError } from '../errors.js';
import { recordAudit } from '../privacy/audit.js';
import type { SqlValue } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { KNOWN_USERS_TABLE, TAG_VALUES_TABLE } from '../tags/values/build.js';
import type { SegmentDefinition } from './definition.js';
import { compileSegment, SegmentRegistry, type CompiledSegment } from './registry.js';

export interface ValueShare {
  value: string;
  /** A readable name for the value where one is known (a category's name). */
  label?: string;
  /** Members with this value, and their share of the members that have a value of the tag. */
  members: number;
  share: number;
  /** The same share among all known users. */
  allShare: number;
  /** Target group index: 100 x share / allShare (above 100: over-represented in the segment). */
  tgi: number | null;
}

export interface SegmentSize {
  name: string;
  asOf: Date;
  users: number;
  knownUsers: number;
  profile: { gender: ValueShare[]; ageBand: ValueShare[]; city: ValueShare[]; interests: ValueShare[] };
}

async function shares(ws: Workspace, members: CompiledSegment, tag: string, list: boolean, limit: number): Promise<ValueShare[]> {
  const p = members.params.length;
  const values = list
    ? `SELECT user_id, unnest(lst) AS value FROM ${TAG_VALUES_TABLE} WHERE tag = $${p + 1}`
    : `SELECT user_id, coalesce(txt, CAST(num AS VARCHAR)) AS value FROM ${TAG_VALUES_TABLE} WHERE tag = $${p + 1}`;
  const rows = await ws.wh.query<{ value: string; members: number; all_users: number; members_with: number; all_with: number }>(
    `WITH m AS (${members.sql}), v AS MATERIALIZED (${values}),
     withv AS (SELECT DISTINCT user_id FROM v),
     totals AS (SELECT (SELECT count(*) FROM withv JOIN m USING (user_id)) AS members_with, (SELECT count(*) FROM withv) AS all_with),
     seg AS (SELECT v.value, count(DISTINCT v.user_id) AS n FROM v JOIN m USING (user_id) GROUP BY 1),
     pop AS (SELECT value, count(DISTINCT user_id) AS n FROM v GROUP BY 1)
     SELECT pop.value, coalesce(seg.n, 0) AS members, pop.n AS all_users, totals.members_with, totals.all_with
     FROM pop CROSS JOIN totals LEFT JOIN seg ON seg.value = pop.value
     ORDER BY members DESC, pop.value LIMIT ${limit}`,
    [...members.params, tag],
  );
  return rows
    .filter((r) => Number(r.members) > 0)
    .map((r) => {
      const share = Number(r.members_with) ? Number(r.members) / Number(r.members_with) : 0;
      const allShare = Number(r.all_with) ? Number(r.all_users) / Number(r.all_with) : 0;
      return { value: r.value, members: Number(r.members), share, allShare, tgi: allShare > 0 ? (100 * share) / allShare : null };
    });
}

/** Category ids with their names from the category tree, where it names them. */
async function withCategoryNames(ws: Workspace, rows: ValueShare[]): Promise<ValueShare[]> {
  if (!rows.length) return rows;
  const names = await ws.wh.query<{ id: string; name: string }>(
    `SELECT CAST(category_id AS VARCHAR) AS id, name FROM categories WHERE name IS NOT NULL AND CAST(category_id AS VARCHAR) IN (${rows.map((_, i) => `$${i + 1}`).join(', ')})`,
    rows.map((r) => r.value),
  );
  const byId = new Map(names.map((n) => [n.id, n.name]));
  return rows.map((r) => (byId.has(r.value) ? { ...r, label: byId.get(r.value)! } : r));
}

export async function segmentSize(ws: Workspace, segment: string | SegmentDefinition, options: { profile?: boolean } = {}): Promise<SegmentSize> {
  const compiled = await compileSegment(ws, segment);
  const name = typeof segment === 'string' ? segment : segment.name;
  const [row] = await ws.wh.query<{ users: number; known: number }>(
    `SELECT (SELECT count(*) FROM (${compiled.sql})) AS users, (SELECT count(*) FROM ${KNOWN_USERS_TABLE}) AS known`,
    compiled.params,
  );
  const size: SegmentSize = {
    name,
    asOf: compiled.asOf,
    users: Number(row!.users),
    knownUsers: Number(row!.known),
    profile: { gender: [], ageBand: [], city: [], interests: [] },
  };
  if (options.profile !== false && size.users > 0) {
    size.profile = {
      gender: await shares(ws, compiled, 'gender', false, 5),
      ageBand: await shares(ws, compiled, 'age_band', false, 10),
      city: await shares(ws, compiled, 'city', false, 5),
      interests: await withCategoryNames(ws, await shares(ws, compiled, 'top_categories', true, 5)),
    };
  }
  return size;
}

export interface SegmentExport {
  name: string;
  file: string;
  asOf: Date;
  users: number;
  /** Members left out because they opted out of targeting. */
  optedOut: number;
}

/**
 * Writes the members who allow targeting to `out` (.csv or .parquet): written beside it and renamed, so a
 * failure leaves no half file. Refuses an audience smaller than the minimum (workspace
 * defaults.minAudienceSize unless `minSize` is given).
 */
export async function exportSegment(ws: Workspace, name: string, out: string, options: { minSize?: number } = {}): Promise<SegmentExport> {
  const format = { '.csv': 'csv', '.parquet': 'parquet' }[extname(out).toLowerCase()];
  if (!format) throw new PortraitError(`cannot export to ${out}`, 'name a .csv or .parquet file');
  const registry = SegmentRegistry.load(ws);
  const compiled = await compileSegment(ws, name, registry);
  const minSize = options.minSize ?? ws.config.defaults.minAudienceSize;
  const p = compiled.params.length;
  const audience = `SELECT user_id FROM (${compiled.sql}) WHERE user_id NOT IN (${consentRefusedSql('targeting', null)})`;
  const [counts] = await ws.wh.query<{ members: number; allowed: number }>(
    `SELECT (SELECT count(*) FROM (${compiled.sql})) AS members, (SELECT count(*) FROM (${audience})) AS allowed`,
    compiled.params,
  );
  const users = Number(counts!.allowed);
  const optedOut = Number(counts!.members) - users;
  if (users < minSize) {
    throw new PortraitError(
      `segment "${name}" has ${users} user${users === 1 ? '' : 's'} who allow targeting${optedOut ? ` (${optedOut} opted out)` : ''}; an exported audience needs at least ${minSize}`,
      'small audiences can single people out: widen the segment, or change defaults.minAudienceSize in portrait.json',
    );
  }
  const temp = `${out}.partial`;
  const params: SqlValue[] = [...compiled.params, temp];
  try {
    await ws.wh.run(`COPY (${audience} ORDER BY user_id) TO $${p + 1} (FORMAT ${format})`, params);
    // The audit entry and the file appear together: a failed rename rolls the entry back.
    await ws.wh.transaction(async () => {
      await recordAudit(ws, { action: 'export', subject: name, rows: users, file: resolve(out), details: { format, as_of: compiled.asOf.toISOString(), opted_out: optedOut, min_size: minSize } });
      renameSync(temp, out);
    });
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
  }
  return { name, file: out, asOf: compiled.asOf, users, optedOut };
}
