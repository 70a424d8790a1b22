/**
 * Frequent itemsets in flat typed arrays with an open-addressing hash index, so rule generation can look
 * up the count of any subset in O(length). Items of a set are stored ascending (by item code).
 */

export class ItemsetStore {
  /** Number of itemsets stored. */
  size = 0;
  private offsets = new Int32Array(1025);
  private pool = new Int32Array(4096);
  private counts = new Int32Array(1024);
  private table = new Int32Array(2048).fill(-1);
  private mask = 2047;

  constructor(private readonly limit: number) {}

  /** Items of itemset `i` (a view, ascending codes). */
  items(i: number): Int32Array {
    return this.pool.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  length(i: number): number {
    return this.offsets[i + 1]! - this.offsets[i]!;
  }

  count(i: number): number {
    return this.counts[i]!;
  }

  /** Adds an itemset (ascending codes, not yet stored) with its count. */
  add(items: ArrayLike<number>, len: number, count: number): void {
    if (this.size >= this.limit) throw new ItemsetLimitError(this.limit);
    const i = this.size;
    if (i + 2 > this.offsets.length) {
      this.offsets = grow(this.offsets, this.offsets.length * 2);
      this.counts = grow(this.counts, this.counts.length * 2);
    }
    const at = this.offsets[i]!;
    if (at + len > this.pool.length) this.pool = grow(this.pool, Math.max(this.pool.length * 2, at + len));
    for (let k = 0; k < len; k++) this.pool[at + k] = items[k]!;
    this.offsets[i + 1] = at + len;
    this.counts[i] = count;
    this.size++;
    if (this.size * 2 > this.mask) this.rehash();
    else this.insert(i);
  }

  /** Count of the itemset made of `items[0..len)` except position `skip` (ascending codes); -1 when absent. */
  countWithout(items: ArrayLike<number>, len: number, skip: number): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < len; k++) if (k !== skip) h = mix(h, items[k]!);
    const want = skip >= 0 && skip < len ? len - 1 : len;
    for (let slot = finish(h) & this.mask; ; slot = (slot + 1) & this.mask) {
      const i = this.table[slot]!;
      if (i < 0) return -1;
      const start = this.offsets[i]!;
      if (this.offsets[i + 1]! - start !== want) continue;
      let same = true;
      for (let k = 0, j = start; k < len; k++) {
        if (k === skip) continue;
        if (this.pool[j++] !== items[k]) {
          same = false;
          break;
        }
      }
      if (same) return this.counts[i]!;
    }
  }

  private hashOf(i: number): number {
    let h = 0x811c9dc5;
    for (let j = this.offsets[i]!, end = this.offsets[i + 1]!; j < end; j++) h = mix(h, this.pool[j]!);
    return finish(h);
  }

  private insert(i: number): void {
    let slot = this.hashOf(i) & this.mask;
    while (this.table[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.table[slot] = i;
  }

  private rehash(): void {
    const capacity = (this.mask + 1) * 2;
    this.table = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let i = 0; i < this.size; i++) this.insert(i);
  }
}

/** Thrown when mining would store more itemsets than allowed (memory bound). */
export class ItemsetLimitError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} frequent itemsets`);
  }
}

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193) ^ (v >>> 15);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
