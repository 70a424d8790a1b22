/**
 * Reading tag values: one user's tags (for the profile card) and one tag's distribution over users (for
 * `portrait tags show`).
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { RegisteredTag } from '../registry/registry.js';
import { KNOWN_USERS_TABLE, TAG_VALUES_BY_USER_TABLE, TAG_VALUES_TABLE, tableExists } from './build.js';

export type TagValue = number | string | boolean | Date | string[];

/** Every stored tag value of one user, by tag key (tag_values_by_user must exist). */
export async function tagsOfUser(wh: Warehouse, userId: number, registry: { typeOf(key: string): string | undefined }): Promise<Map<string, TagValue>> {
  const out = new Map<string, TagValue>();
  const rows = await wh.query<{ tag: string; num: number | null; txt: string | null; ts: Date | null; lst: string[] | null }>(
    `SELECT tag, num, txt, ts, lst FROM ${TAG_VALUES_BY_USER_TABLE} WHERE user_id = $1 ORDER BY tag`,
    [userId],
  );
  for (const r of rows) {
    const type = registry.typeOf(r.tag);
    const value = type === 'boolean' ? r.num === 1 : (r.num ?? r.txt ?? r.ts ?? r.lst);
    if (value !== null && value !== undefined) out.set(r.tag, value);
  }
  return out;
}

export interface TagDistribution {
  key: string;
  /** Users with a value, and all known users. */
  users: number;
  knownUsers: number;
  /** Numbers and times: quantiles and mean (times as local time text). */
  summary?: { min: number | string; p25: number | string; median: number | string; p75: number | string; max: number | string; mean?: number };
  /** Text, true/false and list tags (list: each element), and numbers with few distinct values: most common first. */
  values?: { value: string; users: number; share: number }[];
  /** Numbers with many distinct values: ten equal-width bins. */
  histogram?: { from: number; to: number; users: number }[];
}

export async function tagDistribution(wh: Warehouse, tag: RegisteredTag): Promise<TagDistribution> {
  const known = (await tableExists(wh, KNOWN_USERS_TABLE))
    ? Number((await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${KNOWN_USERS_TABLE}`))[0]?.n ?? 0)
    : 0;
  const base: TagDistribution = { key: tag.key, users: 0, knownUsers: known };
  if (!(await tableExists(wh, TAG_VALUES_TABLE))) return base;
  const rows = `(SELECT * FROM ${TAG_VALUES_TABLE} WHERE tag = $1)`;
  base.users = Number((await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${rows}`, [tag.key]))[0]?.n ?? 0);
  if (base.users === 0) return base;
  const top = async (expr: string, from: string) =>
    (await wh.query<{ value: string; users: number }>(
      `SELECT CAST(${expr} AS VARCHAR) AS value, count(*) AS users FROM ${from} GROUP BY 1 ORDER BY users DESC, value LIMIT 10`,
      [tag.key],
    )).map((r) => ({ value: r.value, users: Number(r.users), share: Number(r.users) / base.users }));
  switch (tag.type) {
    case 'text':
      return { ...base, values: await top('txt', rows) };
    case 'boolean':
      return { ...base, values: await top("CASE WHEN num = 1 THEN 'true' ELSE 'false' END", rows) };
    case 'list':
      return { ...base, values: await top('v', `(SELECT unnest(lst) AS v FROM ${rows})`) };
    case 'timestamp': {
      const [s] = await wh.query<{ min: string; p25: string; median: string; p75: string; max: string }>(
        `SELECT strftime(min(ts), '%Y-%m-%d %H:%M:%S') AS min, strftime(quantile_disc(ts, 0.25), '%Y-%m-%d %H:%M:%S') AS p25,
           strftime(quantile_disc(ts, 0.5), '%Y-%m-%d %H:%M:%S') AS median, strftime(quantile_disc(ts, 0.75), '%Y-%m-%d %H:%M:%S') AS p75,
           strftime(max(ts), '%Y-%m-%d %H:%M:%S') AS max FROM ${rows}`,
        [tag.key],
      );
      return { ...base, summary: s! };
    }
    case 'number':
    case 'integer': {
      const [s] = await wh.query<{ min: number; p25: number; median: number; p75: number; max: number; mean: number; distinct: number }>(
        `SELECT min(num) AS min, quantile_cont(num, 0.25) AS p25, median(num) AS median, quantile_cont(num, 0.75) AS p75,
           max(num) AS max, avg(num) AS mean, count(DISTINCT num) AS distinct FROM ${rows}`,
        [tag.key],
      );
      const { distinct, ...summary } = s!;
      if (Number(distinct) <= 10) return { ...base, summary, values: await top('num', rows) };
      const width = (summary.max - summary.min) / 10;
      const bins = await wh.query<{ bin: number; users: number }>(
        `SELECT least(CAST(floor((num - $2) / $3) AS INTEGER), 9) AS bin, count(*) AS users FROM ${rows} GROUP BY 1 ORDER BY 1`,
        [tag.key, summary.min, width],
      );
      const histogram = Array.from({ length: 10 }, (_, i) => ({ from: summary.min + i * width, to: summary.min + (i + 1) * width, users: 0 }));
      for (const b of bins) histogram[Number(b.bin)]!.users = Number(b.users);
      return { ...base, summary, histogram };
    }
    default: {
      const never: never = tag.type;
      throw new Error(`unknown type ${String(never)}`);
    }
  }
}
