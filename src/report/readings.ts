/**
 * The one-line reading under each chart, computed from the same data the chart draws, in English or
 * Chinese; and the KPI cards at the top of the report. Pure: no database.
 */
import { LIVE_CHART_STREAMS } from '../live/charts.js';
import { REPORT_TREE_NODES } from './charts.js';
import { LABELS, RFM_ORDER, dec, int, pct, rfmKey, rfmLabel, stepLabel } from './labels.js';
import {
  CHART_KINDS,
  type ActivityInput,
  type ChartKind,
  type ContentInput,
  type FunnelInput,
  type KolInput,
  type KpiInput,
  type Lang,
  type LifecycleInput,
  type LiveInput,
  type ReportData,
  type ReportGrain,
  type RetentionInput,
  type RfmInput,
  type RoleKey,
  type RolesInput,
  type SegmentsInput,
  type SpreadInput,
} from './types.js';

const GRAIN_EN: Record<ReportGrain, [string, string]> = { day: ['day', 'days'], week: ['week', 'weeks'], month: ['month', 'months'] };
const GRAIN_ZH: Record<ReportGrain, string> = { day: '天', week: '周', month: '个月' };
const ZH_ONE: Record<ReportGrain, string> = { day: '一天', week: '一周', month: '一个月' };

/** How many periods back the KPI reading compares with (or fewer, when the data is shorter). */
export const KPI_LOOKBACK = 4;

/** The relative change from a to b, or null when a is 0. */
function change(a: number, b: number): number | null {
  return a === 0 ? null : b / a - 1;
}

function movedEn(ch: number | null, from: string, to: string): string {
  if (ch === null) return `went from ${from} to ${to}`;
  if (Math.abs(ch) < 0.0005) return `held steady at ${to}`;
  return `${ch > 0 ? 'rose' : 'fell'} ${pct(Math.abs(ch))} (${from} to ${to})`;
}

function movedZh(ch: number | null, from: string, to: string): string {
  if (ch === null) return `从 ${from} 变为 ${to}`;
  if (Math.abs(ch) < 0.0005) return `持平于 ${to}`;
  return `${ch > 0 ? '上升' : '下降'} ${pct(Math.abs(ch))}（${from} → ${to}）`;
}

/**
 * KPI trends: daily active users (the period mean) and buyers in the last period against up to
 * KPI_LOOKBACK periods earlier, and the last period's conversion rate.
 */
export function kpiReading(m: KpiInput, lang: Lang): string {
  const n = m.rows.length;
  if (n === 0) return lang === 'zh' ? '没有可报告的周期。' : 'There is no period to report.';
  const last = m.rows[n - 1]!.values;
  const conv = last.conversionRate === null ? '-' : pct(last.conversionRate);
  if (n === 1) {
    return lang === 'zh'
      ? `仅有${ZH_ONE[m.grain]}的数据：日均活跃用户 ${int(last.avgDau)}，购买用户 ${int(last.buyers)}，成交转化率 ${conv}。`
      : `Only one ${GRAIN_EN[m.grain][0]} of data: ${int(last.avgDau)} daily active users on average, ${int(last.buyers)} buyers, conversion ${conv}.`;
  }
  const k = Math.min(KPI_LOOKBACK, n - 1);
  const first = m.rows[n - 1 - k]!.values;
  const dauCh = change(first.avgDau, last.avgDau);
  const buyCh = change(first.buyers, last.buyers);
  if (lang === 'zh') {
    return `近 ${k} ${GRAIN_ZH[m.grain]}日均活跃用户${movedZh(dauCh, int(first.avgDau), int(last.avgDau))}，购买用户${movedZh(buyCh, int(first.buyers), int(last.buyers))}；最近${ZH_ONE[m.grain]}成交转化率 ${conv}。`;
  }
  const [one, many] = GRAIN_EN[m.grain];
  return `Daily active users ${movedEn(dauCh, int(first.avgDau), int(last.avgDau))} over the last ${k} ${k === 1 ? one : many}; buyers ${movedEn(buyCh, int(first.buyers), int(last.buyers))}; conversion was ${conv} in the last ${one}.`;
}

