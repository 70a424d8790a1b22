/**
 * Chart definitions for the social graph: pure functions from results to Apache ECharts options, with no
 * functions inside and no animation, so they render to SVG on the server (src/report/svg.ts) and in a
 * dashboard alike. The inputs are the narrow shapes below; `SpreadTree` and `KolGraph` satisfy them.
 */
import type { EChartsOption } from 'echarts';
import type { Lang } from '../report/types.js';

const FONT = "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif";
const COLORS = { blue: '#3b6fd8', green: '#2f9e6e', orange: '#e08a2c', red: '#c9473d', grey: '#9aa3ad', purple: '#7b5cc4' };

const LABELS = {
  en: {
    noData: 'No data',
    level: (l: number) => (l === 0 ? 'Seeds' : `Level ${l}`),
    users: 'Users',
    newUsers: 'New users',
    buyers: 'Buyers',
    k: 'K-factor',
    more: (n: number) => `+${n} more`,
    kol: 'KOL',
    koc: 'KOC',
    ranked: 'Other top users',
    bought: 'Reached, bought',
    reached: 'Reached',
    newUser: 'New user',
    existing: 'Existing user',
    colours: { green: 'green', blue: 'blue', grey: 'grey' },
  },
  zh: {
    noData: '暂无数据',
    level: (l: number) => (l === 0 ? '种子用户' : `第${l}层`),
    users: '用户数',
    newUsers: '新用户',
    buyers: '购买用户',
    k: 'K 因子',
    more: (n: number) => `另有 ${n} 人`,
    kol: 'KOL',
    koc: 'KOC',
    ranked: '其他高影响力用户',
    bought: '触达并购买',
    reached: '触达',
    newUser: '新用户',
    existing: '老用户',
    colours: { green: '绿色', blue: '蓝色', grey: '灰色' },
  },
} as const;

function base(option: EChartsOption): EChartsOption {
  return { animation: false, textStyle: { fontFamily: FONT }, color: [COLORS.blue, COLORS.green, COLORS.orange, COLORS.red, COLORS.purple, COLORS.grey], ...option };
}

