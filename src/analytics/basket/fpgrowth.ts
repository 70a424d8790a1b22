/**
 * FP-growth (Han, Pei and Yin, 2000) on integer-coded baskets, in typed arrays. Items are ranked by
 * descending count; each basket becomes a path of ascending ranks inserted into a prefix tree (children
 * found through one open-addressing table keyed by parent and item). Conditional trees are built the
 * same way from the paths above an item's nodes; a tree that is a single
 * path yields every combination of its items directly. Every frequent itemset of at most `maxLen` items
 * is stored with its count in an `ItemsetStore`.
 */
import type { Baskets } from './baskets.js';
import { ItemsetStore } from './itemsets.js';

export interface MiningOptions {
  /** Minimum number of baskets an itemset must be in (at least 1). */
  minCount: number;
  /** Maximum number of items in an itemset. */
  maxLen: number;
  /** Stop with ItemsetLimitError beyond this many itemsets (the memory bound). */
  maxItemsets: number;
}

export interface FrequentItemsets {
  store: ItemsetStore;
  /** Count of every item (by code), frequent or not. */
  itemCounts: Int32Array;
  /** Number of frequent items. */
  frequentItems: number;
  /** byLength[k] = number of frequent itemsets with k items (index 0 unused). */
  byLength: number[];
}

/** A prefix tree; items are local indices 0..k-1, ascending along every path; `globals` maps them to ranks. */
interface Tree {
  k: number;
  globals: Int32Array;
  size: number;
  parent: Int32Array;
  item: Int32Array;
  count: Int32Array;
  /** Nodes of local item x: headNodes[headStart[x] .. headStart[x + 1]). */
  headStart: Int32Array;
  headNodes: Int32Array;
  support: Float64Array;
}

/** Paths as CSR: path p holds items[offsets[p] .. offsets[p + 1]) with weight weights[p]. */
interface Paths {
  n: number;
  offsets: Int32Array;
  items: Int32Array;
  weights: Int32Array | null;
}

function buildTree(paths: Paths, k: number, globals: Int32Array): Tree {
  const { offsets, items, weights } = paths;
  const capacity = offsets[paths.n]! - offsets[0]!;
  const parent = new Int32Array(capacity);
  const item = new Int32Array(capacity);
  const count = new Int32Array(capacity);
  // Child lookup: open addressing on (parent, item) -> node, at most half full.
  let bits = 4;
  while (1 << bits < 2 * capacity) bits++;
  const mask = (1 << bits) - 1;
  const table = new Int32Array(mask + 1).fill(-1);
  let size = 0;
  for (let p = 0; p < paths.n; p++) {
    const w = weights ? weights[p]! : 1;
    let node = -1;
    for (let i = offsets[p]!, end = offsets[p + 1]!; i < end; i++) {
      const x = items[i]!;
      let slot = (Math.imul(node + 1, 0x9e3779b1) ^ Math.imul(x + 1, 0x85ebca6b)) >>> 0;
      slot = (slot ^ (slot >>> 15)) & mask;
      let child = table[slot]!;
      while (child >= 0 && (parent[child] !== node || item[child] !== x)) {
        slot = (slot + 1) & mask;
        child = table[slot]!;
      }
      if (child < 0) {
        child = size++;
        parent[child] = node;
        item[child] = x;
        count[child] = 0;
        table[slot] = child;
      }
      count[child]! += w;
      node = child;
    }
  }
  const headStart = new Int32Array(k + 1);
  const support = new Float64Array(k);
  for (let n = 0; n < size; n++) {
    headStart[item[n]! + 1]!++;
    support[item[n]!]! += count[n]!;
  }
  for (let x = 0; x < k; x++) headStart[x + 1]! += headStart[x]!;
  const fill = headStart.slice(0, k);
  const headNodes = new Int32Array(size);
  for (let n = 0; n < size; n++) headNodes[fill[item[n]!]!++] = n;
  return { k, globals, size, parent: parent.subarray(0, size), item: item.subarray(0, size), count: count.subarray(0, size), headStart, headNodes, support };
}

class Miner {
  readonly store: ItemsetStore;
  readonly byLength: number[];
  private readonly suffix: Int32Array;
  private readonly buffer: Int32Array;
  private scratchItems = new Int32Array(1024);
  private scratchOffsets = new Int32Array(256);
  private scratchWeights = new Int32Array(256);

  constructor(
    private readonly minCount: number,
    private readonly maxLen: number,
    private readonly rankToCode: Int32Array,
    maxItemsets: number,
  ) {
    this.store = new ItemsetStore(maxItemsets);
    this.byLength = new Array<number>(maxLen + 1).fill(0);
    this.suffix = new Int32Array(maxLen);
    this.buffer = new Int32Array(maxLen);
  }

  /** Stores suffix[0..len) (global ranks) as ascending codes. */
  private emit(len: number, count: number): void {
    const b = this.buffer;
    for (let i = 0; i < len; i++) {
      const c = this.rankToCode[this.suffix[i]!]!;
      let j = i;
      while (j > 0 && b[j - 1]! > c) {
        b[j] = b[j - 1]!;
        j--;
      }
      b[j] = c;
    }
    this.store.add(b, len, count);
    this.byLength[len]!++;
  }

