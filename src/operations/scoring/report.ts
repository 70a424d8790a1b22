/**
 * What a plan's scores look like: leads per band, a histogram, and the best leads with why each scored
 * as it did (the rules it matched, with their points); and the export of the best leads, which never
 * holds a user who opted out of targeting.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { PortraitError } from '../../errors.js';
import { recordAudit } from '../../privacy/audit.js';
import { consentRefusedSql } from '../../privacy/consent.js';
import type { Workspace } from '../../workspace/workspace.js';
import { KNOWN_USERS_TABLE } from '../../tags/values/build.js';
import { scoreRange, type ScoringPlan } from './plan.js';
import { LEAD_SCORES_TABLE } from './score.js';

/** Users who refused targeting, by the one definition of consent (src/privacy/consent.ts): the latest choices. */
const OPTED_OUT_SQL = consentRefusedSql('targeting', null);

export interface BandCount {
  band: string;
  min: number;
  leads: number;
  share: number;
}

export interface HistogramBin {
  /** Scores from `from` up to but not including `to`. */
  from: number;
  to: number;
  leads: number;
}

export interface LeadDistribution {
  plan: string;
  asOf: Date;
  leads: number;
  knownUsers: number;
  meanScore: number | null;
  bands: BandCount[];
  /** Leads below every band's min. */
  unbanded: number;
  histogram: HistogramBin[];
}

export interface Lead {
  rank: number;
  userId: number;
  score: number;
  band: string | null;
  /** The rules the lead matched, in plan order, with their points: why it scored as it did. */
  why: { rule: string; points: number }[];
  /** The user refused targeting: shown here, never exported. */
  optedOut: boolean;
}

/** The smallest of 1, 2, 5, 10, 20, 50 ... at least `raw`: a bin width people can read. */
export function niceWidth(raw: number): number {
  for (let scale = 1; ; scale *= 10) {
    for (const m of [1, 2, 5]) if (m * scale >= raw) return m * scale;
  }
}

/** At most 20 bins of a readable width covering every score the plan can give. */
export function histogramBins(plan: ScoringPlan): { lo: number; width: number; count: number } {
  const { min, max } = scoreRange(plan);
  const width = niceWidth((max - min) / 20);
  const lo = Math.floor(min / width) * width;
  return { lo, width, count: Math.floor((max - lo) / width) + 1 };
}

export async function leadDistribution(ws: Workspace, plan: ScoringPlan): Promise<LeadDistribution> {
  const { wh } = ws;
  const [head] = await wh.query<{ leads: number; mean: number | null; as_of: Date | null; known: number }>(
    `SELECT count(*) AS leads, avg(score) AS mean, max(as_of) AS as_of, (SELECT count(*) FROM ${KNOWN_USERS_TABLE}) AS known
     FROM ${LEAD_SCORES_TABLE} WHERE plan = $1`,
    [plan.id],
  );
  if (!head?.as_of) throw new PortraitError(`scoring plan ${plan.id} has not been scored`, `run portrait score --plan ${plan.id}`);
  const leads = Number(head.leads);
  const byBand = new Map(
    (await wh.query<{ band: string | null; n: number }>(`SELECT band, count(*) AS n FROM ${LEAD_SCORES_TABLE} WHERE plan = $1 GROUP BY band`, [plan.id])).map((r) => [
      r.band,
      Number(r.n),
    ]),
  );
  const bins = histogramBins(plan);
  const counted = new Map(
    (
      await wh.query<{ bin: number; n: number }>(
        `SELECT CAST(floor((score - $2) / $3) AS BIGINT) AS bin, count(*) AS n FROM ${LEAD_SCORES_TABLE} WHERE plan = $1 GROUP BY 1`,
        [plan.id, bins.lo, bins.width],
      )
    ).map((r) => [Number(r.bin), Number(r.n)]),
  );
  return {
    plan: plan.id,
    asOf: head.as_of,
    leads,
    knownUsers: Number(head.known),
    meanScore: head.mean === null ? null : Number(head.mean),
    bands: plan.bands.map((b) => {
      const n = byBand.get(b.band) ?? 0;
      return { band: b.band, min: b.min, leads: n, share: leads ? n / leads : 0 };
    }),
    unbanded: byBand.get(null) ?? 0,
    histogram: Array.from({ length: bins.count }, (_, i) => ({
      from: bins.lo + i * bins.width,
      to: bins.lo + (i + 1) * bins.width,
      leads: counted.get(i) ?? 0,
    })),
  };
}