/** Lifecycle: the last period's active users split into new, returning and resurrecting, and the dormant. */
export function lifecycleReading(l: LifecycleInput, lang: Lang): string {
  const r = l.rows[l.rows.length - 1];
  if (!r) return lang === 'zh' ? '没有可报告的周期。' : 'There is no period to report.';
  const active = r.new + r.returning + r.resurrecting;
  const share = (x: number) => (active > 0 ? pct(x / active) : '-');
  const dormant = Math.abs(r.dormant);
  if (lang === 'zh') {
    return `最近${ZH_ONE[l.grain]}（${r.period} 起）活跃用户 ${int(active)}：新用户 ${int(r.new)}（${share(r.new)}），留存 ${int(r.returning)}（${share(r.returning)}），回流 ${int(r.resurrecting)}（${share(r.resurrecting)}）；${int(dormant)} 人转为沉睡。`;
  }
  return `In the last ${GRAIN_EN[l.grain][0]} (from ${r.period}) ${int(active)} users were active: ${int(r.new)} new (${share(r.new)}), ${int(r.returning)} returning (${share(r.returning)}), ${int(r.resurrecting)} resurrecting (${share(r.resurrecting)}); ${int(dormant)} went dormant.`;
}

/** Funnel: conversion at each step, overall, and the biggest drop (the step losing most users). */
export function funnelReading(f: FunnelInput, lang: Lang): string {
  const s = f.total;
  const first = s[0];
  if (!first || first.users === 0) return lang === 'zh' ? '漏斗第一步没有用户。' : 'No user reached the first step of the funnel.';
  const label = (i: number) => stepLabel(s[i]!.name, lang);
  if (s.length === 1) return lang === 'zh' ? `${int(first.users)} 名用户${label(0)}。` : `${int(first.users)} users ${label(0)}.`;
  const conv = s.map((x, i) => (i === 0 ? 1 : s[i - 1]!.users > 0 ? x.users / s[i - 1]!.users : 0));
  // The biggest drop: the step that loses most users (the first of equals).
  const lost = s.map((x, i) => (i === 0 ? 0 : s[i - 1]!.users - x.users));
  let worst = 1;
  for (let i = 2; i < s.length; i++) if (lost[i]! > lost[worst]!) worst = i;
  const overall = pct(s[s.length - 1]!.users / first.users);
  if (lang === 'zh') {
    const parts = s.slice(1).map((_, j) => `${j === 0 ? '' : '其中 '}${pct(conv[j + 1]!)} ${label(j + 1)}`);
    return `${int(first.users)} 名${label(0)}用户中，${parts.join('，')}（${f.window} 窗口内）；整体转化 ${overall}；流失最大的一步是 ${label(worst - 1)} → ${label(worst)}（流失 ${int(lost[worst]!)} 人，${pct(1 - conv[worst]!)}）。`;
  }
  const parts = s.slice(1).map((_, j) => `${pct(conv[j + 1]!)}${j === 0 ? '' : ' of those'} ${label(j + 1)}`);
  return `Of ${int(first.users)} users who ${label(0)}, ${parts.join(', ')} (within ${f.window}); ${overall} overall; the biggest drop is ${label(worst - 1)} -> ${label(worst)} (${int(lost[worst]!)} users, ${pct(1 - conv[worst]!)} lost).`;
}

