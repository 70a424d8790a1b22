/**
 * Data-quality notes about rows an import kept. Odd rows are stored, counted and reported, never
 * silently dropped: the operator decides what they mean.
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { QualityNote } from './report.js';

/**
 * Events far outside the batch's main time window. The main window runs from the day holding the 0.1%
 * quantile of event time to the day holding the 99.9% quantile; an event more than `marginDays` outside
 * it is noted. (The real Taobao sample has one event on 2017-09-11 among 2017-11-25..12-03.) Quantiles
 * come from a per-day histogram: exact, and one cheap aggregate even at 100M events.
 */
export async function timeWindowNotes(wh: Warehouse, batchId: number, marginDays: number): Promise<QualityNote[]> {
  const days = await wh.query<{ day: Date; n: number }>(
    `SELECT ${wh.dialect.truncate('day', 'ts')} AS day, count(*) AS n FROM events WHERE batch_id = $1 GROUP BY ALL ORDER BY day`,
    [batchId],
  );
  const total = days.reduce((sum, d) => sum + d.n, 0);
  if (total === 0) return [];
  const dayAtShare = (share: number): Date => {
    let seen = 0;
    for (const d of days) {
      seen += d.n;
      if (seen >= share * total) return d.day;
    }
    return days[days.length - 1]!.day;
  };
  const lo = dayAtShare(0.001);
  const hi = new Date(dayAtShare(0.999).getTime() + DAY_MS);
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
      detail: `${o.n} event(s) more than ${marginDays} day(s) outside the main window ${day(lo)}..${day(new Date(hi.getTime() - DAY_MS))} (earliest ${iso(o.first)}, latest ${iso(o.last)}); kept`,
    },
  ];
}

const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);
const iso = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');
