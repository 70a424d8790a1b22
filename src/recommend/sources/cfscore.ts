/**
 * The collaborative sources' scoring for a chunk of users, in JavaScript over the trained model tables,
 * for training (the same numbers as the algorithms' `recommendSql`, which the SQL blend and the tests use):
 *
 *   item-CF: score(u, j) = Σ_{i ∈ H(u)} v_ui · sim(i, j)      over the item neighbours {prefix}_neighbours
 *   user-CF: score(u, j) = Σ_{w ∈ N(u)} sim(u, w) · v_wj      over the user neighbours and their history
 *
 * H(u) is the capped history `{prefix}_history` (user_id, item_id, v); items in `{prefix}_seen` (everything
 * the user interacted with) are left out; each user's top k by (score rounded to 9 decimals descending,
 * smaller item id). Evidence: item-CF the history item with the largest v·sim (ties: smaller id) and the
 * number of contributing items; user-CF the number of neighbours who had the item.
 *
 * Why not SQL: on the demo world user-CF's join gives ~19M (user, item) rows grouped into ~16M, then
 * anti-joined and sorted for the top 100: 30-40 s in the engine; here the sums go into a per-user map and
 * only the kept top k go back. Memory: the item neighbour lists (item-CF) or the chunk's neighbours'
 * histories (user-CF), and one chunk's candidates.
 *
 * Rows go back as binary column chunks (as the algorithms' neighbour step).
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { TrainedModel } from '../algorithms/types.js';

const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;
const STORE_ROWS = 200_000;

/** Rows of (key, ids, weights): ids and weights as parallel arrays. */
interface Lists {
  keys: number[];
  ids: Float64Array[];
  w: Float64Array[];
}

function quoted(prefix: string, part: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new Error(`not a model prefix: ${prefix}`);
  return `"${prefix}_${part}"`;
}

/**
 * `sql` selects k and l, the text 'id:weight,id:weight,...': lists travel as text, far faster than engine
 * lists (and an unordered string_agg needs no per-group sort state).
 */
async function fetchLists(wh: Warehouse, sql: string): Promise<Lists> {
  const rows = await wh.query<{ k: number; l: string }>(sql);
  const out: Lists = { keys: [], ids: [], w: [] };
  for (const r of rows) {
    const parts = r.l.split(',');
    const ids = new Float64Array(parts.length);
    const w = new Float64Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const c = p.indexOf(':');
      ids[i] = Number(p.slice(0, c));
      w[i] = Number(p.slice(c + 1));
    }
    out.keys.push(Number(r.k));
    out.ids.push(ids);
    out.w.push(w);
  }
  return out;
}

/**
 * Scores the users of `chunkUsers` (a table or subquery selecting user_id) with the model and inserts
 * `user_id, item_id, score, ev_item, ev_n` rows into `target` (a table with those columns). Returns the rows
 * inserted. The rows go to the engine as binary column chunks (`Warehouse.appendColumns`), a block at a time.
 */
