import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import {
  basketsFromLists,
  basketsFromText,
  basketsFromWorkspace,
  frequentItemsets,
  mineBasketRules,
  minimumCount,
  readBasketFile,
  ruleText,
  type BasketRule,
  type Baskets,
} from '../src/analytics/basket/index.js';
import { registerBasketCommands } from '../src/cli/commands/basket.js';
import { io, processIo } from '../src/cli/context.js';
import { PortraitError } from '../src/errors.js';
import { tempDir, tempWorkspace } from './helpers.js';

// ---- the hand-computed fixture ----
//
// Eight baskets (M = whole milk, B = bread, U = butter, R = beer, D = diapers); basket 8 names whole milk
// twice, which counts once.
//   1 M B U   2 M B   3 M U   4 B U   5 M B U R   6 R D   7 R D B   8 M M B
// Item counts: M 5, B 6, U 4, R 3, D 2.
// min support 0.25: minimum count = ceil(8 x 0.25) = 2, so every item is frequent.
// Pairs: MB 4 (1,2,5,8), MU 3 (1,3,5), BU 3 (1,4,5), BR 2 (5,7), RD 2 (6,7); MR 1, BD 1, UR 1, MD 0, UD 0.
// Triples: MBU 2 (1,5); MBR 1, BRD 1, BUR 1. No frequent quadruple.
// Frequent itemsets: 5 + 5 + 1 = 11.
// Rules at min confidence 0.5 (confidence = count(XY) / count(X), lift = confidence x 8 / count(Y)):
//   {} => {B} 6/8 = .75, {} => {M} 5/8 = .625, {} => {U} 4/8 = .5 (lift 1); {} => {R} 3/8, {} => {D} 2/8 fail.
//   {D} => {R} 2/2 = 1, lift 8/3;   {R} => {D} 2/3, lift 8/3
//   {U} => {M} 3/4, lift 1.2;       {M} => {U} 3/5 = .6, lift 1.2
//   {M} => {B} 4/5 = .8, lift 16/15; {B} => {M} 4/6, lift 16/15; {B,U} => {M} 2/3, lift 16/15
//   {U} => {B} 3/4, lift 1;         {B} => {U} 3/6 = .5, lift 1; {M,B} => {U} 2/4 = .5, lift 1
//   {R} => {B} 2/3, lift 8/9;       {M,U} => {B} 2/3, lift 8/9;  {B} => {R} 2/6 fails
// 15 rules. Order: lift, then confidence, then support (all descending), then the rule text.
const FIXTURE = ['whole milk,bread,butter', 'whole milk,bread', 'whole milk,butter', 'bread,butter', 'whole milk,bread,butter,beer', 'beer,diapers', 'beer,diapers,bread', 'whole milk,whole milk,bread'];

const EXPECTED: [string, number, number, number, number][] = [
  // rule, support, confidence, lift, count
  ['{diapers} => {beer}', 2 / 8, 1, 8 / 3, 2],
  ['{beer} => {diapers}', 2 / 8, 2 / 3, 8 / 3, 2],
  ['{butter} => {whole milk}', 3 / 8, 3 / 4, 1.2, 3],
  ['{whole milk} => {butter}', 3 / 8, 3 / 5, 1.2, 3],
  ['{whole milk} => {bread}', 4 / 8, 4 / 5, 16 / 15, 4],
  ['{bread} => {whole milk}', 4 / 8, 4 / 6, 16 / 15, 4],
  ['{bread,butter} => {whole milk}', 2 / 8, 2 / 3, 16 / 15, 2],
  ['{} => {bread}', 6 / 8, 6 / 8, 1, 6],
  ['{butter} => {bread}', 3 / 8, 3 / 4, 1, 3],
  ['{} => {whole milk}', 5 / 8, 5 / 8, 1, 5],
  ['{} => {butter}', 4 / 8, 4 / 8, 1, 4],
  ['{bread} => {butter}', 3 / 8, 3 / 6, 1, 3],
  ['{bread,whole milk} => {butter}', 2 / 8, 2 / 4, 1, 2],
  ['{beer} => {bread}', 2 / 8, 2 / 3, 8 / 9, 2],
  ['{butter,whole milk} => {bread}', 2 / 8, 2 / 3, 8 / 9, 2],
];

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

