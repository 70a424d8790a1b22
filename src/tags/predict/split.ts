/**
 * The deterministic held-out split: a user is held out when a hash of (seed, user id) falls below the
 * held-out share. The same seed and id always land on the same side, whatever else is in the data.
 */

/** A 32-bit hash of (seed, id) mapped to [0, 1): FNV-1a over the decimal text, then murmur3's finaliser. */
export function splitHash(id: number | bigint, seed: number | string = 0): number {
  const text = `${seed}:${id}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** True when the user belongs to the held-out (test) part. */
export function isHeldOut(id: number | bigint, share: number, seed = 0): boolean {
  return splitHash(id, seed) < share;
}

/** Splits ids into training and held-out parts, each in the input order. */
export function splitIds<T extends number | bigint>(ids: readonly T[], share: number, seed = 0): { train: T[]; test: T[] } {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`held-out share must be between 0 and 1, got ${share}`);
  const train: T[] = [];
  const test: T[] = [];
  for (const id of ids) (isHeldOut(id, share, seed) ? test : train).push(id);
  return { train, test };
}
