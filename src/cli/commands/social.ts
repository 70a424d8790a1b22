/**
 * `portrait social build|kol|communities|evaluate`: the social graph's build stage (influence and
 * communities, as of a time), the KOL / KOC ranking, the communities with their portrait summary, and the
 * check against a synthetic world's truth. See docs/social.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  buildSocialGraph,
  communitySummaries,
  evaluateSocial,
  INFLUENCE_KINDS,
  kolRanking,
  type CommunityReport,
  type InfluenceKind,
  type KolRanking,
  type SocialBuildReport,
  type SocialEvaluation,
} from '../../social/index.js';
import { output, parseAsOf, parsePositive, parseWhole, withWorkspace } from '../context.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';

function parseKinds(value: string): InfluenceKind[] {
  const kinds = value.split(',').map((k) => k.trim());
  const bad = kinds.filter((k) => !(INFLUENCE_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0 || bad.length > 0) throw new InvalidArgumentError(`expected edge kinds from ${INFLUENCE_KINDS.join(', ')}, comma-separated.`);
  return [...new Set(kinds)] as InfluenceKind[];
}

/** A number strictly inside (lo, hi), or in [lo, hi] when `closed`. */
function parseBetween(lo: number, hi: number, closed: boolean) {
  return (value: string): number => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (closed ? n >= lo && n <= hi : n > lo && n < hi);
    if (!ok) throw new InvalidArgumentError(`expected a number ${closed ? 'from' : 'strictly between'} ${lo} ${closed ? 'to' : 'and'} ${hi}.`);
    return n;
  };
}

function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

const pct = (v: number | null, digits = 1) => (v === null ? '-' : `${formatNumber(100 * v, digits)}%`);
const money = (v: number) => formatNumber(v, 2);

interface BuildFlags {
  asOf?: Date;
  kinds?: InfluenceKind[];
  alpha?: number;
  conversionWeight?: number;
  kolReach?: number;
  kocReach?: number;
  resolution?: number;
  seed?: number;
  json?: boolean;
}

export function registerSocialCommands(program: Command): void {
  const social = program.command('social').description('the social graph: influence (KOL / KOC) and communities (build first with `social build` or `portrait build`)');

  social
    .command('build')
    .description('build the influence ranking (PageRank on follows and shares, plus the buyers users drive) and the communities of the friend graph')
    .option('--as-of <time>', 'YYYY-MM-DD (end of day) or YYYY-MM-DD HH:MM[:SS]; default the newest event', parseAsOf)
    .option('--kinds <list>', `edge kinds PageRank runs on, from ${INFLUENCE_KINDS.join(', ')} (default follow,share)`, parseKinds)
    .option('--alpha <a>', 'PageRank damping factor (default 0.85)', parseBetween(0, 1, false))
    .option('--conversion-weight <w>', 'weight of driven buyers in the score, 0 to 1 (default 0.5)', parseBetween(0, 1, true))
    .option('--kol-reach <r>', 'KOL: reach at least this many times the average user (default 50)', parsePositiveNumber)
    .option('--koc-reach <r>', 'KOC: reach at least this, and at least one driven buyer (default 5)', parsePositiveNumber)
    .option('--resolution <r>', 'Louvain resolution: above 1 more, smaller communities (default 1)', parsePositiveNumber)
    .option('--seed <n>', 'seed of Louvain\'s node order (default 42)', parseWhole)
    .option('--json', 'machine-readable output')
    .action(async (flags: BuildFlags, cmd: Command) => {
      const influence = {
        ...(flags.kinds && { kinds: flags.kinds }),
        ...(flags.alpha !== undefined && { alpha: flags.alpha }),
        ...(flags.conversionWeight !== undefined && { conversionWeight: flags.conversionWeight }),
        ...(flags.kolReach !== undefined && { kolReach: flags.kolReach }),
        ...(flags.kocReach !== undefined && { kocReach: flags.kocReach }),
      };
      const communities = {
        ...(flags.resolution !== undefined && { resolution: flags.resolution }),
        ...(flags.seed !== undefined && { seed: flags.seed }),
      };
      const report = await withWorkspace(cmd, (ws) => buildSocialGraph(ws, { ...(flags.asOf && { asOf: flags.asOf }), influence, communities }));
      output(flags.json, report, () => renderBuild(report));
    });

  social
    .command('kol')
    .description('KOL / KOC ranking: reach in the follow/share graph combined with the buyers each user drives')
    .option('--top <n>', 'users listed (default 20)', parsePositive, 20)
    .option('--json', 'machine-readable output')
    .action(async (flags: { top: number; json?: boolean }, cmd: Command) => {
      const ranking = await withWorkspace(cmd, (ws) => kolRanking(ws, { top: flags.top }));
      output(flags.json, ranking, () => renderKols(ranking));
    });

  social
    .command('communities')
    .description('communities of the friend graph (Louvain) with their portrait: size, gender, age bands, interests, spend')
    .option('--min-size <n>', 'only communities with at least this many members (default 2)', parsePositive, 2)
    .option('--top <n>', 'communities listed, largest first (readable output shows 20 unless set; --json all)', parsePositive)
    .option('--json', 'machine-readable output')
    .action(async (flags: { minSize: number; top?: number; json?: boolean }, cmd: Command) => {
      const top = flags.top ?? (flags.json ? undefined : 20);
      const report = await withWorkspace(cmd, (ws) => communitySummaries(ws, { minSize: flags.minSize, ...(top !== undefined && { top }) }));
      output(flags.json, report, () => renderCommunities(report));
    });

  social
    .command('evaluate')
    .description('the KOL ranking, tiers, communities and spread trees against a synthetic world\'s truth')
    .option('--top <n>', 'rank cut for precision / recall (default: the number of truth KOLs, and of KOLs and KOCs)', parsePositive)
    .option('--json', 'machine-readable output')
    .action(async (flags: { top?: number; json?: boolean }, cmd: Command) => {
      const e = await withWorkspace(cmd, (ws) => evaluateSocial(ws, flags.top !== undefined ? { top: flags.top } : {}));
      output(flags.json, e, () => renderEvaluation(e));
    });
}

