/**
 * Deterministic randomness. Inside the engine every draw is a hash of (seed, purpose, keys...), so a value
 * depends only on what it describes, never on row order or thread timing; the same seed gives the same
 * world on any machine. Small tables built in TypeScript use a seeded generator instead.
 */

/** A stable 31-bit number for a purpose name, so each kind of draw is independent of the others. */
function tagOf(purpose: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < purpose.length; i++) {
    h ^= purpose.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

const TWO_POW_M53 = '1.1102230246251565e-16';

/** splitmix64: a good 64-bit mixer, for salts computed in TypeScript. */
function mix64(x: bigint): bigint {
  const M = (1n << 64n) - 1n;
  let z = (x + 0x9e3779b97f4a7c15n) & M;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  return z ^ (z >> 31n);
}

/** SQL expressions for draws; keys are SQL expressions (columns or literals). */
export class Draws {
  constructor(readonly seed: number) {}

  /** A 64-bit constant for (seed, purpose), spliced into SQL as an unsigned literal. */
  salt(purpose: string): string {
    return `CAST(${mix64((BigInt(this.seed) << 32n) ^ BigInt(tagOf(purpose))).toString()} AS UBIGINT)`;
  }

  /**
   * A 64-bit hash (UBIGINT). The engine's multi-argument hash only combines the per-argument hashes,
   * so draws that differ in one key come out strongly correlated; hashing the result again, salted by
   * (seed, purpose), mixes them.
   */
  hash(purpose: string, ...keys: string[]): string {
    return `hash(xor(hash(${keys.length ? keys.join(', ') : '0'}), ${this.salt(purpose)}))`;
  }

  /**
   * The cheap form for hot paths: one hash of a non-negative integer key the caller packed so that
   * distinct draws have distinct keys (e.g. session key | position).
   */
  packed(purpose: string, key: string): string {
    return `hash(xor(CAST(${key} AS UBIGINT), ${this.salt(purpose)}))`;
  }

  /** Uniform in [0, 1) from a packed key (see `packed`). */
  pu(purpose: string, key: string): string {
    return `((${this.packed(purpose, key)} >> 11) * ${TWO_POW_M53})`;
  }

  /** Uniform in [0, 1): the top 53 bits of the hash, so 1.0 can never come out. */
  u(purpose: string, ...keys: string[]): string {
    return `((${this.hash(purpose, ...keys)} >> 11) * ${TWO_POW_M53})`;
  }

  /** Whole number in [0, n). */
  int(n: string | number, purpose: string, ...keys: string[]): string {
    return `CAST(floor(${this.u(purpose, ...keys)} * (${n})) AS BIGINT)`;
  }

  /** Standard normal (Box-Muller from two independent draws). */
  normal(purpose: string, ...keys: string[]): string {
    const a = this.u(`${purpose}#a`, ...keys);
    const b = this.u(`${purpose}#b`, ...keys);
    return `(sqrt(-2 * ln(1 - ${a})) * cos(6.283185307179586 * ${b}))`;
  }

  /** A 32-hex MD5-looking personal id: what a source that pre-hashes its ids sends. */
  md5Id(kind: string, ...keys: string[]): string {
    return `md5('${this.seed}:${kind.replace(/[^a-z_]/g, '')}' || ${keys.map((k) => `':' || CAST(${k} AS VARCHAR)`).join(' || ')})`;
  }
}

/**
 * Rank in [0, n) with P(rank) falling like 1/(rank+1)^s (a continuous power law cut into ranks):
 * the heavy-tailed popularity of items, leaves and creators. `u` is a uniform SQL expression.
 */
export function zipfRank(u: string, n: string, s = 1.0): string {
  if (Math.abs(s - 1) < 1e-9) {
    return `LEAST(${n} - 1, CAST(floor(exp(${u} * ln(CAST(${n} AS DOUBLE) + 1))) AS BIGINT) - 1)`;
  }
  const a = 1 - s;
  return `LEAST(${n} - 1, CAST(floor(pow(1 + ${u} * (pow(CAST(${n} AS DOUBLE) + 1, ${a.toExponential(16)}) - 1), ${(1 / a).toExponential(16)})) AS BIGINT) - 1)`;
}

/** A seeded generator for the small tables built in TypeScript (splitmix32). */
export class Rng {
  private state: number;
  constructor(seed: number, purpose: string) {
    this.state = (seed ^ tagOf(purpose) ^ 0x9e3779b9) >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

/**
 * A discrete distribution as a quantile table of `size` entries, so the engine samples it by an equality
 * join on floor(u * size) instead of a range search. Entries are assigned by largest remainder, so every
 * value with weight gets its fair share of slots.
 */
export function quantileTable<T>(weights: readonly (readonly [T, number])[], size = 256): T[] {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const exact = weights.map(([v, w]) => ({ v, x: (w / total) * size }));
  const counts = exact.map((e) => Math.floor(e.x));
  let left = size - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e.x - Math.floor(e.x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]! += 1;
  }
  const out: T[] = [];
  exact.forEach((e, i) => {
    for (let k = 0; k < counts[i]!; k++) out.push(e.v);
  });
  return out;
}
