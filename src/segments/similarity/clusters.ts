/**
 * Clusters of users: k-means on a bounded sample of feature vectors for every k in [kMin, kMax], k chosen
 * by the silhouette score on a smaller sample, then every user assigned to the nearest centroid chunk by
 * chunk and written to `user_clusters(user_id, cluster)`. Each cluster is described by its most
 * distinctive features: TGI (100 x share of the cluster holding a feature / share of all users) for
 * interests and one-hot tags, the mean standardised value for numeric tags.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { CHUNK_USERS, dropFeatures, NUMERIC_BLOCK, prepareFeatures, readRows, readSample, type FeatureSpace } from './features.js';
import { centroidNorms, kmeans, nearestCentroid, silhouette } from './kmeans.js';
import { pairwiseDistances, sampleIndexes, type SparseMatrix } from './sparse.js';
import type { FeatureSpecInput } from './spec.js';

export interface ClusterOptions {
  kMin?: number;
  kMax?: number;
  /** Users k-means is fitted on (default 20,000). */
  sample?: number;
  /** Users the silhouette is computed on, from the fitted sample (default 2,000). */
  silhouetteSample?: number;
  seed?: number;
  /** Distinctive features listed per cluster (default 5). */
  describe?: number;
  /** A feature must be held by at least this share of a cluster to describe it (default 0.1). */
  minShare?: number;
  spec?: FeatureSpecInput;
}

export interface DistinctiveFeature {
  feature: string;
  block: string;
  /** Share of the cluster holding the feature. */
  share: number;
  /** Share of all users holding it. */
  overall: number;
  /** 100 x share / overall. */
  tgi: number;
}

export interface NumericProfile {
  feature: string;
  /** Mean standardised value in the cluster (users without a value count as the mean, 0). */
  meanZ: number;
}

export interface ClusterSummary {
  cluster: number;
  users: number;
  share: number;
  distinctive: DistinctiveFeature[];
  numeric: NumericProfile[];
}

export interface ClusterResult {
  users: number;
  features: number;
  sampled: number;
  silhouetteSampled: number;
  /** The silhouette of every k tried. */
  scores: { k: number; silhouette: number; inertia: number }[];
  k: number;
  clusters: ClusterSummary[];
  seconds: number;
}

/** Clusters every user with a portrait; writes `user_clusters`; see the module comment. */
export async function clusterUsers(ws: Workspace, options: ClusterOptions = {}): Promise<ClusterResult> {
  const started = Date.now();
  const kMin = options.kMin ?? 2;
  const kMax = options.kMax ?? 10;
  const sampleSize = options.sample ?? 20000;
  const silSize = options.silhouetteSample ?? 2000;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(kMin) || kMin < 2) throw new PortraitError(`kMin must be a whole number, at least 2 (got ${kMin})`);
  if (!Number.isInteger(kMax) || kMax < kMin) throw new PortraitError(`kMax must be a whole number, at least kMin (${kMin}) (got ${kMax})`);
  if (!Number.isInteger(sampleSize) || sampleSize < 2) throw new PortraitError('sample must be a whole number, at least 2');
  if (!Number.isInteger(silSize) || silSize < 2) throw new PortraitError('silhouetteSample must be a whole number, at least 2');
  const space = await prepareFeatures(ws, options.spec);
  try {
    if (space.users < kMin + 1) throw new PortraitError(`${space.users} users with a portrait: too few to cluster into ${kMin} or more groups`);
    const fitRs = sampleIndexes(space.users, sampleSize, seed);
    const x = await readSample(ws, fitRs, space.features);
    const silIdx = sampleIndexes(x.rows, silSize, seed + 1);
    const silX = subRows(x, silIdx);
    const dist = pairwiseDistances(silX);
    const scores: ClusterResult['scores'] = [];
    let best: { k: number; score: number; centroids: Float64Array } | null = null;
    for (let k = kMin; k <= Math.min(kMax, x.rows - 1); k++) {
      const fit = kmeans(x, k, { seed: seed + k });
      const labels = Int32Array.from(silIdx, (i) => fit.labels[i]!);
      const score = silhouette(dist, labels, k);
      scores.push({ k, silhouette: score, inertia: fit.inertia });
      if (Number.isFinite(score) && (!best || score > best.score + 1e-12)) best = { k, score, centroids: fit.centroids };
    }
    if (!best) throw new PortraitError('no k gave at least two non-empty clusters');
    await assignAll(ws, space, best.centroids, best.k);
    const clusters = await describeClusters(ws, options.describe ?? 5, options.minShare ?? 0.1);
    return {
      users: space.users,
      features: space.features,
      sampled: x.rows,
      silhouetteSampled: silX.rows,
      scores,
      k: best.k,
      clusters,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await dropFeatures(ws);
  }
}

function subRows(x: SparseMatrix, idx: readonly number[]): SparseMatrix {
  let nnz = 0;
  for (const i of idx) nnz += x.ptr[i + 1]! - x.ptr[i]!;
  const ptr = new Int32Array(idx.length + 1);
  const col = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  let q = 0;
  idx.forEach((i, r) => {
    const a = x.ptr[i]!;
    const b = x.ptr[i + 1]!;
    col.set(x.col.subarray(a, b), q);
    val.set(x.val.subarray(a, b), q);
    q += b - a;
    ptr[r + 1] = q;
  });
  return { rows: idx.length, cols: x.cols, ptr, col, val };
}