/** Retention: the pooled share active again one period after the cohort period, and at the last period reported. */
export function retentionReading(r: RetentionInput, lang: Lang): string {
  if (r.cohorts.length === 0) return lang === 'zh' ? '没有可报告的用户分组。' : 'There is no cohort to report.';
  const L = LABELS[lang];
  const r1 = r.pooled.rates[1] ?? null;
  let k = -1;
  for (let i = r.pooled.rates.length - 1; i > 1; i--) {
    if (r.pooled.rates[i] !== null && r.pooled.rates[i] !== undefined) {
      k = i;
      break;
    }
  }
  const who = lang === 'zh' ? `（${r.cohorts.length} 组共 ${int(r.pooled.size)} 名用户）` : ` (${int(r.pooled.size)} users in ${r.cohorts.length} cohorts)`;
  if (r1 === null) {
    return lang === 'zh' ? `时间尚短，还看不到回访${who}。` : `Too little time has passed to see anyone return${who}.`;
  }
  const rk = k > 1 ? r.pooled.rates[k]! : null;
  if (lang === 'zh') {
    return `首次出现后${L.period[r.grain](1)}仍活跃的用户占 ${pct(r1)}${rk === null ? '' : `，${L.period[r.grain](k)}占 ${pct(rk)}`}${who}。`;
  }
  return `${pct(r1)} of users are active again in ${L.period[r.grain](1)} after they were first seen${rk === null ? '' : `, ${pct(rk)} in ${L.period[r.grain](k)}`}${who}.`;
}

/** RFM: the largest group and the share of important-value buyers. */
export function rfmReading(r: RfmInput, lang: Lang): string {
  const counts = new Map<string, number>();
  for (const g of r.groups) counts.set(rfmKey(g.group), (counts.get(rfmKey(g.group)) ?? 0) + g.users);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return lang === 'zh' ? '没有 RFM 分群（需要购买用户并运行 portrait build）。' : 'No RFM groups: they need buyers and portrait build.';
  const order = [...RFM_ORDER, ...[...counts.keys()].filter((k) => !RFM_ORDER.includes(k))];
  let top = order[0]!;
  for (const k of order) if ((counts.get(k) ?? 0) > (counts.get(top) ?? 0)) top = k;
  const topN = counts.get(top) ?? 0;
  const iv = RFM_ORDER[0]!;
  const ivN = counts.get(iv) ?? 0;
  if (lang === 'zh') {
    return `${int(total)} 名购买用户中，最大的分群是${rfmLabel(top, 'zh')}（${int(topN)} 人，${pct(topN / total)}）${top === iv ? '' : `；${rfmLabel(iv, 'zh')}用户 ${int(ivN)} 人（${pct(ivN / total)}）`}。`;
  }
  return `Of ${int(total)} buyers, the largest group is ${rfmLabel(top, 'en')} (${int(topN)}, ${pct(topN / total)})${top === iv ? '' : `; ${rfmLabel(iv, 'en')} holds ${int(ivN)} (${pct(ivN / total)})`}.`;
}

const ROLE_PLURAL_EN: Record<RoleKey, string> = {
  role_shopper: 'shoppers',
  role_passer_by: 'passers-by',
  role_content_consumer: 'content consumers',
  role_loyal_fan: 'loyal fans',
};
const ROLE_READING_ORDER: readonly RoleKey[] = ['role_shopper', 'role_passer_by', 'role_content_consumer', 'role_loyal_fan'];

/** Roles: each role's share of known users. */
export function rolesReading(r: RolesInput, lang: Lang): string {
  if (r.knownUsers === 0) return lang === 'zh' ? '画像尚未构建：请先运行 portrait build。' : 'The portrait is not built yet: run portrait build.';
  const users = new Map(r.roles.map((x) => [x.role, x.users]));
  const share = (k: RoleKey) => pct((users.get(k) ?? 0) / r.knownUsers);
  if (lang === 'zh') {
    return `${int(r.knownUsers)} 名已知用户中，${ROLE_READING_ORDER.map((k) => `${LABELS.zh.roles[k]}占 ${share(k)}`).join('，')}（一名用户可兼有多个角色）。`;
  }
  const parts = ROLE_READING_ORDER.map((k) => `${share(k)} ${k === 'role_shopper' ? 'are ' : ''}${ROLE_PLURAL_EN[k]}`);
  return `Of ${int(r.knownUsers)} known users, ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]} (a user can hold several roles).`;
}

