/**
 * The population: every user's latent traits (who they are, where they live and work, how active they
 * are, when they arrive and whether they lapse), drawn in the engine from hashes of (seed, user). The
 * latent table `synth_people` feeds every other generator; `users` receives the declared part, each
 * attribute missing for a realistic share and equal to the latent value when present.
 */
import { pick, tempTable, tsSql, write, type SynthContext } from './context.js';
import { cityRows, GRID, placeRows } from './geo.js';
import { AGE_BANDS } from './taxonomy.js';

/** Share of users whose declared attribute is filled in. */
export const DECLARED_SHARE = {
  gender: 0.6,
  birth_date: 0.5,
  city: 0.62,
  occupation: 0.4,
  income: 0.33,
  education: 0.3,
  marital_status: 0.45,
  children: 0.4,
} as const;

/** Peak hours (hour, weight) of the 18-24s, the 25-34s, the 35-49s and the 50+. */
const PEAK_HOURS: readonly (readonly (readonly [number, number])[])[] = [
  [[22, 20], [23, 18], [21, 14], [0, 12], [20, 10], [1, 6], [13, 6], [15, 6], [10, 4], [16, 4]],
  [[20, 22], [21, 22], [22, 14], [19, 10], [23, 6], [12, 8], [13, 5], [10, 5], [9, 3], [15, 3], [0, 2]],
  [[20, 22], [21, 18], [19, 14], [12, 10], [22, 8], [13, 6], [9, 8], [10, 6], [8, 4], [15, 4]],
  [[9, 16], [10, 14], [8, 12], [19, 14], [20, 14], [15, 10], [14, 8], [7, 6], [21, 6]],
];

