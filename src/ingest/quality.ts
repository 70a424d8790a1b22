/**
 * Data-quality notes about rows an import kept. Odd rows are stored, counted and reported, never
 * silently dropped: the operator decides what they mean.
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { QualityNote } from './report.js';

/**
 * Events far outside the batch's main time window. The main window runs from the 0.1% to the 99.9%
 * quantile of event time, widened to whole days; an event more than `marginDays` outside it is noted.
 * (The real Taobao sample has one event on 2017-09-11 among 2017-11-25..12-03.)
 */
export async function timeWindowNotes(wh: Warehouse, batchId: number, marginDays: number): Promise<QualityNote[]> {
  const rows = await wh.query<{ lo: Date | null; hi: Date | null }>(
    `SELECT date_trunc('day', quantile_disc(ts, 0.001)) AS lo,
            date_trunc('day', quantile_disc(ts, 0.999)) + INTERVAL 1 DAY AS hi
     FROM events WHERE batch_id = $1`,
    [batchId],
  );
  const lo = rows[0]?.lo;
  const hi = rows[0]?.hi;
  if (!lo || !hi) return [];
  const outliers = await wh.query<{ n: number; first: Date | null; last: Date | null }>(
    `SELECT count(*) AS n, min(ts) AS first, max(ts) AS last FROM events
     WHERE batch_id = $1 AND (ts < $2::TIMESTAMP - to_days($4) OR ts >= $3::TIMESTAMP + to_days($4))`,
    [batchId, lo, hi, marginDays],
  );
  const o = outliers[0];
  if (!o || o.n === 0) return [];
  return [
    {
      code: 'outside_main_window',
      count: o.n,
      detail: `${o.n} event(s) more than ${marginDays} day(s) outside the main window ${day(lo)}..${day(new Date(hi.getTime() - 86400000))} (earliest ${iso(o.first)}, latest ${iso(o.last)}); kept`,
    },
  ];
}

/** Rows that repeat another row of the same file exactly (same user, item, behaviour and second). */
export async function repeatedRowNotes(wh: Warehouse, batchId: number): Promise<QualityNote[]> {
  const rows = await wh.query<{ n: number }>(
    'SELECT count(*) - count(DISTINCT event_id) AS n FROM events WHERE batch_id = $1',
    [batchId],
  );
  const n = Number(rows[0]?.n ?? 0);
  if (n === 0) return [];
  return [
    {
      code: 'repeated_rows',
      count: n,
      detail: `${n} row(s) repeat an earlier row of the same file exactly; kept as the source has them`,
    },
  ];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const iso = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');
