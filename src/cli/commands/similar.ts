/**
 * `portrait similar USER_ID` (the most similar users), `portrait clusters` (k-means, k by silhouette),
 * `portrait lookalike` (rank everyone by resemblance to a seed) and `portrait lookalike evaluate`
 * (against the hidden taste groups of a synthetic world).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { PortraitError } from '../../errors.js';
import {
  clusterUsers,
  evaluateLookalike,
  exportLookalike,
  lookalike,
  LOOKALIKE_METHODS,
  similarUsers,
  type ClusterResult,
  type LookalikeExport,
  type LookalikeEvaluation,
  type LookalikeMethod,
  type LookalikeResult,
  type SimilarResult,
} from '../../segments/similarity/index.js';
import { formatNumber, renderPairs, renderTable } from '../format.js';
import { output, parseId, parsePositive, parseShare, withWorkspace } from '../context.js';
import { compileSegment } from '../../segments/registry.js';

const parseUserId = parseId('user');

function parseK(value: string): number {
  const n = parsePositive(value);
  if (n < 2 || n > 100) throw new InvalidArgumentError('expected a number of clusters from 2 to 100.');
  return n;
}

function parseMethod(value: string): LookalikeMethod {
  if (!(LOOKALIKE_METHODS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${LOOKALIKE_METHODS.join(', ')}.`);
  return value as LookalikeMethod;
}

/** User ids from a file, one per line; blank lines and lines starting with # are skipped. */
export function readSeedFile(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new PortraitError(`cannot read the seed file ${path}`);
  }
  const ids: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!/^\d+$/.test(line) || !Number.isSafeInteger(Number(line))) {
      throw new PortraitError(`${path}: line ${i + 1}: expected a user id (a whole number), got "${line.slice(0, 40)}"`);
    }
    ids.push(Number(line));
  });
  if (ids.length === 0) throw new PortraitError(`${path}: no user ids`, 'write one user id per line');
  return ids;
}

export function registerSimilarityCommands(program: Command): void {
  program
    .command('similar')
    .description('the users most similar to one user (cosine of portrait feature vectors; run portrait build first)')
    .argument('<user_id>', 'user id', parseUserId)
    .option('--k <n>', 'how many users', parsePositive, 10)
    .option('--json', 'machine-readable output')
    .action(async (userId: number, flags: { k: number; json?: boolean }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => similarUsers(ws, userId, { k: flags.k }));
      output(flags.json, result, () => renderSimilar(result));
    });

  program
    .command('clusters')
    .description('cluster users by their portraits (k-means, k chosen by silhouette); writes user_clusters')
    .option('--k-min <n>', 'fewest clusters tried', parseK, 2)
    .option('--k-max <n>', 'most clusters tried', parseK, 10)
    .option('--sample <n>', 'users k-means is fitted on', parsePositive, 20000)
    .option('--json', 'machine-readable output')
    .action(async (flags: { kMin: number; kMax: number; sample: number; json?: boolean }, cmd: Command) => {
      if (flags.kMax < flags.kMin) throw new PortraitError('--k-max must be at least --k-min');
      const result = await withWorkspace(cmd, (ws) => clusterUsers(ws, { kMin: flags.kMin, kMax: flags.kMax, sample: flags.sample }));
      output(flags.json, result, () => renderClusters(result));
    });

  const look = program
    .command('lookalike')
    .description('rank every other user by resemblance to a seed group and keep the best (run portrait build first)')
    .option('--seed <segment>', 'the seed: the members of a segment')
    .option('--seed-file <file>', 'the seed: user ids, one per line')
    .option('--top <n>', 'how many users to keep', parsePositive, 1000)
    .option('--method <name>', `${LOOKALIKE_METHODS.join(', ')}`, parseMethod, 'contrast')
    .option('--out <file.csv>', 'write the ranked users to a CSV file (user_id,rank,score)')
    .option('--json', 'machine-readable output')
    .action(async (flags: { seed?: string; seedFile?: string; top: number; method: LookalikeMethod; out?: string; json?: boolean }, cmd: Command) => {
      if (!flags.seedFile === !flags.seed) throw new PortraitError('lookalike needs one seed', 'give --seed SEGMENT or --seed-file FILE (one user id per line)');
      const fromFile = flags.seedFile ? readSeedFile(flags.seedFile) : null;
      const { result, exported } = await withWorkspace(cmd, async (ws) => {
        const seedUsers = fromFile
          ? { sql: `SELECT unnest(from_json($1, '["BIGINT"]')) AS user_id`, params: [JSON.stringify(fromFile)] }
          : await compileSegment(ws, flags.seed!);
        const found = await lookalike(ws, { seedUsers: { sql: seedUsers.sql, params: seedUsers.params }, top: flags.top, method: flags.method });
        const subject = flags.seed ? `segment ${flags.seed}` : `seed file ${flags.seedFile}`;
        return { result: found, exported: flags.out ? await exportLookalike(ws, found, flags.out, { subject }) : null };
      });
      output(flags.json, exported ? { ...result, exported } : result, () => renderLookalike(result, exported));
    });

  look
    .command('evaluate')
    .description('lookalike recall of the hidden taste groups of a synthetic world, against a random ranking')
    .option('--seed-share <share>', 'share of each group used as the seed', parseShare, 0.2)
    .option('--group <n>', 'one taste group only', parseId('taste group'))
    .option('--json', 'machine-readable output')
    .action(async (flags: { seedShare: number; group?: number }, cmd: Command) => {
      // --json may be taken by the parent `lookalike` (same flag name): read it from every level.
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, (ws) => evaluateLookalike(ws, { seedShare: flags.seedShare, group: flags.group }));
      output(json, result, () => renderLookalikeEvaluation(result));
    });
}