export async function buildPeople(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const days = plan.days;
  await tempTable(ctx, 'synth_city', { city_id: 'BIGINT', name: 'VARCHAR', tier: 'BIGINT', weight: 'DOUBLE' }, cityRows());
  await tempTable(ctx, 'synth_place', { city_id: 'BIGINT', cell: 'BIGINT', geohash: 'VARCHAR' }, placeRows());

  const cities = cityRows();
  const farmGroups = Math.max(1, Math.round((plan.users * plan.farmShare) / 20));
  const scalperGroups = Math.max(1, Math.round((plan.users * plan.scalperShare) / 5));
  // One hash of the user id, salted per purpose: a single hash per draw.
  const u = (purpose: string) => r.pu(purpose, 'hu');
  const normal = (purpose: string) => `(sqrt(-2 * ln(1 - ${u(`${purpose}#a`)})) * cos(6.283185307179586e0 * ${u(`${purpose}#b`)}))`;
  const band = pick(u('age-band'), AGE_BANDS.map((b, i) => [i, b.share] as const));
  const bandLo = `[${AGE_BANDS.map((b) => b.lo).join(', ')}][age_band + 1]`;
  const bandHi = `[${AGE_BANDS.map((b) => b.hi).join(', ')}][age_band + 1]`;
  const married = `[${AGE_BANDS.map((b) => b.married).join(', ')}][age_band + 1]`;
  const gap = plan.gapDays;

  await ctx.wh.run(`CREATE TEMP TABLE synth_people AS
  WITH k AS (
    SELECT range + 1 AS user_id, hash(range + 1) AS hu FROM range(${plan.users})
  ), a AS (
    SELECT user_id, hu,
      CASE WHEN ${u('kind')} < ${plan.farmShare} THEN 'coupon_farm'
           WHEN ${u('kind')} < ${plan.farmShare + plan.scalperShare} THEN 'scalper' ELSE 'normal' END AS kind,
      CASE WHEN ${u('gender')} < 0.56 THEN 'female' ELSE 'male' END AS gender,
      ${band} AS age_band,
      ${pick(u('city'), cities.map((c) => [c.city_id, c.weight] as const))} AS city_id,
      CAST(floor(${plan.tasteGroups} * pow(${u('taste')}, 1.25)) AS BIGINT) AS taste_group,
      CAST(round(1000000 * exp(0.9 * ${normal('activity')} - 0.405)) AS BIGINT) AS activity0,
      ${pick(u('payday'), [[1, 10], [5, 10], [10, 20], [15, 20], [20, 10], [25, 10], [0, 20]])} AS payday0,
      ${u('weekend')} AS weekend_bias,
      -- Scalpers are old accounts; everyone else exists already with the plan's share.
      (${u('kind')} >= ${plan.farmShare} AND ${u('kind')} < ${plan.farmShare + plan.scalperShare}) OR ${u('existing')} < ${plan.existingShare} AS existing
    FROM k
  ), b AS (
    SELECT a.*, c.tier, c.name AS city,
      CASE WHEN kind = 'coupon_farm' THEN CAST(floor(${u('group')} * ${farmGroups}) AS BIGINT)
           WHEN kind = 'scalper' THEN CAST(floor(${u('group')} * ${scalperGroups}) AS BIGINT) END AS grp,
      CAST(${bandLo} + floor(${u('age')} * (${bandHi} - ${bandLo} + 1)) AS BIGINT) AS age,
      CASE WHEN payday0 = 0 THEN 1 + CAST(floor(${u('payday-any')} * 28) AS BIGINT) ELSE payday0 END AS payday,
      ${u('marital')} < ${married} AS married,
      -- The hour of the day a user is most online leans on age: students late at night, the 50+ by day.
      CASE age_band WHEN 0 THEN ${pick(u('peak'), PEAK_HOURS[0]!)}
        WHEN 1 THEN ${pick(u('peak'), PEAK_HOURS[1]!)} WHEN 2 THEN ${pick(u('peak'), PEAK_HOURS[1]!)}
        WHEN 3 THEN ${pick(u('peak'), PEAK_HOURS[2]!)} WHEN 4 THEN ${pick(u('peak'), PEAK_HOURS[2]!)}
        ELSE ${pick(u('peak'), PEAK_HOURS[3]!)} END AS peak_hour
    FROM a JOIN synth_city c USING (city_id)
  ), c AS (
    SELECT b.*,
      CASE WHEN age < 23 THEN ${pick(u('occ'), [['student', 75], ['office worker', 10], ['worker', 10], ['freelancer', 5]])}
           WHEN age >= 56 THEN ${pick(u('occ'), [['retired', 70], ['self-employed', 10], ['worker', 10], ['homemaker', 10]])}
           WHEN gender = 'female' THEN ${pick(u('occ'), [['office worker', 36], ['worker', 16], ['self-employed', 11], ['civil servant', 6], ['freelancer', 8], ['teacher', 7], ['medical staff', 5], ['homemaker', 9], ['unemployed', 2]])}
           ELSE ${pick(u('occ'), [['office worker', 36], ['worker', 25], ['self-employed', 14], ['civil servant', 7], ['freelancer', 8], ['teacher', 3], ['medical staff', 3], ['homemaker', 1], ['unemployed', 3]])}
      END AS occupation,
      CASE WHEN married THEN ${pick(u('children'), [[0, 15], [1, 60], [2, 25]])} ELSE 0 END AS children,
      GREATEST(0, age - 24 - CAST(floor(${u('child-age')} * 9) AS BIGINT)) AS child_age
    FROM b
  ), d AS (
    SELECT c.*,
      occupation IN ('office worker', 'worker', 'civil servant', 'teacher', 'medical staff') AS has_job,
      CASE WHEN occupation IN ('office worker', 'civil servant', 'teacher', 'medical staff')
             THEN ${pick(u('edu'), [['bachelor', 55], ['master', 20], ['college', 20], ['high school', 5]])}
           WHEN occupation = 'student' THEN ${pick(u('edu'), [['bachelor', 60], ['college', 30], ['high school', 10]])}
           WHEN occupation = 'worker' THEN ${pick(u('edu'), [['high school', 50], ['middle school', 30], ['college', 20]])}
           ELSE ${pick(u('edu'), [['high school', 40], ['college', 30], ['bachelor', 25], ['middle school', 5]])} END AS education,
      CASE WHEN children = 0 THEN NULL WHEN child_age < 3 THEN 'infant' WHEN child_age < 6 THEN 'preschool'
           WHEN child_age < 12 THEN 'school' WHEN child_age < 18 THEN 'teen' ELSE 'adult' END AS child_stage,
      -- Income: big cities and the 30-49s earn more, students and the young less.
      ${u('income')} AS ui,
      [0.36, 0.26, 0.17, 0.11, 0.07][tier] * CASE WHEN age < 23 THEN 0.25 WHEN age BETWEEN 30 AND 49 THEN 1.3 ELSE 1 END AS p_high,
      LEAST(0.9, [0.18, 0.26, 0.34, 0.45, 0.55][tier] * CASE WHEN age < 23 THEN 2 ELSE 1 END) AS p_low
    FROM c
  ), e AS (
    SELECT d.*,
      CASE WHEN ui < p_low THEN 0 WHEN ui < p_low + p_high THEN 2 ELSE 1 END AS income_level,
      COALESCE(child_stage IN ('infant', 'preschool'), false) AS young_child,
      -- Arrival: existing users are there from day 0; newcomers arrive during the window; farms in bursts.
      CASE WHEN kind = 'coupon_farm' THEN CAST(floor(${r.u('farm-burst-day', 'grp')} * ${days}) AS BIGINT)
           WHEN existing THEN 0 ELSE CAST(floor(${u('arrival-day')} * ${days}) AS BIGINT) END AS arrival_day,
      ${u('life')} AS ul
    FROM d
  ), f AS (
    SELECT e.*,
      CASE WHEN kind = 'coupon_farm' THEN arrival_day * 86400 + CAST(floor(${r.u('farm-burst-hour', 'grp')} * 20) AS BIGINT) * 3600 + CAST(floor(${u('farm-offset')} * 3600) AS BIGINT)
           WHEN existing THEN NULL
           ELSE LEAST(${days * 86400 - 900}, GREATEST(600, arrival_day * 86400 + ((peak_hour + 22 + CAST(floor(${u('arrival-hour')} * 4) AS BIGINT)) % 24) * 3600 + CAST(floor(${u('arrival-sec')} * 3600) AS BIGINT))) END AS arrival_sec,
      -- Lifecycle plan: most stay; some lapse (pause, maybe come back); some churn for good.
      CASE WHEN kind <> 'normal' THEN 'steady'
           WHEN ul < 0.62 THEN 'steady' WHEN ul < 0.85 THEN 'lapse' ELSE 'churn' END AS plan0
    FROM e
  ), g AS (
    SELECT f.*,
      CASE WHEN plan0 = 'churn' THEN arrival_day + 1 + CAST(floor(${u('churn-day')} * GREATEST(1, ${days} - ${2 * gap} - arrival_day - 1)) AS BIGINT)
           WHEN plan0 = 'lapse' THEN arrival_day + 1 + CAST(floor(${u('lapse-day')} * GREATEST(1, ${days} - arrival_day - 2)) AS BIGINT) END AS stop_day,
      ${gap} + CAST(floor(${u('lapse-len')} * ${2 * gap}) AS BIGINT) AS pause_len,
      CAST(floor(${u('home')} * ${GRID * GRID}) AS BIGINT) AS home_cell,
      CAST((${GRID / 4} + floor(${u('work-row')} * ${GRID / 2})) * ${GRID} + ${GRID / 4} + floor(${u('work-col')} * ${GRID / 2}) AS BIGINT) AS work_cell
    FROM f
  )
  SELECT user_id, kind, grp, gender, age_band, age, g.city_id, city, tier, taste_group, income_level, occupation, has_job, education,
    married, children, child_stage, young_child, payday, peak_hour, weekend_bias, arrival_day, arrival_sec, existing,
    CASE WHEN kind = 'coupon_farm' THEN 0 WHEN kind = 'scalper' THEN activity0 * 3 / 10 ELSE activity0 END AS activity,
    CASE WHEN stop_day IS NULL OR stop_day >= ${days} THEN 'steady' ELSE plan0 END AS life_plan,
    arrival_day AS a0,
    CASE WHEN stop_day IS NULL OR stop_day >= ${days} THEN ${days} ELSE stop_day END AS a1,
    CASE WHEN plan0 = 'lapse' AND stop_day < ${days} AND stop_day + pause_len < ${days} THEN stop_day + pause_len ELSE ${days} END AS b0,
    ${days} AS b1,
    CASE WHEN ${u('shift')} < 0.1 AND kind = 'normal' THEN arrival_day + CAST(floor(${u('shift-day')} * (${days} - arrival_day)) AS BIGINT) END AS shift_day,
    ${u('located')} < 0.6 AS located,
    -- Spending leans on income: buy propensity and the price level of what they look at.
    CAST(round(1000 * [0.8, 1.0, 1.25][income_level + 1] * exp(0.5 * ${normal('buy-factor')} - 0.125)) AS BIGINT) AS buy_w,
    CAST(round(1000 * exp(0.4 * ${normal('fav-factor')} - 0.08)) AS BIGINT) AS fav_w,
    CAST(round(1000 * exp(0.4 * ${normal('cart-factor')} - 0.08)) AS BIGINT) AS cart_w,
    [-0.45, 0.0, 0.45][income_level + 1] AS price_tilt,
    ${u('content-fan')} < 0.55 AS content_fan,
    ${u('live-fan')} < CASE WHEN gender = 'female' THEN 0.3 ELSE 0.08 END AS live_fan,
    CASE WHEN kind = 'coupon_farm' THEN ${r.md5Id('farmdevice', 'grp', `CAST(floor(${u('farm-device')} * (1 + ${r.hash('farm-devices', 'grp')} % 3)) AS BIGINT)`)}
         ELSE ${r.md5Id('device', 'user_id', '1')} END AS dev1,
    CASE WHEN kind = 'scalper' THEN ${r.md5Id('scalperdevice', 'grp')}
         WHEN kind = 'coupon_farm' THEN NULL
         WHEN married AND ${u('family-device')} < 0.04 THEN ${r.md5Id('device', 'xor(user_id, 1)', '1')}
         WHEN ${u('second-device')} < 0.22 THEN ${r.md5Id('device', 'user_id', '2')} END AS dev2,
    CASE WHEN ${u('phone')} < 0.85 THEN ${r.md5Id('phone', 'user_id')} END AS phone,
    CASE WHEN arrival_sec IS NOT NULL THEN arrival_sec - 60 - CAST(floor(${u('reg-offset')} * 120) AS BIGINT)
         ELSE -86400 * (30 + CAST(floor(${u('reg-age')} * 1800) AS BIGINT)) + CAST(floor(${u('reg-sec')} * 86400) AS BIGINT) END AS reg_sec,
    -- Places: home anywhere in the city grid, work in its centre.
    h.geohash AS home_gh, CASE WHEN has_job THEN w.geohash END AS work_gh
  FROM g
  JOIN synth_place h ON h.city_id = g.city_id AND h.cell = g.home_cell
  JOIN synth_place w ON w.city_id = g.city_id AND w.cell = g.work_cell`);

}