function emptyOption(text: string): EChartsOption {
  return base({ graphic: [{ type: 'text', left: 'center', top: 'middle', style: { text, fontSize: 15, fill: '#8a929b' } }] });
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export interface SpreadLevelsInput {
  campaign: string;
  levels: readonly { level: number; users: number; newUsers: number; buyers: number; kFactor: number | null }[];
}

/** Users, new users and buyers per level of a spread tree (bars), with the level's K-factor (line, right axis). */
export function spreadLevelsOption(t: SpreadLevelsInput, lang: Lang): EChartsOption {
  const L = LABELS[lang];
  if (t.levels.length === 0) return emptyOption(L.noData);
  const bar = (name: string, data: number[], color: string) => ({ type: 'bar' as const, name, data, itemStyle: { color }, barGap: '10%' });
  return base({
    title: { text: t.campaign, left: 'center', top: 0, textStyle: { fontSize: 14, fontWeight: 'normal' } },
    legend: { top: 24, data: [L.users, L.newUsers, L.buyers, L.k] },
    grid: { left: 60, right: 60, top: 60, bottom: 40 },
    xAxis: { type: 'category', data: t.levels.map((l) => L.level(l.level)) },
    yAxis: [{ type: 'value' }, { type: 'value', splitLine: { show: false } }],
    series: [
      bar(L.users, t.levels.map((l) => l.users), COLORS.blue),
      bar(L.newUsers, t.levels.map((l) => l.newUsers), COLORS.purple),
      bar(L.buyers, t.levels.map((l) => l.buyers), COLORS.green),
      {
        type: 'line',
        name: L.k,
        yAxisIndex: 1,
        data: t.levels.map((l) => (l.kFactor === null ? null : round(l.kFactor))),
        lineStyle: { color: COLORS.orange, width: 2 },
        itemStyle: { color: COLORS.orange },
      },
    ],
  });
}

export interface SpreadTreeInput {
  campaign: string;
  nodes: readonly { userId: number; parent: number | null; level: number; isNew: boolean; orders: number; gmv: number }[];
}

interface TreeDatum {
  name: string;
  value?: number;
  itemStyle?: { color: string };
  children?: TreeDatum[];
}

/**
 * The spread tree itself (left to right: the campaign, its seeds, who they brought...), at most `maxNodes`
 * users, chosen level by level (within a level the largest subtrees first), so the top of every tree shows;
 * what does not fit is one "+N more" leaf per parent. Green: bought; blue: new user; grey: existing user.
 */
export function spreadTreeOption(t: SpreadTreeInput, lang: Lang, maxNodes = 300): EChartsOption {
  const L = LABELS[lang];
  if (t.nodes.length === 0) return emptyOption(L.noData);
  type Node = SpreadTreeInput['nodes'][number];
  const children = new Map<number | null, Node[]>();
  for (const n of t.nodes) {
    const list = children.get(n.parent);
    if (list) list.push(n);
    else children.set(n.parent, [n]);
  }
  // Subtree sizes, deepest first.
  const size = new Map<number, number>();
  for (const n of [...t.nodes].sort((a, b) => b.level - a.level)) {
    size.set(n.userId, 1 + (children.get(n.userId) ?? []).reduce((s, c) => s + (size.get(c.userId) ?? 1), 0));
  }
  const bySize = (a: Node, b: Node) => (size.get(b.userId) ?? 1) - (size.get(a.userId) ?? 1) || a.userId - b.userId;
  const kept = new Set<number>();
  let frontier = [...(children.get(null) ?? [])].sort(bySize);
  while (frontier.length > 0 && kept.size < maxNodes) {
    const next: Node[] = [];
    for (const n of frontier) {
      if (kept.size >= maxNodes) break;
      kept.add(n.userId);
      next.push(...(children.get(n.userId) ?? []));
    }
    frontier = next.sort(bySize);
  }
  const build = (list: Node[]): TreeDatum[] => {
    const out: TreeDatum[] = [];
    let left = 0;
    for (const n of [...list].sort(bySize)) {
      if (!kept.has(n.userId)) {
        left += size.get(n.userId) ?? 1;
        continue;
      }
      const color = n.orders > 0 ? COLORS.green : n.isNew ? COLORS.blue : COLORS.grey;
      const datum: TreeDatum = { name: String(n.userId), value: round(n.gmv, 2), itemStyle: { color } };
      const kids = children.get(n.userId);
      if (kids) datum.children = build(kids);
      out.push(datum);
    }
    if (left > 0) out.push({ name: L.more(left), itemStyle: { color: '#ffffff' } });
    return out;
  };
  const data: TreeDatum = { name: t.campaign, itemStyle: { color: COLORS.orange }, children: build(children.get(null) ?? []) };
  return base({
    title: {
      text: `${L.bought}: ${L.colours.green}   ${L.newUser}: ${L.colours.blue}   ${L.existing}: ${L.colours.grey}`,
      left: 'center',
      top: 0,
      textStyle: { fontSize: 12, fontWeight: 'normal', color: '#5a636d' },
    },
    series: [
      {
        type: 'tree',
        data: [data],
        orient: 'LR',
        top: 30,
        left: 90,
        bottom: 10,
        right: 90,
        symbol: 'circle',
        symbolSize: 6,
        initialTreeDepth: -1,
        expandAndCollapse: false,
        label: { position: 'left', verticalAlign: 'middle', align: 'right', fontSize: 8 },
        leaves: { label: { position: 'right', verticalAlign: 'middle', align: 'left' } },
        lineStyle: { color: '#c8ced6', width: 1 },
      },
    ],
  });
}

export interface KolGraphInput {
  kols: readonly { userId: number; rank: number; reach: number; tier: 'kol' | 'koc' | null }[];
  users: readonly { userId: number; bought: boolean }[];
  links: readonly { kol: number; user: number; bought: boolean }[];
}

/**
 * The top KOLs and the users they reached, as a graph: the ranked users on a circle (size by reach), each
 * with the users it reached around it (green: bought through it). Positions are computed here, so the
 * picture is the same on every render.
 */
export function kolGraphOption(g: KolGraphInput, lang: Lang, size = { width: 900, height: 700 }): EChartsOption {
  const L = LABELS[lang];
  if (g.kols.length === 0) return emptyOption(L.noData);
  const cx = size.width / 2;
  const cy = size.height / 2;
  const ring = Math.min(cx, cy) * (g.kols.length === 1 ? 0 : 0.55);
  const orbit = Math.min(cx, cy) * Math.min(0.35, g.kols.length === 1 ? 0.8 : Math.PI / g.kols.length);
  const maxReach = Math.max(...g.kols.map((k) => k.reach), 1e-12);
  const kolIds = new Set(g.kols.map((k) => k.userId));
  const categories = [{ name: L.kol }, { name: L.koc }, { name: L.ranked }, { name: L.bought }, { name: L.reached }];
  const nodes: { id: string; name: string; x: number; y: number; symbolSize: number; category: number; itemStyle?: { color: string } }[] = [];
  const centre = new Map<number, { x: number; y: number }>();
  g.kols.forEach((k, i) => {
    const a = (2 * Math.PI * i) / g.kols.length - Math.PI / 2;
    const p = { x: round(cx + ring * Math.cos(a), 1), y: round(cy + ring * Math.sin(a), 1) };
    centre.set(k.userId, p);
    const category = k.tier === 'kol' ? 0 : k.tier === 'koc' ? 1 : 2;
    nodes.push({ id: String(k.userId), name: `#${k.rank} ${k.userId}`, ...p, symbolSize: round(14 + 30 * Math.sqrt(k.reach / maxReach), 1), category });
  });
  // Each reached user sits around the first KOL (by rank) that reached them.
  const around = new Map<number, number[]>();
  const placed = new Set<number>();
  const order = new Map(g.kols.map((k) => [k.userId, k.rank]));
  const links = [...g.links].sort((a, b) => (order.get(a.kol) ?? 0) - (order.get(b.kol) ?? 0) || a.user - b.user);
  for (const l of links) {
    if (kolIds.has(l.user) || placed.has(l.user)) continue;
    placed.add(l.user);
    const list = around.get(l.kol);
    if (list) list.push(l.user);
    else around.set(l.kol, [l.user]);
  }
  const bought = new Map(g.users.map((u) => [u.userId, u.bought]));
  for (const [kol, users] of around) {
    const c = centre.get(kol)!;
    users.forEach((u, j) => {
      const a = (2 * Math.PI * j) / users.length;
      const r = orbit * (0.55 + 0.45 * ((j % 3) / 2));
      nodes.push({ id: String(u), name: String(u), x: round(c.x + r * Math.cos(a), 1), y: round(c.y + r * Math.sin(a), 1), symbolSize: 5, category: bought.get(u) ? 3 : 4 });
    });
  }
  return base({
    legend: { top: 0, data: categories.map((c) => c.name) },
    color: [COLORS.red, COLORS.orange, COLORS.purple, COLORS.green, COLORS.grey],
    series: [
      {
        type: 'graph',
        layout: 'none',
        top: 30,
        categories,
        data: nodes,
        links: links.filter((l) => l.kol !== l.user).map((l) => ({ source: String(l.kol), target: String(l.user), lineStyle: { color: l.bought ? COLORS.green : '#d5dae0', width: l.bought ? 1 : 0.5 } })),
        label: { show: false },
        lineStyle: { opacity: 0.7 },
      },
    ],
  });
}