test('hand-computed fixture: every frequent itemset and rule, in order', () => {
  const baskets = basketsFromText(`${FIXTURE.join('\n')}\n`);
  assert.equal(baskets.count, 8);
  const rules = mineBasketRules(baskets, { minSupport: 0.25, minConfidence: 0.5 });
  const s = rules.summary;
  assert.equal(s.transactions, 8);
  assert.equal(s.minCount, 2);
  assert.equal(s.items, 5);
  assert.equal(s.frequentItems, 5);
  assert.equal(s.frequentItemsets, 11);
  assert.deepEqual(s.itemsetsByLength, [5, 5, 1]);
  assert.equal(s.rules, 15);
  const got = rules.top();
  assert.deepEqual(got.map(ruleText), EXPECTED.map((e) => e[0]));
  got.forEach((r, i) => {
    const [, support, confidence, lift, count] = EXPECTED[i]!;
    assert.ok(close(r.support, support), `${ruleText(r)} support ${r.support}`);
    assert.ok(close(r.confidence, confidence), `${ruleText(r)} confidence ${r.confidence}`);
    assert.ok(close(r.lift, lift), `${ruleText(r)} lift ${r.lift}`);
    assert.equal(r.count, count);
    // coverage = support of the antecedent
    assert.ok(close(r.coverage, r.support / r.confidence));
  });
  // Itemset counts straight from the store.
  const mined = frequentItemsets(baskets, { minCount: 2, maxLen: 10, maxItemsets: 100 });
  const sets = new Map<string, number>();
  for (let i = 0; i < mined.store.size; i++) {
    sets.set([...mined.store.items(i)].map((c) => baskets.labels[c]).sort().join('|'), mined.store.count(i));
  }
  assert.deepEqual(
    Object.fromEntries([...sets].sort()),
    Object.fromEntries(
      ([
        ['beer', 3], ['bread', 6], ['butter', 4], ['diapers', 2], ['whole milk', 5],
        ['bread|whole milk', 4], ['butter|whole milk', 3], ['bread|butter', 3], ['beer|bread', 2], ['beer|diapers', 2],
        ['bread|butter|whole milk', 2],
      ] as [string, number][]).sort(),
    ),
  );
});

test('min length 2 drops {} => {y}; max length bounds itemsets and rules', () => {
  const baskets = basketsFromLists(FIXTURE.map((l) => l.split(',')));
  const noEmpty = mineBasketRules(baskets, { minSupport: 0.25, minConfidence: 0.5, minLen: 2 });
  assert.deepEqual(noEmpty.top().map(ruleText), EXPECTED.map((e) => e[0]).filter((t) => !t.startsWith('{}')));
  // max length 2: the triple and its three rules go.
  const pairs = mineBasketRules(baskets, { minSupport: 0.25, minConfidence: 0.5, maxLen: 2 });
  assert.equal(pairs.summary.frequentItemsets, 10);
  assert.deepEqual(pairs.summary.itemsetsByLength, [5, 5]);
  assert.deepEqual(pairs.top().map(ruleText), EXPECTED.map((e) => e[0]).filter((t) => !/\{[^}]*,[^}]*\} =>/.test(t)));
  // max length 1: only single items, only {} => {y} rules.
  const singles = mineBasketRules(baskets, { minSupport: 0.25, minConfidence: 0.5, maxLen: 1 });
  assert.equal(singles.summary.frequentItemsets, 5);
  assert.deepEqual(singles.top().map(ruleText), ['{} => {bread}', '{} => {whole milk}', '{} => {butter}']);
});

