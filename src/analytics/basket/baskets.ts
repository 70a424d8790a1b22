/**
 * Baskets (transactions) as integer-coded items in two typed arrays: basket `b` holds the item codes
 * `codes[offsets[b] .. offsets[b + 1])`, distinct and ascending. `labels[code]` is the item's name.
 */

export interface Baskets {
  /** Where the baskets came from (a file path, or a description of workspace data). */
  source: string;
  /** Number of baskets, empty ones included (they count in every support, as in arules). */
  count: number;
  /** Baskets with no item. */
  empty: number;
  /** Item names by code. */
  labels: string[];
  /** count + 1 offsets into `codes`. */
  offsets: Int32Array;
  /** Item codes of every basket, distinct and ascending within a basket. */
  codes: Int32Array;
}

/** Collects baskets one at a time: labels are coded on first sight, duplicates within a basket count once. */
export class BasketBuilder {
  private readonly dictionary = new Map<string, number>();
  private readonly labels: string[] = [];
  /** For each code, the last basket it was added to (duplicate detection without a set per basket). */
  private seenIn = new Int32Array(1024).fill(-1);
  private offsets = new Int32Array(1024);
  private codes = new Int32Array(4096);
  private baskets = 0;
  private used = 0;
  private empties = 0;
  private open = false;

  /** Starts a new basket; items added until the next call belong to it. */
  startBasket(): void {
    this.closeBasket();
    this.open = true;
  }

  /** Adds one item (by name) to the open basket; an item already in it is ignored. */
  addItem(label: string): void {
    if (!this.open) this.startBasket();
    let code = this.dictionary.get(label);
    if (code === undefined) {
      code = this.labels.length;
      if (code >= 0x7fffffff) throw new RangeError('too many distinct items');
      this.dictionary.set(label, code);
      this.labels.push(label);
      if (code >= this.seenIn.length) {
        const grown = new Int32Array(this.seenIn.length * 2).fill(-1);
        grown.set(this.seenIn);
        this.seenIn = grown;
      }
    }
    if (this.seenIn[code] === this.baskets) return;
    this.seenIn[code] = this.baskets;
    if (this.used === this.codes.length) {
      if (this.codes.length >= 0x40000000) throw new RangeError('too many basket items (more than 2^30)');
      const grown = new Int32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.used++] = code;
  }

  /** Adds a whole basket. */
  addBasket(labels: Iterable<string>): void {
    this.startBasket();
    for (const label of labels) this.addItem(label);
    this.closeBasket();
  }

  private closeBasket(): void {
    if (!this.open) return;
    this.open = false;
    const start = this.offsets[this.baskets]!;
    if (this.used === start) this.empties++;
    else if (this.used - start > 1) this.codes.subarray(start, this.used).sort();
    this.baskets++;
    if (this.baskets + 1 >= this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.baskets] = this.used;
  }

  /** The baskets collected so far. */
  finish(source: string): Baskets {
    this.closeBasket();
    return {
      source,
      count: this.baskets,
      empty: this.empties,
      labels: this.labels.slice(),
      offsets: this.offsets.slice(0, this.baskets + 1),
      codes: this.codes.slice(0, this.used),
    };
  }
}

/** Baskets from lists of item names (handy for tests and callers with data in memory). */
export function basketsFromLists(lists: Iterable<Iterable<string>>, source = 'lists'): Baskets {
  const builder = new BasketBuilder();
  for (const list of lists) builder.addBasket(list);
  return builder.finish(source);
}