/** Best first; equal scores by user id. */
const RANKED = `SELECT user_id, score, band, rules, user_id IN (${OPTED_OUT_SQL}) AS opted_out,
    row_number() OVER (ORDER BY score DESC, user_id) AS pos
  FROM ${LEAD_SCORES_TABLE} WHERE plan = $1`;

function toLead(plan: ScoringPlan, r: { user_id: number; score: number; band: string | null; rules: string[]; opted_out: boolean; pos: number }): Lead {
  const points = new Map(plan.rules.map((x) => [x.name, x.points]));
  return {
    rank: Number(r.pos),
    userId: Number(r.user_id),
    score: Number(r.score),
    band: r.band,
    why: r.rules.map((rule) => ({ rule, points: points.get(rule) ?? 0 })),
    optedOut: Boolean(r.opted_out),
  };
}

/** The `n` best leads with why they scored so (opted-out users included and marked: this is analysis). */
export async function topLeads(ws: Workspace, plan: ScoringPlan, n: number): Promise<Lead[]> {
  const rows = await ws.wh.query<Parameters<typeof toLead>[1]>(`SELECT * FROM (${RANKED}) WHERE pos <= $2 ORDER BY pos`, [plan.id, n]);
  return rows.map((r) => toLead(plan, r));
}

export interface LeadExport {
  file: string;
  /** Leads written. */
  leads: number;
  /** Opted-out leads ranked among the exported ones, left out (the next best took their places). */
  optedOut: number;
}

/**
 * Writes the `n` best leads who allow targeting to `out` (.csv or .parquet): rank, user_id, score, band
 * and the rules matched. Written beside the target and renamed, so a failure leaves no half file; the
 * export is recorded in the audit log.
 */
export async function exportTopLeads(ws: Workspace, plan: ScoringPlan, n: number, out: string): Promise<LeadExport> {
  const format = { '.csv': 'csv', '.parquet': 'parquet' }[extname(out).toLowerCase()];
  if (!format) throw new PortraitError(`cannot export leads to ${out}`, 'name a .csv or .parquet file');
  const allowed = `SELECT row_number() OVER (ORDER BY pos) AS rank, user_id, score, band, array_to_string(rules, '; ') AS rules, pos
    FROM (${RANKED}) WHERE NOT opted_out`;
  const [cut] = await ws.wh.query<{ leads: number; last: number | null }>(
    `SELECT count(*) AS leads, max(pos) AS last FROM (${allowed}) WHERE rank <= $2`,
    [plan.id, n],
  );
  const leads = Number(cut!.leads);
  // Passed over: the opted-out leads ranked before the last one written (all of them when fewer than n allow targeting).
  const [skipped] = await ws.wh.query<{ n: number }>(
    `SELECT count(*) AS n FROM (${RANKED}) WHERE opted_out AND ($2 < $3 OR pos < $4)`,
    [plan.id, leads, n, cut!.last ?? 0],
  );
  const temp = `${out}.partial`;
  try {
    await ws.wh.run(
      `COPY (SELECT rank, user_id, score, band, rules FROM (${allowed}) WHERE rank <= $2 ORDER BY rank) TO $3 (FORMAT ${format})`,
      [plan.id, n, temp],
    );
    // The audit entry and the file appear together: a failed rename rolls the entry back.
    await ws.wh.transaction(async () => {
      await recordAudit(ws, {
        action: 'export',
        subject: `scoring plan ${plan.id}`,
        rows: leads,
        file: resolve(out),
        details: { kind: 'lead list', format, top: n, opted_out: Number(skipped!.n) },
      });
      renameSync(temp, out);
    });
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
  }
  return { file: out, leads, optedOut: Number(skipped!.n) };
}