test('minimum count is ceil(support x transactions), in double precision as arules computes it', () => {
  // 8 x 0.26 = 2.08 -> 3: diapers (2), the pair beer+bread (2), beer+diapers (2) and the triple (2) drop.
  const baskets = basketsFromText(FIXTURE.join('\n'));
  const r = mineBasketRules(baskets, { minSupport: 0.26, minConfidence: 0.5 });
  assert.equal(r.summary.minCount, 3);
  assert.equal(r.summary.frequentItems, 4);
  assert.deepEqual(r.summary.itemsetsByLength, [4, 3]);
  // 8 x 0.125 = 1 exactly -> 1.
  assert.equal(minimumCount(0.125, 8), 1);
  // 100 x 0.07 = 7.000000000000001 in binary floating point, so the minimum count is 8, as in arules
  // (Borgelt's apriori: (int)ceil(tacnt * supp), no tolerance): an item in exactly 7 of 100 baskets is not frequent.
  assert.equal(minimumCount(0.07, 100), 8);
  const hundred = basketsFromLists(Array.from({ length: 100 }, (_, i) => (i < 7 ? ['a', 'b'] : i < 15 ? ['c'] : ['d'])));
  const t = mineBasketRules(hundred, { minSupport: 0.07, minConfidence: 0 });
  assert.equal(t.summary.minCount, 8);
  assert.deepEqual(t.top().map(ruleText).sort(), ['{} => {c}', '{} => {d}']);
  // With support 0.069 (count ceil(6.9) = 7) a, b and {a,b} are frequent.
  const lower = mineBasketRules(hundred, { minSupport: 0.069, minConfidence: 0 });
  assert.equal(lower.summary.minCount, 7);
  assert.deepEqual(lower.summary.itemsetsByLength, [4, 1]);
});

test('confidence threshold keeps rules at exactly the minimum (arules compares with a 1e-12 tolerance)', () => {
  const baskets = basketsFromText(FIXTURE.join('\n'));
  const r = mineBasketRules(baskets, { minSupport: 0.25, minConfidence: 0.6 });
  // {whole milk} => {butter} has confidence 3/5 = 0.6 exactly: kept.
  assert.ok(r.top().some((x) => ruleText(x) === '{whole milk} => {butter}'));
  assert.ok(!r.top().some((x) => ruleText(x) === '{bread} => {butter}'));
});

test('basket files: names kept exactly (spaces included), duplicates once, empty lines are empty baskets', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'baskets.txt');
    // CRLF line ends and a UTF-8 byte-order mark are read through; "bread" and " bread" are two items;
    // ",," and a trailing comma add no item; the empty line is a basket with no items; the final newline
    // does not start another basket.
    writeFileSync(file, '\ufeffbread, bread,bread\r\n\r\nwhole milk,,bread,\r\n 鸡蛋 ,bread\n');
    const b = await readBasketFile(file);
    assert.equal(b.source, file);
    assert.equal(b.count, 4);
    assert.equal(b.empty, 1);
    assert.deepEqual(listBaskets(b), [['bread', ' bread'].sort(), [], ['whole milk', 'bread'].sort(), [' 鸡蛋 ', 'bread'].sort()]);
    // The stream reader and the in-memory reader agree.
    assert.deepEqual(listBaskets(basketsFromText(readFileSync(file, 'utf8'))), listBaskets(b));
    const r = mineBasketRules(b, { minSupport: 0.5, minConfidence: 0.1 });
    // bread is in 3 of 4 baskets (the empty one counts in the denominator).
    assert.deepEqual(r.top().map((x) => [ruleText(x), x.support]), [['{} => {bread}', 0.75]]);
    // No trailing newline: the last line still counts.
    writeFileSync(file, 'a,b\nb');
    assert.deepEqual(listBaskets(await readBasketFile(file)), [['a', 'b'], ['b']]);
  } finally {
    cleanup();
  }
});

test('an unreadable basket file is an error naming the file and line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, Buffer.concat([Buffer.from('a,b\nc\nd,'), Buffer.from([0xff, 0xfe]), Buffer.from('\ne\n')]));
    await assert.rejects(readBasketFile(bad), (e: unknown) => e instanceof PortraitError && e.message.includes(bad) && e.message.includes('line 3') && /UTF-8/.test(e.message));
    writeFileSync(bad, Buffer.from('a\nb\nc\n\u0000\u0001\n'));
    await assert.rejects(readBasketFile(bad), (e: unknown) => e instanceof PortraitError && e.message.includes('line 4') && /NUL/.test(e.message));
    await assert.rejects(readBasketFile(join(dir, 'missing.txt')), (e: unknown) => e instanceof PortraitError && e.message.includes('missing.txt') && /no such file/.test(e.message));
    await assert.rejects(readBasketFile(dir), (e: unknown) => e instanceof PortraitError && /not a file/.test(e.message));
  } finally {
    cleanup();
  }
});