const hours = (h: number) => `${String(h).padStart(2, '0')}:00-${String(h + 1).padStart(2, '0')}:00`;

/** Activity: the busiest weekday-hour, and the busiest and quietest hour of the day over the week. */
export function activityReading(a: ActivityInput, lang: Lang): string {
  if (a.totalEvents === 0) return lang === 'zh' ? '没有行为数据。' : 'There are no events.';
  let best = { wd: 0, h: 0, n: -1 };
  const byHour = Array.from({ length: 24 }, () => 0);
  a.events.forEach((row, wd) =>
    row.forEach((n, h) => {
      byHour[h]! += n;
      if (n > best.n) best = { wd, h, n };
    }),
  );
  let hi = 0;
  let lo = 0;
  byHour.forEach((n, h) => {
    if (n > byHour[hi]!) hi = h;
    if (n < byHour[lo]!) lo = h;
  });
  const share = (n: number) => pct(n / a.totalEvents);
  const L = LABELS[lang];
  if (lang === 'zh') {
    return `活跃高峰在${L.weekdays[best.wd]} ${hours(best.h)}（占全部行为的 ${share(best.n)}）；按一天中的小时看，最忙的是 ${hours(hi)}（${share(byHour[hi]!)}），最闲的是 ${hours(lo)}（${share(byHour[lo]!)}）。`;
  }
  return `Activity peaks on ${L.weekdays[best.wd]} ${hours(best.h)} (${share(best.n)} of all events); over the week the busiest hour is ${hours(hi)} (${share(byHour[hi]!)}) and the quietest ${hours(lo)} (${share(byHour[lo]!)}).`;
}

/** Segments: how many, the largest and the smallest with their share of known users. */
export function segmentsReading(s: SegmentsInput, lang: Lang): string {
  if (s.segments.length === 0) {
    return lang === 'zh' ? '尚未定义人群：用 portrait segment define FILE.json 定义。' : 'No segment is defined yet: portrait segment define FILE.json adds one.';
  }
  let big = s.segments[0]!;
  let small = s.segments[0]!;
  for (const x of s.segments) {
    if (x.users > big.users) big = x;
    if (x.users < small.users) small = x;
  }
  const share = (n: number) => (s.knownUsers > 0 ? pct(n / s.knownUsers) : '-');
  const n = s.segments.length;
  if (lang === 'zh') {
    return `已定义 ${n} 个人群；最大的是 ${big.name}，${int(big.users)} 人（占 ${int(s.knownUsers)} 名已知用户的 ${share(big.users)}）${n > 1 ? `；最小的是 ${small.name}，${int(small.users)} 人（${share(small.users)}）` : ''}。`;
  }
  return `${n} segment${n === 1 ? '' : 's'} defined; the largest is ${big.name} with ${int(big.users)} users (${share(big.users)} of ${int(s.knownUsers)} known users)${n > 1 ? `, the smallest ${small.name} with ${int(small.users)} (${share(small.users)})` : ''}.`;
}

const shareOf = (x: number | null) => (x === null ? '-' : pct(x));
const money = (x: number) => dec(x, 0);
const ofUsers = (n: number, of: number) => (of > 0 ? pct(n / of) : '-');

/**
 * Content: the orders (and GMV) of the period credited to content by last-touch attribution, and each
 * kind's orders, most first.
 */