const fixed = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function renderSimilar(r: SimilarResult): string {
  const head = `users most similar to ${r.user_id} (cosine over ${formatNumber(r.features)} features, ${formatNumber(r.users)} users)`;
  if (r.similar.length === 0) return `${head}: none share a feature`;
  return [head, renderTable(['user', 'similarity', 'most shared'], r.similar.map((s) => [String(s.user_id), fixed(s.similarity), s.shared.join(', ')]))].join('\n');
}

export function renderClusters(r: ClusterResult): string {
  return [
    `${formatNumber(r.users)} users, ${formatNumber(r.features)} features; k-means fitted on ${formatNumber(r.sampled)}, silhouette on ${formatNumber(r.silhouetteSampled)}`,
    renderTable(['k', 'silhouette', 'inertia'], r.scores.map((s) => [s.k, fixed(s.silhouette), fixed(s.inertia, 1)])),
    '',
    `k = ${r.k}; written to user_clusters`,
    renderTable(
      ['cluster', 'users', 'share', 'most distinctive (TGI)', 'numeric (mean z)'],
      r.clusters.map((c) => [
        c.cluster,
        c.users,
        pct(c.share),
        c.distinctive.map((d) => `${d.feature} ${d.tgi.toFixed(0)}`).join(', '),
        c.numeric.map((z) => `${z.feature} ${z.meanZ >= 0 ? '+' : ''}${z.meanZ.toFixed(2)}`).join(', '),
      ]),
    ),
  ].join('\n');
}

export function renderLookalike(r: LookalikeResult, exported?: LookalikeExport | null): string {
  const lines = [
    renderPairs([
      ['method', r.method],
      ['seed users', r.seeds],
      ['seed users without a portrait', r.seedsWithoutPortrait],
      ['users ranked', r.candidates],
      ['kept', r.users.length],
    ]),
  ];
  if (exported) lines.push(`written to ${exported.file}: ${formatNumber(exported.users)} users${exported.optedOut ? ` (${formatNumber(exported.optedOut)} who refused targeting left out)` : ''}`);
  const shown = r.users.slice(0, 20);
  if (shown.length > 0) lines.push('', renderTable(['rank', 'user', 'score'], shown.map((u) => [u.rank, String(u.user_id), fixed(u.score, 4)])));
  if (r.users.length > shown.length) lines.push(`... ${formatNumber(r.users.length - shown.length)} more (use --out or --json)`);
  return lines.join('\n');
}

export function renderLookalikeEvaluation(e: LookalikeEvaluation): string {
  return [
    `${formatNumber(e.users)} users with a portrait, ${formatNumber(e.features)} features; ${e.groups.length} taste groups, seed ${pct(e.seedShare)} of each`,
    renderTable(
      ['method', 'recall@R', 'lift', `precision@${e.precisionAt}`],
      [...e.methods.map((m) => [m, pct(e.meanRecall[m]!), `${e.lift[m]!.toFixed(1)}x`, pct(e.meanPrecision[m]!)]), ['random', pct(e.meanBaseline), '1.0x', pct(e.meanBaseline)]],
    ),
    '(R = the rest of each group; recall@R = precision@R; means over the groups)',
  ].join('\n');
}