test('lines longer than a read chunk (multi-byte characters cut at chunk ends) read the same as in memory', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const rand = mulberry32(11);
    const lines = Array.from({ length: 3000 }, (_, i) =>
      // Line 6 is about 2.4 MB of three-byte characters: it spans read chunks (1 MB), some cut mid-character.
      i === 5 ? Array.from({ length: 150000 }, (_, k) => `长 item ${k}`).join(',') : Array.from({ length: 1 + Math.floor(rand() * 6) }, () => `i${Math.floor(rand() * 50)}`).join(','),
    );
    const file = join(dir, 'many.txt');
    writeFileSync(file, lines.join('\n'));
    const fromFile = await readBasketFile(file);
    const fromText = basketsFromText(lines.join('\n'));
    assert.equal(fromFile.count, 3000);
    assert.deepEqual(listBaskets(fromFile), listBaskets(fromText));
    assert.equal(listBaskets(fromFile)[5]!.length, 150000);
    assert.ok(listBaskets(fromFile)[5]!.includes('长 item 149999'));
  } finally {
    cleanup();
  }
});

test('option checks', () => {
  const b = basketsFromText('a,b\nb');
  assert.throws(() => mineBasketRules(b, { minSupport: 0, minConfidence: 0.5 }), RangeError);
  assert.throws(() => mineBasketRules(b, { minSupport: 1.5, minConfidence: 0.5 }), RangeError);
  assert.throws(() => mineBasketRules(b, { minSupport: 0.5, minConfidence: 2 }), RangeError);
  assert.throws(() => mineBasketRules(b, { minSupport: 0.5, minConfidence: 0.5, minLen: 3, maxLen: 2 }), RangeError);
  assert.throws(
    () => mineBasketRules(basketsFromLists([['a', 'b', 'c', 'd']]), { minSupport: 1, minConfidence: 0, maxItemsets: 10 }),
    (e: unknown) => e instanceof PortraitError && /more than 10 frequent itemsets/.test(e.message),
  );
  // No baskets at all: nothing frequent, no error.
  const none = mineBasketRules(basketsFromText(''), { minSupport: 0.1, minConfidence: 0.5 });
  assert.equal(none.summary.transactions, 0);
  assert.equal(none.size, 0);
});

// ---- FP-growth against brute force on random data ----

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function listBaskets(b: Baskets): string[][] {
  return Array.from({ length: b.count }, (_, i) => [...b.codes.subarray(b.offsets[i]!, b.offsets[i + 1]!)].map((c) => b.labels[c]!).sort());
}