/** The declared `users` rows. */
export async function writeUsers(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const has = (field: keyof typeof DECLARED_SHARE) =>
    `(kind <> 'coupon_farm' AND ${r.u(`declared-${field}`, 'user_id')} < ${DECLARED_SHARE[field]})`;
  // Birthday: the age at the last day, on a day drawn from the year before it.
  const lastDay = `DATE '${new Date((plan.epoch0 + (plan.days - 1) * 86400) * 1000).toISOString().slice(0, 10)}'`;
  await write(
    ctx,
    'users',
    `INSERT INTO users (user_id, gender, birth_date, city, occupation, income, education, marital_status, children, phone,
                        registered_at, member_level, points)
     SELECT user_id,
       CASE WHEN ${has('gender')} THEN CAST(gender AS gender) END,
       CASE WHEN ${has('birth_date')} THEN CAST(${lastDay} - INTERVAL (age) YEAR - INTERVAL (${r.int(365, 'birthday', 'user_id')}) DAY AS DATE) END,
       CASE WHEN ${has('city')} THEN city END,
       CASE WHEN ${has('occupation')} THEN occupation END,
       CASE WHEN ${has('income')} THEN ['low', 'middle', 'high'][income_level + 1] END,
       CASE WHEN ${has('education')} THEN education END,
       CASE WHEN ${has('marital_status')} THEN CASE WHEN married THEN 'married' ELSE 'single' END END,
       CASE WHEN ${has('children')} THEN children END,
       phone,
       -- Invited newcomers register as they open the invite.
       ${tsSql(plan, 'LEAST(reg_sec, COALESCE(t.click_sec - 5, reg_sec))')},
       LEAST(6, CAST(floor(log2(1 + CAST(activity AS DOUBLE) / 25e4)) AS BIGINT) + income_level),
       CAST(floor(CAST(activity AS DOUBLE) * 6e-3 * ${r.u('points', 'user_id')}) AS BIGINT)
     FROM synth_people LEFT JOIN (SELECT user_id, click_sec FROM synth_tree) t USING (user_id)`,
  );
}

/** A few percent refuse targeting; some more state a choice either way. */
export async function writeConsents(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const when = tsSql(plan, `${r.int(plan.days * 86400, 'consent-time', 'user_id')}`);
  await write(
    ctx,
    'consents',
    `INSERT INTO consents (user_id, purpose, allowed, updated_at)
     SELECT user_id, 'targeting', NOT (${r.u('consent', 'user_id')} < 0.035), ${when} FROM synth_people
     WHERE ${r.u('consent', 'user_id')} < 0.035 OR ${r.u('consent', 'user_id')} >= 0.95`,
  );
  await write(
    ctx,
    'consents',
    `INSERT INTO consents (user_id, purpose, allowed, updated_at)
     SELECT user_id, 'personalisation', ${r.u('consent-p', 'user_id')} >= 0.02, ${when} FROM synth_people
     WHERE ${r.u('consent-p', 'user_id')} < 0.06`,
  );
}