export function contentReading(c: ContentInput, lang: Lang): string {
  const day = c.asOf.slice(0, 10);
  if (c.purchases.orders === 0) return lang === 'zh' ? `近 ${c.days} 天（截至 ${day}）没有订单。` : `There were no orders in the ${c.days} days to ${day}.`;
  const K = LABELS[lang].contentKinds;
  const kinds = [...c.kinds].sort((a, b) => b.orders - a.orders).map((k) => ({ name: K[k.kind], orders: int(k.orders), share: shareOf(k.orderShare) }));
  if (lang === 'zh') {
    const parts = kinds.map((k) => `${k.name} ${k.orders} 笔（${k.share}）`).join('，');
    return `近 ${c.days} 天（截至 ${day}）的 ${int(c.purchases.orders)} 笔订单中，${int(c.content.orders)} 笔（${shareOf(c.content.orderShare)}）来自内容（购买前 ${c.window} 内最后浏览的内容），占成交额 ${shareOf(c.content.gmvShare)}${parts ? `；其中${parts}` : ''}。`;
  }
  const parts = kinds.map((k) => `${k.name} ${k.orders} (${k.share})`).join(', ');
  return `In the ${c.days} days to ${day}, ${int(c.content.orders)} of ${int(c.purchases.orders)} orders (${shareOf(c.content.orderShare)}) came through content (the last content viewed within ${c.window} before buying), ${shareOf(c.content.gmvShare)} of GMV${parts ? `; by kind: ${parts}` : ''}.`;
}

/** Live: streams of the period, their audience, who bought through them, and the stream with most credited GMV. */
export function liveReading(l: LiveInput, lang: Lang): string {
  const day = l.asOf.slice(0, 10);
  const n = l.streams.length;
  if (n === 0) return lang === 'zh' ? `近 ${l.days} 天（截至 ${day}）没有开播的直播。` : `No live stream started in the ${l.days} days to ${day}.`;
  let best = l.streams[0]!;
  for (const s of l.streams) {
    if (s.gmv > best.gmv || (s.gmv === best.gmv && (s.audience > best.audience || (s.audience === best.audience && s.liveId < best.liveId)))) best = s;
  }
  const t = l.total;
  const more = n > LIVE_CHART_STREAMS;
  if (lang === 'zh') {
    const top = t.orders > 0 ? `；成交额最高的是 #${best.liveId}（${best.startedAt.slice(0, 10)}）：${money(best.gmv)}，观看 ${int(best.audience)} 人` : '；没有订单归因到直播';
    return `近 ${l.days} 天（截至 ${day}）开播 ${n} 场直播；${int(t.audience)} 名用户观看了直播或回放，其中 ${shareOf(t.conversion)} 通过直播购买（${int(t.orders)} 笔订单，成交额 ${money(t.gmv)}）${top}。${more ? `图中为观看人数最多的 ${LIVE_CHART_STREAMS} 场。` : ''}`;
  }
  const top = t.orders > 0 ? `; the top stream by GMV is #${best.liveId} (${best.startedAt.slice(0, 10)}) with ${money(best.gmv)} from ${int(best.audience)} viewers` : '; no order was credited to a stream';
  return `${n} live stream${n === 1 ? '' : 's'} started in the ${l.days} days to ${day}; ${int(t.audience)} users watched live or a replay and ${shareOf(t.conversion)} of them bought through a stream (${int(t.orders)} orders, GMV ${money(t.gmv)})${top}.${more ? ` The chart shows the ${LIVE_CHART_STREAMS} with the largest audience.` : ''}`;
}

