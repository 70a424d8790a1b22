/**
 * A segment's recommendations as CSV: `user_id, rank, item_id, score, source, reason_en, reason_zh` for the
 * members who allow targeting (consents purpose targeting, allowed false: left out, as segment exports do),
 * sorted by user then rank. Refuses an audience under the minimum size (defaults.minAudienceSize, as
 * src/segments/audience.ts). Written beside the target and renamed when complete.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { PortraitError } from '../../errors.js';
import { resolve } from 'node:path';
import { consentRefusedSql } from '../../privacy/consent.js';
import { recordAudit } from '../../privacy/audit.js';
import type { Workspace } from '../../workspace/workspace.js';
import type { Relation } from '../algorithms/types.js';
import { Params } from '../sources/sql.js';
import { recommendationsTrained } from './read.js';
import { RECS_TABLE } from './train.js';

export interface RecommendationsExport {
  file: string;
  users: number;
  rows: number;
  /** Members left out because they opted out of targeting. */
  optedOut: number;
}

export async function exportRecommendations(
  ws: Workspace,
  segmentUsers: Relation,
  out: string,
  options: { n?: number; minSize?: number; /** What the audit log calls the audience, e.g. the segment's name. */ subject?: string } = {},
): Promise<RecommendationsExport> {
  if (!(await recommendationsTrained(ws))) throw new PortraitError('recommendations have not been trained', 'run portrait recs train first');
  const n = options.n ?? 50;
  const minSize = options.minSize ?? ws.config.defaults.minAudienceSize;
  const p = new Params();
  const members = p.nest(segmentUsers);
  // An export acts now: the users' latest choices decide.
  const audience = `SELECT DISTINCT user_id FROM (${members}) m WHERE user_id NOT IN (${consentRefusedSql('targeting', null)})`;
  const [counts] = await ws.wh.query<{ members: number; allowed: number }>(
    `SELECT (SELECT count(DISTINCT user_id) FROM (${members})) AS members, (SELECT count(*) FROM (${audience})) AS allowed`,
    p.values,
  );
  const users = Number(counts!.allowed);
  const optedOut = Number(counts!.members) - users;
  if (users < minSize) {
    throw new PortraitError(
      `the segment has ${users} user${users === 1 ? '' : 's'} who allow targeting${optedOut ? ` (${optedOut} opted out)` : ''}; an export needs at least ${minSize}`,
      'small audiences can single people out: widen the segment, or change defaults.minAudienceSize in portrait.json',
    );
  }
  const temp = `${out}.partial`;
  const nP = p.value(n);
  const fileP = p.value(temp);
  try {
    const rows = await ws.wh.run(
      `COPY (SELECT r.user_id, r.rank, r.item_id, round(r.score, 6) AS score, r.source, r.reason_en, r.reason_zh
             FROM ${RECS_TABLE} r SEMI JOIN (${audience}) a ON a.user_id = r.user_id
             WHERE r.rank <= ${nP} ORDER BY r.user_id, r.rank) TO ${fileP} (FORMAT csv, HEADER)`,
      p.values,
    );
    // The audit entry and the file appear together: a failed rename rolls the entry back.
    await ws.wh.transaction(async () => {
      await recordAudit(ws, {
        action: 'export',
        subject: `recommendations: ${options.subject ?? 'audience'}`,
        rows,
        file: resolve(out),
        details: { kind: 'recommendations', users, per_user: n, opted_out: optedOut, min_size: minSize },
      });
      renameSync(temp, out);
    });
    return { file: out, users, rows, optedOut };
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
  }
}