/** Every rule by definition: each subset Z of the item universe counted over all baskets directly. */
function bruteForce(lists: string[][], minSupport: number, minConfidence: number, minLen: number, maxLen: number) {
  const universe = [...new Set(lists.flat())].sort();
  const sets = lists.map((l) => new Set(l));
  const n = lists.length;
  const minCount = Math.max(1, Math.ceil(n * minSupport));
  const countOf = new Map<number, number>();
  const count = (mask: number) => {
    let c = countOf.get(mask);
    if (c === undefined) {
      c = sets.filter((s) => universe.every((item, i) => !(mask & (1 << i)) || s.has(item))).length;
      countOf.set(mask, c);
    }
    return c;
  };
  const frequent: number[] = [];
  const rules: BasketRule[] = [];
  for (let mask = 1; mask < 1 << universe.length; mask++) {
    const size = popcount(mask);
    if (size > maxLen || count(mask) < minCount) continue;
    frequent.push(mask);
    if (size < minLen) continue;
    for (let i = 0; i < universe.length; i++) {
      if (!(mask & (1 << i))) continue;
      const x = mask & ~(1 << i);
      const cz = count(mask);
      const cx = x === 0 ? n : count(x);
      const confidence = cz / cx;
      if (confidence < minConfidence - 1e-12) continue;
      rules.push({
        antecedent: universe.filter((_, k) => x & (1 << k)),
        consequent: universe[i]!,
        support: cz / n,
        confidence,
        coverage: cx / n,
        lift: confidence / (count(1 << i) / n),
        count: cz,
      });
    }
  }
  return { frequent: frequent.length, rules };
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

test('FP-growth agrees with brute-force enumeration on random baskets (seeded)', () => {
  const rand = mulberry32(20171203);
  let totalRules = 0;
  for (let round = 0; round < 250; round++) {
    const nItems = 1 + Math.floor(rand() * 9);
    const n = Math.floor(rand() * 40);
    const density = 0.1 + rand() * 0.6;
    const popularity = Array.from({ length: nItems }, () => rand());
    const lists = Array.from({ length: n }, () => {
      const l: string[] = [];
      for (let i = 0; i < nItems; i++) if (rand() < density * popularity[i]! * 1.5) l.push(`item ${i}`);
      if (l.length > 0 && rand() < 0.2) l.push(l[0]!); // a duplicate
      return l;
    });
    const minSupport = [0.05, 0.1, 0.2, 0.3, 0.5, 1 / 3, 1][Math.floor(rand() * 7)]!;
    const minConfidence = [0, 0.3, 0.5, 0.8, 1][Math.floor(rand() * 5)]!;
    const minLen = 1 + Math.floor(rand() * 2);
    const maxLen = minLen + Math.floor(rand() * 5);
    const label = `round ${round}: n=${n} items=${nItems} supp=${minSupport} conf=${minConfidence} len=${minLen}-${maxLen}`;
    const got = mineBasketRules(basketsFromLists(lists), { minSupport, minConfidence, minLen, maxLen });
    const want = bruteForce(lists, minSupport, minConfidence, minLen, maxLen);
    assert.equal(got.summary.frequentItemsets, want.frequent, label);
    const gotRules = got.top();
    assert.equal(gotRules.length, want.rules.length, label);
    const wantByText = new Map(want.rules.map((r) => [ruleText(r), r]));
    for (const r of gotRules) {
      const w = wantByText.get(ruleText(r));
      assert.ok(w, `${label}: unexpected rule ${ruleText(r)}`);
      assert.equal(r.count, w.count, label);
      assert.ok(close(r.support, w.support) && close(r.confidence, w.confidence) && close(r.coverage, w.coverage) && close(r.lift, w.lift), `${label}: ${ruleText(r)}`);
    }
    // The order: lift, confidence, support descending (ties within round-off), then the text.
    for (let i = 1; i < gotRules.length; i++) {
      const [a, b] = [gotRules[i - 1]!, gotRules[i]!];
      const key = (x: BasketRule) => [x.lift, x.confidence, x.support];
      const [ka, kb] = [key(a), key(b)];
      let cmp = 0;
      for (let k = 0; k < 3 && cmp === 0; k++) if (!close(ka[k]!, kb[k]!)) cmp = kb[k]! - ka[k]!;
      if (cmp === 0) assert.ok(ruleText(a) < ruleText(b), `${label}: tie order at ${i}`);
      else assert.ok(cmp < 0, `${label}: order at ${i}`);
    }
    totalRules += gotRules.length;
  }
  assert.ok(totalRules > 1000, `the random cases exercised ${totalRules} rules`);
});

test('FP-growth agrees with brute force on denser, longer baskets (deep conditional trees)', () => {
  const rand = mulberry32(7);
  for (let round = 0; round < 20; round++) {
    const nItems = 10 + Math.floor(rand() * 4);
    const lists = Array.from({ length: 60 + Math.floor(rand() * 60) }, () => Array.from({ length: nItems }, (_, i) => `x${i}`).filter(() => rand() < 0.55));
    const want = bruteForce(lists, 0.1, 0.6, 1, 10);
    const got = mineBasketRules(basketsFromLists(lists), { minSupport: 0.1, minConfidence: 0.6 });
    assert.equal(got.summary.frequentItemsets, want.frequent);
    assert.deepEqual(got.top().map(ruleText).sort(), want.rules.map(ruleText).sort());
  }
});

// ---- workspace baskets ----

test('workspace baskets: one per order, or one per user and local day of buys; as-of bounds both', async () => {
  const { ws, done } = await tempWorkspace();
  try {
    const orders: [number, number, number, string][] = [
      // order, user, item, time
      [1, 7, 101, '2017-11-25 10:00:00'],
      [1, 7, 102, '2017-11-25 10:00:00'],
      [2, 7, 101, '2017-11-25 23:30:00'],
      [2, 7, 102, '2017-11-25 23:30:00'],
      [2, 7, 103, '2017-11-25 23:30:00'],
      [3, 8, 102, '2017-11-26 09:00:00'],
      [4, 8, 103, '2017-11-28 12:00:00'],
      [4, 8, 104, '2017-11-28 12:00:00'],
    ];
    for (const [o, u, i, ts] of orders) {
      await ws.wh.run('INSERT INTO orders (order_id, user_id, item_id, ts) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP))', [o, u, i, ts]);
    }
    await ws.wh.run('INSERT INTO items (item_id, category_id) VALUES (101, 11), (102, 12), (103, 12), (104, 14)');
    const events: [number, number, string, string, number | null, number | null][] = [
      // id, user, time, type, item, category
      [1, 7, '2017-11-25 10:00:00', 'buy', 101, 11],
      [2, 7, '2017-11-25 10:00:00', 'buy', 102, 12],
      [3, 7, '2017-11-25 23:30:00', 'buy', 103, 12], // same local day as the morning: one basket {101,102,103}
      [4, 7, '2017-11-26 00:10:00', 'buy', 101, 11], // next day: basket {101}
      [5, 8, '2017-11-25 08:00:00', 'buy', 102, 12],
      [6, 8, '2017-11-25 09:00:00', 'buy', 102, 12], // bought twice the same day: once in the basket
      [7, 8, '2017-11-25 09:05:00', 'pv', 109, 19], // not a buy
      [8, 8, '2017-11-25 09:06:00', 'buy', null, null], // no item
      [9, 8, '2017-11-28 12:00:00', 'buy', 104, 14],
    ];
    for (const e of events) {
      await ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, item_id, category_id) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6)', e);
    }
    const byOrder = await basketsFromWorkspace(ws, { basket: 'order' });
    assert.deepEqual(listBaskets(byOrder), [['101', '102'], ['101', '102', '103'], ['102'], ['103', '104']]);
    const byDay = await basketsFromWorkspace(ws, { basket: 'user-day' });
    assert.deepEqual(listBaskets(byDay), [['101', '102', '103'], ['101'], ['102'], ['104']]);
    const asOf = new Date('2017-11-26T23:59:59Z');
    assert.deepEqual(listBaskets(await basketsFromWorkspace(ws, { basket: 'order', asOf })), [['101', '102'], ['101', '102', '103'], ['102']]);
    assert.deepEqual(listBaskets(await basketsFromWorkspace(ws, { basket: 'user-day', asOf })), [['101', '102', '103'], ['101'], ['102']]);
    // Category level: order 2 holds 102 and 103, both category 12 (once).
    assert.deepEqual(listBaskets(await basketsFromWorkspace(ws, { basket: 'order', items: 'category' })), [['11', '12'], ['11', '12'], ['12'], ['12', '14']]);
    assert.deepEqual(listBaskets(await basketsFromWorkspace(ws, { basket: 'user-day', items: 'category' })), [['11', '12'], ['11'], ['12'], ['14']]);
    // Rules on orders: 101 and 102 are together in 2 of 4 orders; 101 is in 2, 102 in 3.
    const rules = mineBasketRules(byOrder, { minSupport: 0.5, minConfidence: 0.6 });
    assert.deepEqual(
      rules.top().map((r) => [ruleText(r), r.support, r.confidence, r.lift]),
      [
        ['{101} => {102}', 0.5, 1, 4 / 3],
        ['{102} => {101}', 0.5, 2 / 3, 4 / 3],
        ['{} => {102}', 0.75, 0.75, 1],
      ],
    );
  } finally {
    await done();
  }
});