/** Spread levels: the campaign's seeds, users reached, how deep, new users and buyers, and its K-factor. */
export function spreadLevelsReading(s: SpreadInput, lang: Lang): string {
  if (s.campaign === null) {
    return lang === 'zh' ? '暂无裂变活动：传播树来自带活动编号的邀请和分享。' : 'No referral campaign: spread trees come from invites and shares that carry a campaign id.';
  }
  const r = s.reached;
  const k = s.overall.kFactor === null ? '-' : s.overall.kFactor.toFixed(2);
  const span = `${s.firstReferral?.slice(0, 10) ?? '-'}${lang === 'zh' ? ' 至 ' : ' to '}${s.lastReferral?.slice(0, 10) ?? '-'}`;
  if (lang === 'zh') {
    return `${s.campaign}${s.campaigns > 1 ? `（${s.campaigns} 个活动中触达最多）` : ''}从 ${int(s.seeds)} 名种子用户出发，触达 ${int(r.users)} 人，最深到第 ${s.depth} 层（${span}）：新用户 ${int(r.newUsers)}（${ofUsers(r.newUsers, r.users)}），购买 ${int(r.buyers)} 人（${ofUsers(r.buyers, r.users)}）；K 因子 ${k}（${int(s.overall.users)} 名参与用户带来 ${int(s.overall.newUsersBrought)} 名新用户）。`;
  }
  return `${s.campaign}${s.campaigns > 1 ? `, the largest of ${s.campaigns} campaigns by users reached,` : ''} grew from ${int(s.seeds)} seeds to ${int(r.users)} users reached down to level ${s.depth} (${span}): ${int(r.newUsers)} new (${ofUsers(r.newUsers, r.users)}), ${int(r.buyers)} bought (${ofUsers(r.buyers, r.users)}); K-factor ${k} (${int(s.overall.newUsersBrought)} new users brought by ${int(s.overall.users)} users).`;
}

/** Spread tree: the biggest branch (the sharer with most users below) and how much of the tree is drawn. */
export function spreadTreeReading(s: SpreadInput, lang: Lang): string {
  const top = s.topSharer;
  if (s.campaign === null || !top) return lang === 'zh' ? '暂无可绘制的裂变传播树。' : 'There is no spread tree to draw.';
  const total = s.branch.length;
  const shown = Math.min(REPORT_TREE_NODES, total);
  const d = top.downstream;
  if (lang === 'zh') {
    const who = top.level === 0 ? `种子用户 ${top.userId}` : `用户 ${top.userId}（第 ${top.level} 层）`;
    const drawn = shown === total ? `全部 ${int(total)} 人` : `按层级显示其中 ${int(shown)} / ${int(total)} 人，其余合并为“另有 N 人”`;
    return `最大的分支始于${who}：直接带来 ${int(top.direct.users)} 人，其下共 ${int(d.users)} 人（购买 ${int(d.buyers)} 人，成交额 ${money(d.gmv)}）；图中画出这一分支，${drawn}。`;
  }
  const who = top.level === 0 ? `seed ${top.userId}` : `user ${top.userId} (level ${top.level})`;
  const drawn = shown === total ? `all ${int(total)} users` : `${int(shown)} of its ${int(total)} users, level by level, the rest as "+N more"`;
  return `The biggest branch starts at ${who}: ${int(top.direct.users)} users brought directly and ${int(d.users)} in all below it (${int(d.buyers)} bought, GMV ${money(d.gmv)}); the chart draws this branch, ${drawn}.`;
}

const TIER: Record<'kol' | 'koc', string> = { kol: 'KOL', koc: 'KOC' };

