/**
 * The predicted attributes, their classes, and their declared labels as of a time.
 */
import type { Workspace } from '../../workspace/workspace.js';

export const ATTRIBUTES = ['gender', 'age_band'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export const CLASSES: Record<Attribute, readonly string[]> = {
  gender: ['female', 'male'],
  age_band: ['<18', '18-24', '25-34', '35-44', '45-54', '55+'],
};

/** A class is trained (and can be predicted) only with at least this many declared training users. */
export const MIN_LABELS_PER_CLASS = 50;

export function isAttribute(value: string): value is Attribute {
  return (ATTRIBUTES as readonly string[]).includes(value);
}

/** The age band of a whole-years age. */
export function ageBand(age: number): string {
  if (age < 18) return '<18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  return '55+';
}

/**
 * The same bands in SQL, from an age expression (whole years): the declared age band of the tags. Kept
 * beside ageBand so the two cannot drift (a test compares them).
 */
export function ageBandSql(age: string): string {
  return `CASE WHEN ${age} < 18 THEN '<18' WHEN ${age} < 25 THEN '18-24' WHEN ${age} < 35 THEN '25-34' WHEN ${age} < 45 THEN '35-44' WHEN ${age} < 55 THEN '45-54' ELSE '55+' END`;
}

/**
 * SQL of each attribute's declared value per user in `users u`, as of `asOf()` (a TIMESTAMP expression,
 * asked for only when the attribute depends on time).
 */
export function declaredSql(attribute: Attribute, asOf: () => string): string {
  if (attribute === 'gender') return 'CAST(u.gender AS VARCHAR)';
  const day = `CAST(${asOf()} AS DATE)`;
  const age = `date_sub('year', u.birth_date, ${day})`;
  return `CASE WHEN u.birth_date <= ${day} AND ${age} <= 120 THEN ${ageBandSql(age)} END`;
}

/**
 * Declared values by user id: gender as declared; age band from birth_date in whole years on the as-of
 * day (birthdays after as-of and impossible ages over 120 count as undeclared).
 */
export async function declaredLabels(ws: Workspace, attribute: Attribute, asOf: Date): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (attribute === 'gender') {
    const rows = await ws.wh.query<{ user_id: number; v: string }>(
      'SELECT user_id, CAST(gender AS VARCHAR) AS v FROM users WHERE gender IS NOT NULL',
    );
    for (const r of rows) out.set(Number(r.user_id), r.v);
  } else {
    const rows = await ws.wh.query<{ user_id: number; age: number }>(
      `SELECT user_id, date_sub('year', birth_date, CAST(CAST($1 AS TIMESTAMP) AS DATE)) AS age
       FROM users WHERE birth_date IS NOT NULL AND birth_date <= CAST(CAST($1 AS TIMESTAMP) AS DATE)`,
      [asOf],
    );
    for (const r of rows) if (Number(r.age) <= 120) out.set(Number(r.user_id), ageBand(Number(r.age)));
  }
  return out;
}