  mine(tree: Tree, depth: number): void {
    if (this.isSinglePath(tree)) {
      this.combinations(tree, depth, 0);
      return;
    }
    const { parent, item, count, headStart, headNodes, globals } = tree;
    for (let x = 0; x < tree.k; x++) {
      this.suffix[depth] = globals[x]!;
      this.emit(depth + 1, tree.support[x]!);
      if (depth + 1 >= this.maxLen || x === 0) continue;
      // Conditional pattern base of x: the paths above its nodes, weighted by their counts.
      const condCount = new Float64Array(x);
      let total = 0;
      for (let h = headStart[x]!; h < headStart[x + 1]!; h++) {
        const node = headNodes[h]!;
        const c = count[node]!;
        for (let p = parent[node]!; p >= 0; p = parent[p]!) condCount[item[p]!]! += c;
      }
      const local = new Int32Array(x).fill(-1);
      let k = 0;
      for (let y = 0; y < x; y++) if (condCount[y]! >= this.minCount) local[y] = k++;
      if (k === 0) continue;
      const condGlobals = new Int32Array(k);
      for (let y = 0; y < x; y++) if (local[y]! >= 0) condGlobals[local[y]!] = globals[y]!;
      const nPaths = headStart[x + 1]! - headStart[x]!;
      if (this.scratchOffsets.length < nPaths + 1) {
        this.scratchOffsets = new Int32Array(2 * (nPaths + 1));
        this.scratchWeights = new Int32Array(2 * (nPaths + 1));
      }
      const offsets = this.scratchOffsets;
      const weights = this.scratchWeights;
      offsets[0] = 0;
      for (let h = headStart[x]!, p = 0; h < headStart[x + 1]!; h++, p++) {
        const node = headNodes[h]!;
        let len = 0;
        for (let a = parent[node]!; a >= 0; a = parent[a]!) if (local[item[a]!]! >= 0) len++;
        const start = offsets[p]!;
        if (start + len > this.scratchItems.length) {
          const grown = new Int32Array(Math.max(2 * this.scratchItems.length, start + len));
          grown.set(this.scratchItems.subarray(0, start));
          this.scratchItems = grown;
        }
        // Walking up gives descending items: write from the end so the path ascends.
        let at = start + len;
        for (let a = parent[node]!; a >= 0; a = parent[a]!) {
          const l = local[item[a]!]!;
          if (l >= 0) this.scratchItems[--at] = l;
        }
        offsets[p + 1] = start + len;
        weights[p] = count[node]!;
      }
      total = offsets[nPaths]!;
      if (total === 0) continue;
      const cond = buildTree({ n: nPaths, offsets, items: this.scratchItems, weights }, k, condGlobals);
      this.mine(cond, depth + 1);
    }
  }

  private isSinglePath(tree: Tree): boolean {
    if (tree.size !== tree.k) return false;
    for (let n = 0; n < tree.size; n++) if (tree.parent[n] !== n - 1 || tree.item[n] !== n) return false;
    return true;
  }

  /** Every combination of the single path's items from index `from` on, added to suffix[0..depth). */
  private combinations(tree: Tree, depth: number, from: number): void {
    if (depth >= this.maxLen) return;
    for (let n = from; n < tree.size; n++) {
      // The deepest chosen node has the smallest count: that is the combination's count.
      this.suffix[depth] = tree.globals[n]!;
      this.emit(depth + 1, tree.count[n]!);
      this.combinations(tree, depth + 1, n + 1);
    }
  }
}

/** Every itemset of 1..maxLen items contained in at least `minCount` baskets, with its count. */
export function frequentItemsets(baskets: Baskets, options: MiningOptions): FrequentItemsets {
  const { minCount, maxLen } = options;
  if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError('minCount must be a whole number, at least 1');
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError('maxLen must be a whole number, at least 1');
  const m = baskets.labels.length;
  const itemCounts = new Int32Array(m);
  for (let i = 0; i < baskets.codes.length; i++) itemCounts[baskets.codes[i]!]!++;
  const frequent: number[] = [];
  for (let c = 0; c < m; c++) if (itemCounts[c]! >= minCount) frequent.push(c);
  const labels = baskets.labels;
  frequent.sort((a, b) => itemCounts[b]! - itemCounts[a]! || (labels[a]! < labels[b]! ? -1 : labels[a]! > labels[b]! ? 1 : a - b));
  const f = frequent.length;
  const rankToCode = Int32Array.from(frequent);
  const codeToRank = new Int32Array(m).fill(-1);
  for (let r = 0; r < f; r++) codeToRank[rankToCode[r]!] = r;
  const miner = new Miner(minCount, maxLen, rankToCode, options.maxItemsets);
  if (f > 0) {
    // Baskets as paths of ascending ranks (infrequent items dropped).
    const n = baskets.count;
    const offsets = new Int32Array(n + 1);
    const items = new Int32Array(baskets.codes.length);
    let at = 0;
    for (let b = 0; b < n; b++) {
      const start = at;
      for (let i = baskets.offsets[b]!; i < baskets.offsets[b + 1]!; i++) {
        const r = codeToRank[baskets.codes[i]!]!;
        if (r >= 0) items[at++] = r;
      }
      if (at - start > 1) items.subarray(start, at).sort();
      offsets[b + 1] = at;
    }
    const tree = buildTree({ n, offsets, items, weights: null }, f, Int32Array.from({ length: f }, (_, i) => i));
    miner.mine(tree, 0);
  }
  return { store: miner.store, itemCounts, frequentItems: f, byLength: miner.byLength };
}