/** Every user to its nearest centroid, read and written chunk by chunk, into `user_clusters` (replaced). */
async function assignAll(ws: Workspace, space: FeatureSpace, centroids: Float64Array, k: number): Promise<void> {
  const cn = centroidNorms(centroids, k, space.features);
  await ws.wh.run('CREATE OR REPLACE TEMP TABLE sim_assign (r INTEGER, cluster INTEGER)');
  for (let from = 0; from < space.users; from += CHUNK_USERS) {
    const to = Math.min(space.users, from + CHUNK_USERS);
    const x = await readRows(ws, from, to, space.features);
    const labels: number[] = new Array<number>(x.rows);
    for (let i = 0; i < x.rows; i++) labels[i] = nearestCentroid(x, i, centroids, cn, k);
    await ws.wh.run(
      `INSERT INTO sim_assign SELECT CAST($1 AS INTEGER) + CAST(i - 1 AS INTEGER), c
       FROM (SELECT unnest(from_json($2, '["INTEGER"]')) AS c, generate_subscripts(from_json($2, '["INTEGER"]'), 1) AS i)`,
      [from, JSON.stringify(labels)],
    );
  }
  // Clusters renumbered by size (largest first, ties by centroid number), so the output reads in order.
  await ws.wh.transaction(async () => {
    await ws.wh.run(
      `CREATE OR REPLACE TABLE user_clusters AS
       WITH sizes AS (
         SELECT cluster, CAST(row_number() OVER (ORDER BY count(*) DESC, cluster) - 1 AS INTEGER) AS renum
         FROM sim_assign GROUP BY cluster
       )
       SELECT u.user_id, s.renum AS cluster FROM sim_assign a JOIN sizes s USING (cluster) JOIN sim_users u USING (r)
       ORDER BY u.user_id`,
    );
  });
  await ws.wh.run('DROP TABLE sim_assign');
}

async function describeClusters(ws: Workspace, top: number, minShare: number): Promise<ClusterSummary[]> {
  const sizes = await ws.wh.query<{ cluster: number; n: number }>('SELECT cluster, count(*) AS n FROM user_clusters GROUP BY cluster ORDER BY cluster');
  const total = sizes.reduce((s, r) => s + Number(r.n), 0);
  const held = await ws.wh.query<{ cluster: number; f: string; block: string; share: number; overall: number; tgi: number }>(
    `WITH sz AS (SELECT cluster, count(*) AS n FROM user_clusters GROUP BY cluster),
     tot AS (SELECT count(*) AS n FROM user_clusters),
     per AS (
       SELECT c.cluster, r.f, r.block, count(*) AS n FROM sim_raw r JOIN user_clusters c USING (user_id)
       WHERE r.block <> $1 GROUP BY ALL
     ), allf AS (SELECT f, sum(n) AS n FROM per GROUP BY f),
     scored AS (
       SELECT per.cluster, per.f, per.block, per.n / sz.n AS share, allf.n / tot.n AS overall,
         100.0 * (per.n / sz.n) / (allf.n / tot.n) AS tgi
       FROM per JOIN sz USING (cluster) JOIN allf USING (f) CROSS JOIN tot
     )
     SELECT * FROM (
       SELECT *, row_number() OVER (PARTITION BY cluster ORDER BY tgi DESC, share DESC, f) AS rk FROM scored WHERE share >= $2
     ) WHERE rk <= $3 ORDER BY cluster, rk`,
    [NUMERIC_BLOCK, minShare, top],
  );
  const numeric = await ws.wh.query<{ cluster: number; f: string; mean_z: number }>(
    `WITH sz AS (SELECT cluster, count(*) AS n FROM user_clusters GROUP BY cluster),
     per AS (
       SELECT c.cluster, r.f, sum(r.v) AS s FROM sim_raw r JOIN user_clusters c USING (user_id) WHERE r.block = $1 GROUP BY ALL
     )
     SELECT cluster, f, mean_z FROM (
       SELECT per.cluster, per.f, per.s / sz.n AS mean_z,
         row_number() OVER (PARTITION BY per.cluster ORDER BY abs(per.s / sz.n) DESC, per.f) AS rk
       FROM per JOIN sz USING (cluster)
     ) WHERE rk <= 3 ORDER BY cluster, rk`,
    [NUMERIC_BLOCK],
  );
  return sizes.map((s) => {
    const c = Number(s.cluster);
    return {
      cluster: c,
      users: Number(s.n),
      share: Number(s.n) / total,
      distinctive: held
        .filter((h) => Number(h.cluster) === c)
        .map((h) => ({ feature: h.f, block: h.block, share: Number(h.share), overall: Number(h.overall), tgi: Number(h.tgi) })),
      numeric: numeric.filter((h) => Number(h.cluster) === c).map((h) => ({ feature: h.f, meanZ: Number(h.mean_z) })),
    };
  });
}
