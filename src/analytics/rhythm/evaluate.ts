/**
 * Evaluation on a synthetic world: compares the built user_rhythm with the world's ground truth
 * (truth.users: peak_hour, weekend_bias, payday, home_geohash, work_geohash, located, kind). Build stages
 * never read truth; this only reads it. Signals without truth in the synthetic world (session length, time
 * from view to purchase, first action, active hours) are not evaluated. Writes nothing. See docs/rhythm.md.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { RHYTHM_TABLE } from './build.js';
import { rhythmTableExists } from './read.js';

export interface Detection {
  /** Users the build gave a value. */
  predicted: number;
  /** Of those, values equal to the truth. */
  correct: number;
  /** correct / predicted. */
  precision: number | null;
  /** Users the truth says have a value (in the population evaluated). */
  truePositives: number;
  /** correct / truePositives. */
  recall: number | null;
}

export interface RhythmEvaluation {
  /** Ordinary users (truth kind normal) in user_rhythm: the population of every measure below. */
  users: number;
  peakHour: {
    /** Share with peak_hour equal to the truth. */
    exact: number | null;
    /** Share within one hour of it (23 and 0 are neighbours). */
    within1: number | null;
    /** Share a constant guess (the truth's most common peak hour) gets exactly: the bar to beat. */
    baseline: number | null;
    /** The same, for users with at least 100 events. */
    exactActive: number | null;
    activeUsers: number;
  };
  /** Mean weekend_share by the truth's weekend bias: above 0.7 shifts sessions to weekends, below 0.15 away. */
  weekendShare: { weekendLovers: number | null; neutral: number | null; weekdayLovers: number | null };
  /** Payday found equal to truth.users.payday; truePositives = users with at least one purchase day. */
  payday: Detection & {
    /** Detected paydays within one day of the truth (circular over 31 days). */
    within1: number;
    /** Within two days (the default window is three days long, so a window starting a day or two off still overlaps). */
    within2: number;
    /** Users with payday truth and at least minPeakDays-worth of purchase days (3). */
    withThreeBuyDays: number;
  };
  /** Home equal to the truth's home geohash cut to the same precision; truePositives = located users. */
  home: Detection;
  /** Work equal to the truth's work geohash; truePositives = located users with a job. */
  work: Detection & {
    /** Located users without a job who were given a work place anyway. */
    withoutJobButPredicted: number;
  };
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Compares the built user_rhythm with truth.users. Needs a synthetic world and a built table. */
export async function evaluateRhythm(ws: Workspace): Promise<RhythmEvaluation> {
  const { wh } = ws;
  const t = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'truth' AND table_name = 'users'",
  );
  if (num(t[0]?.n) < 1) {
    throw new PortraitError('rhythm evaluation needs the ground truth of a synthetic world (truth.users)', 'run `portrait synth` in a fresh workspace first');
  }
  if (!(await rhythmTableExists(wh))) {
    throw new PortraitError('behaviour rhythm has not been built in this workspace', 'run `portrait build` first');
  }
  const rows = await wh.query<Record<string, unknown>>(`WITH j AS MATERIALIZED (
      SELECT r.*, t.peak_hour AS t_peak, t.weekend_bias, t.payday AS t_payday, t.located, t.has_job,
        t.home_geohash AS t_home, t.work_geohash AS t_work
      FROM ${RHYTHM_TABLE} r JOIN truth.users t USING (user_id)
      WHERE t.kind = 'normal'
    ), base AS (
      SELECT t_peak FROM j GROUP BY t_peak ORDER BY count(*) DESC, t_peak LIMIT 1
    )
    SELECT count(*) AS users,
      avg(CASE WHEN peak_hour = t_peak THEN 1 ELSE 0 END) AS peak_exact,
      avg(CASE WHEN least((peak_hour - t_peak + 24) % 24, (t_peak - peak_hour + 24) % 24) <= 1 THEN 1 ELSE 0 END) AS peak_within1,
      avg(CASE WHEN t_peak = (SELECT t_peak FROM base) THEN 1 ELSE 0 END) AS peak_baseline,
      avg(CASE WHEN peak_hour = t_peak THEN 1 ELSE 0 END) FILTER (WHERE events >= 100) AS peak_exact_active,
      count(*) FILTER (WHERE events >= 100) AS active_users,
      avg(weekend_share) FILTER (WHERE weekend_bias > 0.7) AS we_lovers,
      avg(weekend_share) FILTER (WHERE weekend_bias BETWEEN 0.15 AND 0.7) AS we_neutral,
      avg(weekend_share) FILTER (WHERE weekend_bias < 0.15) AS we_weekday,
      count(payday) AS pay_predicted,
      count(*) FILTER (WHERE payday = t_payday) AS pay_correct,
      count(*) FILTER (WHERE least((payday - t_payday + 31) % 31, (t_payday - payday + 31) % 31) <= 1) AS pay_within1,
      count(*) FILTER (WHERE least((payday - t_payday + 31) % 31, (t_payday - payday + 31) % 31) <= 2) AS pay_within2,
      count(*) FILTER (WHERE buy_days > 0) AS pay_true,
      count(*) FILTER (WHERE buy_days >= 3) AS pay_three,
      count(home_geohash) AS home_predicted,
      count(*) FILTER (WHERE home_geohash = left(t_home, length(home_geohash))) AS home_correct,
      count(*) FILTER (WHERE located) AS home_true,
      count(work_geohash) AS work_predicted,
      count(*) FILTER (WHERE work_geohash = left(t_work, length(work_geohash))) AS work_correct,
      count(*) FILTER (WHERE located AND t_work IS NOT NULL) AS work_true,
      count(*) FILTER (WHERE located AND t_work IS NULL AND work_geohash IS NOT NULL) AS work_nojob
    FROM j`);
  const r = rows[0] ?? {};
  const detection = (p: string, tp: string): Detection => {
    const predicted = num(r[`${p}_predicted`]);
    const correct = num(r[`${p}_correct`]);
    const truePositives = num(r[tp]);
    return { predicted, correct, precision: ratio(correct, predicted), truePositives, recall: ratio(correct, truePositives) };
  };
  return {
    users: num(r.users),
    peakHour: {
      exact: numOrNull(r.peak_exact),
      within1: numOrNull(r.peak_within1),
      baseline: numOrNull(r.peak_baseline),
      exactActive: numOrNull(r.peak_exact_active),
      activeUsers: num(r.active_users),
    },
    weekendShare: { weekendLovers: numOrNull(r.we_lovers), neutral: numOrNull(r.we_neutral), weekdayLovers: numOrNull(r.we_weekday) },
    payday: { ...detection('pay', 'pay_true'), within1: num(r.pay_within1), within2: num(r.pay_within2), withThreeBuyDays: num(r.pay_three) },
    home: detection('home', 'home_true'),
    work: { ...detection('work', 'work_true'), withoutJobButPredicted: num(r.work_nojob) },
  };
}