export function renderBuild(r: SocialBuildReport): string {
  return [
    `Social graph built as of ${formatTime(r.asOf)} in ${formatNumber(r.seconds, 1)} s`,
    renderPairs([
      ['influence graph', `${formatNumber(r.influence.nodes)} users, ${formatNumber(r.influence.edges)} weighted edges`],
      ['ranked users', r.influence.rows],
      ['friend graph', `${formatNumber(r.communities.nodes)} users, ${formatNumber(r.communities.edges)} friendships`],
      ['communities', r.communities.communities],
      ['modularity', r.communities.modularity === null ? '-' : formatNumber(r.communities.modularity, 3)],
    ]),
    '',
    renderTable(
      ['step', 'seconds'],
      [...r.influence.steps, ...r.communities.steps].map((s) => [s.step, formatNumber(s.seconds, 2)]),
    ),
  ].join('\n');
}

export function renderKols(k: KolRanking): string {
  const lines = [
    `KOL / KOC ranking as of ${formatTime(k.build.asOf)}: ${formatNumber(k.ranked)} users ranked, ${formatNumber(k.kols)} KOL, ${formatNumber(k.kocs)} KOC`,
    `(reach = PageRank x ${formatNumber(k.build.influenceNodes)} users of the ${k.build.options.influence.kinds.join('/')} graph, 1 = average; score = ${formatNumber(1 - k.build.options.influence.conversionWeight, 2)} x reach share of the top + ${formatNumber(k.build.options.influence.conversionWeight, 2)} x buyers share of the top)`,
    '',
  ];
  if (k.top.length === 0) return [...lines, 'nobody is ranked: the workspace has no follow or share edges and no referred buys'].join('\n');
  lines.push(
    renderTable(
      ['rank', 'user', 'tier', 'score', 'reach', 'followers', 'shared with', 'referred', 'buyers', 'via referral', 'via content', 'GMV', 'declared'],
      k.top.map((r) => [
        r.rank,
        String(r.userId),
        r.tier ?? '-',
        formatNumber(r.score, 3),
        formatNumber(r.reach, 1),
        r.followers,
        r.shareRecipients,
        r.referredUsers,
        r.buyers,
        r.referredBuyers,
        r.contentBuyers,
        money(r.gmv),
        r.declaredTier ?? '-',
      ]),
    ),
  );
  return lines.join('\n');
}