// ---- the CLI ----

async function runBasketCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  Object.assign(io, { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t) });
  const program = new Command('portrait').option('-w, --workspace <dir>').exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  registerBasketCommands(program);
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) }));
  try {
    await program.parseAsync(['node', 'portrait', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) return { code: 2, stdout, stderr };
    if (error instanceof PortraitError) return { code: 1, stdout, stderr: `${stderr}error: ${error.message}\n` };
    throw error;
  } finally {
    Object.assign(io, processIo);
  }
}

test('CLI: basket-rules on a file, readable, JSON and CSV', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'b.txt');
    writeFileSync(file, `${FIXTURE.join('\n')}\n`);
    const readable = await runBasketCli(['basket-rules', '--input', file, '--min-support', '0.25', '--min-confidence', '0.5', '--top', '3']);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /min support 0\.25 \(count 2\), min confidence 0\.5, length 1-10/);
    assert.match(readable.stdout, /transactions\s+8/);
    assert.match(readable.stdout, /frequent itemsets\s+11 \(by length 1: 5, 2: 5, 3: 1\)/);
    assert.match(readable.stdout, /rules\s+15/);
    assert.match(readable.stdout, /Top 3 by lift/);
    assert.match(readable.stdout, /\{diapers\} => \{beer\}\s+0\.2500\s+1\.000\s+0\.2500\s+2\.667\s+2/);
    assert.match(readable.stdout, /\.\.\. 12 more/);

    const out = join(dir, 'rules.csv');
    const json = await runBasketCli(['basket-rules', '--input', file, '--min-support', '0.25', '--min-confidence', '0.5', '--json', '--out', out]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.transactions, 8);
    assert.equal(report.minCount, 2);
    assert.equal(report.frequentItemsets, 11);
    assert.equal(report.rules, 15);
    assert.equal(report.shown, 15);
    assert.deepEqual(report.top.map((r: { rule: string }) => r.rule), EXPECTED.map((e) => e[0]));
    assert.deepEqual(report.top[6].antecedent, ['bread', 'butter']);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(csv[0], 'rule,antecedent,consequent,support,confidence,coverage,lift,count');
    assert.equal(csv.length, 16);
    assert.equal(csv[7], '"{bread,butter} => {whole milk}","bread,butter",whole milk,0.25,0.6666666666666666,0.375,1.0666666666666667,2');
  } finally {
    cleanup();
  }
});