export async function scoreCollaborative(wh: Warehouse, model: TrainedModel, chunkUsers: string, k: number, target: string): Promise<number> {
  const history = quoted(model.prefix, 'history');
  const neighbours = quoted(model.prefix, 'neighbours');
  const seen = quoted(model.prefix, 'seen');
  const isItem = model.algorithm === 'itemcf';
  // Doubles as text: DuckDB's shortest round-trip form, read back exactly by Number().
  const txt = (id: string, w: string) => `string_agg(CAST(${id} AS VARCHAR) || ':' || CAST(${w} AS VARCHAR), ',') AS l`;
  const chunk = `(SELECT user_id FROM ${chunkUsers})`;
  // The users' keys: item-CF their history (item, v), user-CF their neighbours (user, sim).
  const keysSql = isItem
    ? `SELECT user_id AS k, ${txt('item_id', 'v')} FROM ${history} WHERE user_id IN ${chunk} GROUP BY user_id`
    : `SELECT user_id AS k, ${txt('neighbour_id', 'sim')} FROM ${neighbours} WHERE user_id IN ${chunk} GROUP BY user_id`;
  // Each key's expansion: item-CF the item's neighbours (every item a chunk user has), user-CF the neighbour's history.
  const expandSql = isItem
    ? `SELECT item_id AS k, ${txt('neighbour_id', 'sim')} FROM ${neighbours}
       WHERE item_id IN (SELECT item_id FROM ${history} WHERE user_id IN ${chunk}) GROUP BY item_id`
    : `SELECT user_id AS k, ${txt('item_id', 'v')} FROM ${history}
       WHERE user_id IN (SELECT neighbour_id FROM ${neighbours} WHERE user_id IN ${chunk}) GROUP BY user_id`;
  const seenSql = `SELECT user_id AS k, ${txt('item_id', '0')} FROM ${seen} WHERE user_id IN ${chunk} GROUP BY user_id`;
  const keys = await fetchLists(wh, keysSql);
  const expandRows = await fetchLists(wh, expandSql);
  const seenRows = await fetchLists(wh, seenSql);

  // Dense indexes of the candidate items (those an expansion reaches); keys of the expansions by id.
  const index = new Map<number, number>();
  const itemOf: number[] = [];
  const expandOf = new Map<number, { ix: Int32Array; w: Float64Array }>();
  expandRows.keys.forEach((key, r) => {
    const ids = expandRows.ids[r]!;
    const ix = new Int32Array(ids.length);
    for (let b = 0; b < ids.length; b++) {
      let x = index.get(ids[b]!);
      if (x === undefined) {
        x = itemOf.length;
        index.set(ids[b]!, x);
        itemOf.push(ids[b]!);
      }
      ix[b] = x;
    }
    expandOf.set(key, { ix, w: expandRows.w[r]! });
  });
  const seenOf = new Map<number, Float64Array>();
  seenRows.keys.forEach((key, r) => seenOf.set(key, seenRows.ids[r]!));
  // Id -> dense index: a flat array when the ids are small whole numbers (a Map lookup on a double costs far more).
  let maxId = 0;
  for (const id of itemOf) if (id > maxId) maxId = id;
  const flat = maxId < 64_000_000 && itemOf.every((id) => id >= 0 && Number.isInteger(id)) ? new Int32Array(maxId + 1).fill(-1) : null;
  if (flat) itemOf.forEach((id, x) => (flat[id] = x));
  const indexOf = (id: number): number => (flat ? (id >= 0 && id <= maxId ? flat[id]! : -1) : (index.get(id) ?? -1));
  const n = itemOf.length;
  const acc = new Float64Array(n);
  const cnt = new Int32Array(n);
  const best = new Float64Array(n).fill(-1); // item-CF: the largest rounded contribution
  const bestKey = new Float64Array(n); // and its history item
  const touched = new Int32Array(n);
  const dropped = new Uint8Array(n);

  // The kept rows, a block at a time, in typed arrays sent to a temp table of doubles (ids are whole numbers
  // below 2^53 here, exact as doubles); the engine casts them when copying into `target`.
  const block = { user: new Float64Array(STORE_ROWS), item: new Float64Array(STORE_ROWS), score: new Float64Array(STORE_ROWS), evItem: new Float64Array(STORE_ROWS), evN: new Float64Array(STORE_ROWS) };
  const staging = `rec_cf_rows_${model.algorithm}`;
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${staging} (user_id DOUBLE, item_id DOUBLE, score DOUBLE, ev_item DOUBLE, ev_n DOUBLE)`);
  let inBlock = 0;
  let rows = 0;
  const flush = async () => {
    if (inBlock === 0) return;
    await wh.appendColumns(staging, [block.user, block.item, block.score, block.evItem, block.evN], { temporary: true, rows: inBlock });
    rows += inBlock;
    inBlock = 0;
  };
  const rounded = new Float64Array(n);
  const scratch = new Float64Array(n);

  const order = keys.keys.map((_, r) => r).sort((x, y) => keys.keys[x]! - keys.keys[y]!);
  for (const r of order) {
    const user = keys.keys[r]!;
    const own = keys.ids[r]!;
    const ownW = keys.w[r]!;
    let m = 0;
    for (let a = 0; a < own.length; a++) {
      const key = own[a]!;
      const wk = ownW[a]!;
      const ex = expandOf.get(key);
      if (!ex) continue;
      for (let b = 0; b < ex.ix.length; b++) {
        const x = ex.ix[b]!;
        // The SQL's products: item-CF h.v * n.sim, user-CF n.sim * h.v (the same number either way).
        const c = wk * ex.w[b]!;
        if (cnt[x] === 0) touched[m++] = x;
        acc[x] = acc[x]! + c;
        cnt[x] = cnt[x]! + 1;
        if (isItem) {
          const rc = round9(c);
          if (rc > best[x]! || (rc === best[x]! && key < bestKey[x]!)) {
            best[x] = rc;
            bestKey[x] = key;
          }
        }
      }
    }
    const excluded = seenOf.get(user);
    if (excluded) for (let t = 0; t < excluded.length; t++) { const x = indexOf(excluded[t]!); if (x >= 0) dropped[x] = 1; }
    // The top k: a threshold from the sorted rounded scores (a native numeric sort), then the comparator on the few above it.
    let kept: number[] = [];
    let nk = 0;
    for (let t = 0; t < m; t++) {
      const x = touched[t]!;
      if (dropped[x]) continue;
      kept.push(x);
      rounded[x] = round9(acc[x]!);
      scratch[nk++] = rounded[x]!;
    }
    if (nk > k) {
      const top = scratch.subarray(0, nk).sort();
      const threshold = top[nk - k]!;
      kept = kept.filter((x) => rounded[x]! >= threshold);
    }
    kept.sort((x, y) => rounded[y]! - rounded[x]! || itemOf[x]! - itemOf[y]!);
    for (let t = 0; t < Math.min(k, kept.length); t++) {
      const x = kept[t]!;
      // user-CF: no evidence item, an empty field read back as NULL.
      block.user[inBlock] = user;
      block.item[inBlock] = itemOf[x]!;
      block.score[inBlock] = acc[x]!;
      block.evItem[inBlock] = isItem ? bestKey[x]! : NaN;
      block.evN[inBlock] = cnt[x]!;
      inBlock++;
      if (inBlock === STORE_ROWS) await flush();
    }
    for (let t = 0; t < m; t++) {
      const x = touched[t]!;
      acc[x] = 0; cnt[x] = 0; best[x] = -1; dropped[x] = 0;
    }
    if (excluded) for (let t = 0; t < excluded.length; t++) { const x = indexOf(excluded[t]!); if (x >= 0) dropped[x] = 0; }
  }
  await flush();
  try {
    if (rows > 0) {
      // user-CF has no evidence item: NaN in the block, NULL in the table.
      await wh.run(
        `INSERT INTO ${target} (user_id, item_id, score, ev_item, ev_n)
         SELECT CAST(user_id AS BIGINT), CAST(item_id AS BIGINT), score, CAST(CASE WHEN isnan(ev_item) THEN NULL ELSE ev_item END AS BIGINT), ev_n
         FROM ${staging}`,
      );
    }
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${staging}`);
  }
  return rows;
}