/** KOL graph: how many are ranked and labelled, the first of the ranking, and the users drawn around the top. */
export function kolReading(k: KolInput, lang: Lang): string {
  if (k.builtAsOf === null) return lang === 'zh' ? '社交图谱尚未构建：请运行 portrait social build。' : 'The social graph is not built yet: run portrait social build.';
  const first = k.kols[0];
  if (!first) {
    return lang === 'zh' ? `无人上榜：社交图谱（构建于 ${k.builtAsOf}）中没有可排名的关注或分享。` : `Nobody is ranked: the social graph (built as of ${k.builtAsOf}) has no follows or shares to rank by.`;
  }
  const bought = k.users.filter((u) => u.bought).length;
  const tier = first.tier === null ? '' : lang === 'zh' ? `（${TIER[first.tier]}）` : ` (${TIER[first.tier]})`;
  if (lang === 'zh') {
    return `${int(k.ranked)} 名上榜用户中 KOL ${int(k.kolCount)} 名、KOC ${int(k.kocCount)} 名；第一名用户 ${first.userId}${tier}的影响力是普通用户的 ${dec(first.reach, 1)} 倍，带来 ${int(first.buyers)} 名购买用户。前 ${k.kols.length} 名周围是他们触达的 ${int(k.users.length)} 名用户（每人最多 ${k.reachedPerKol} 名），其中 ${int(bought)} 人经由他们购买（图谱构建于 ${k.builtAsOf}）。`;
  }
  return `Of ${int(k.ranked)} ranked users, ${int(k.kolCount)} ${k.kolCount === 1 ? 'is a KOL' : 'are KOLs'} and ${int(k.kocCount)} ${k.kocCount === 1 ? 'a KOC' : 'KOCs'}; the first, user ${first.userId}${tier}, reaches ${dec(first.reach, 1)} times the average user and drove ${int(first.buyers)} buyers. Around the top ${k.kols.length} are ${int(k.users.length)} users they reached (up to ${k.reachedPerKol} each), ${int(bought)} of whom bought through them (graph built as of ${k.builtAsOf}).`;
}

/** Every chart's reading. */
export function reportReadings(data: ReportData, lang: Lang): Record<ChartKind, string> {
  const fns: Record<ChartKind, () => string> = {
    kpi: () => kpiReading(data.metrics, lang),
    lifecycle: () => lifecycleReading(data.lifecycle, lang),
    funnel: () => funnelReading(data.funnel, lang),
    retention: () => retentionReading(data.retention, lang),
    rfm: () => rfmReading(data.rfm, lang),
    roles: () => rolesReading(data.roles, lang),
    activity: () => activityReading(data.activity, lang),
    segments: () => segmentsReading(data.segments, lang),
    content: () => contentReading(data.content, lang),
    live: () => liveReading(data.live, lang),
    spreadLevels: () => spreadLevelsReading(data.spread, lang),
    spreadTree: () => spreadTreeReading(data.spread, lang),
    kolGraph: () => kolReading(data.kol, lang),
  };
  return Object.fromEntries(CHART_KINDS.map((k) => [k, fns[k]()])) as Record<ChartKind, string>;
}

export interface KpiCard {
  label: string;
  value: string;
  /** Against the previous period, e.g. "+12.0% vs previous week"; null without one. */
  change: string | null;
}

/** The cards at the top: the last period's figures and their change against the period before. */
export function kpiCards(m: KpiInput, lang: Lang): { period: string | null; cards: KpiCard[] } {
  const L = LABELS[lang];
  const n = m.rows.length;
  const last = m.rows[n - 1];
  if (!last) return { period: null, cards: [] };
  const prev = n > 1 ? m.rows[n - 2]!.values : null;
  const v = last.values;
  const ch = (now: number | null, before: number | null | undefined): string | null => {
    if (now === null || before === null || before === undefined || before === 0) return null;
    const x = now / before - 1;
    return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}% ${L.vsPrevious(m.grain)}`;
  };
  const cards: KpiCard[] = [
    { label: L.kpi.activeUsers, value: int(v.activeUsers), change: ch(v.activeUsers, prev?.activeUsers) },
    { label: L.kpi.dau, value: int(v.avgDau), change: ch(v.avgDau, prev?.avgDau) },
    { label: L.kpi.buyers, value: int(v.buyers), change: ch(v.buyers, prev?.buyers) },
    { label: L.kpi.orders, value: int(v.orders), change: ch(v.orders, prev?.orders) },
    { label: L.kpi.gmv, value: v.gmv === null ? '-' : dec(v.gmv, 0), change: ch(v.gmv, prev?.gmv) },
    { label: L.kpi.conversion, value: v.conversionRate === null ? '-' : pct(v.conversionRate), change: ch(v.conversionRate, prev?.conversionRate) },
  ];
  return { period: last.period === last.periodEnd ? last.period : `${last.period} – ${last.periodEnd}`, cards };
}