test('CLI: usage errors and a workspace basket run', async () => {
  const none = await runBasketCli(['basket-rules']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /exactly one of --input FILE or --basket/);
  const badSupport = await runBasketCli(['basket-rules', '--input', 'x', '--min-support', '0']);
  assert.equal(badSupport.code, 2);
  assert.match(badSupport.stderr, /support/);
  const badKind = await runBasketCli(['basket-rules', '--basket', 'week']);
  assert.equal(badKind.code, 2);
  const mixed = await runBasketCli(['basket-rules', '--input', 'x', '--as-of', '2017-12-01']);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /apply to workspace baskets/);

  const { ws, dir, done } = await tempWorkspace();
  try {
    for (const [o, i] of [[1, 101], [1, 102], [2, 101], [2, 102], [3, 102]] as const) {
      await ws.wh.run("INSERT INTO orders (order_id, user_id, item_id, ts) VALUES ($1, 1, $2, TIMESTAMP '2017-11-25 10:00:00')", [o, i]);
    }
    await ws.close();
    const r = await runBasketCli(['--workspace', join(dir, 'ws'), 'basket-rules', '--basket', 'order', '--min-support', '0.5', '--min-confidence', '0.9', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.transactions, 3);
    // 102 is in every order: both rules have confidence 1 and lift 1; the wider support comes first.
    assert.deepEqual(report.top.map((x: { rule: string }) => x.rule), ['{} => {102}', '{101} => {102}']);
  } finally {
    await done().catch(() => undefined);
  }
});