export function renderCommunities(r: CommunityReport): string {
  const lines = [
    `Communities of the friend graph as of ${formatTime(r.build.asOf)}: ${formatNumber(r.communities)} of at least ${formatNumber(r.minSize)} members, ${formatNumber(r.users)} users (modularity ${r.build.modularity === null ? '-' : formatNumber(r.build.modularity, 3)})`,
    `gender and age from ${r.sources.demographics === 'tags' ? 'the gender and age_band tags (declared, else predicted)' : 'declared attributes'}; interests from ${r.sources.interests}`,
    '',
  ];
  if (r.shown.length === 0) return [...lines, 'no community that large'].join('\n');
  lines.push(
    renderTable(
      ['community', 'size', 'friends inside', 'women', 'main age band', 'top categories', 'buyers', 'spend', 'per member'],
      r.shown.map((c) => {
        const known = c.ageBands.filter((b) => b.band !== 'unknown');
        const knownTotal = known.reduce((s, b) => s + b.users, 0);
        const main = known.reduce<{ band: string; users: number } | null>((best, b) => (best === null || b.users > best.users ? b : best), null);
        return [
          c.community,
          c.size,
          pct(c.insideShare, 0),
          pct(c.womenShare, 0),
          main ? `${main.band} (${pct(main.users / knownTotal, 0)})` : '-',
          c.topCategories.map((t) => `${t.name ?? t.categoryId} ${pct(t.share, 0)}`).join(', ') || '-',
          c.buyers,
          money(c.spend),
          money(c.spendPerMember),
        ];
      }),
    ),
  );
  if (r.shown.length < r.communities) lines.push(`... ${formatNumber(r.communities - r.shown.length)} more (use --top or --json)`);
  return lines.join('\n');
}

export function renderEvaluation(e: SocialEvaluation): string {
  const at = (a: SocialEvaluation['ranking']['kol']) => `${formatNumber(a.hits)} (precision ${pct(a.precision)}, recall ${pct(a.recall)})`;
  const tier = (t: SocialEvaluation['tiers']['kol']) => `${formatNumber(t.labelled)} labelled, ${formatNumber(t.correct)} right of ${formatNumber(t.truth)} (precision ${pct(t.precision)}, recall ${pct(t.recall)})`;
  const c = e.communities;
  const s = e.spread;
  return [
    `Social graph against the synthetic truth, as of ${formatTime(e.asOf)}`,
    renderPairs([
      ['truth creators', `${formatNumber(e.truth.kol)} KOL, ${formatNumber(e.truth.koc)} KOC, ${formatNumber(e.truth.regular)} regular`],
      [`KOLs in the top ${formatNumber(e.ranking.kol.n)}`, at(e.ranking.kol)],
      [`KOLs and KOCs in the top ${formatNumber(e.ranking.kolOrKoc.n)}`, at(e.ranking.kolOrKoc)],
      ['ranks of the KOLs', e.ranking.kolRanks.best === null ? '-' : `${formatNumber(e.ranking.kolRanks.best)} to ${e.ranking.kolRanks.worst === null ? `unranked (${e.ranking.kolRanks.unranked})` : formatNumber(e.ranking.kolRanks.worst)}`],
      ['tier kol', tier(e.tiers.kol)],
      ['tier koc', tier(e.tiers.koc)],
      ['kol or koc', tier(e.tiers.either)],
      ['communities', `${formatNumber(c.count)} (${formatNumber(c.users)} users), modularity ${c.modularity === null ? '-' : formatNumber(c.modularity, 3)}`],
      ['friendships inside', pct(c.friendshipsInside)],
      ['same city', `${pct(c.cityPurity)} (random communities: ${pct(c.cityPurityRandom)})`],
      ['same city and taste group', `${pct(c.blockPurity)} (random communities: ${pct(c.blockPurityRandom)})`],
      ['invite campaigns', s.campaigns],
      ['invitees in truth', s.invitees],
      ['found in spread trees', `${formatNumber(s.found)}; same inviter ${formatNumber(s.sameParent)}, same level ${formatNumber(s.sameLevel)}, same bought ${formatNumber(s.sameBought)}`],
    ]),
  ].join('\n');
}
