/** `portrait profile USER_ID`: one user's portrait card in three views. */
import type { Command } from 'commander';
import { profileCard, type Attribute, type ProfileCard, type ScoredTag } from '../../profile/profile.js';
import { TAG_FAMILIES } from '../../tags/registry/definition.js';
import { output, parseId, withWorkspace } from '../context.js';
import { formatNumber, formatTime, formatValue, renderPairs, type Cell } from '../format.js';

const parseUserId = parseId('user');

/** ISO weekdays: 1 is Monday. */
const WEEKDAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function attribute(a: Attribute): string {
  const parts: string[] = [];
  if (a.declared !== null) parts.push(`${a.declared} (declared)`);
  if (a.predicted !== null) parts.push(`${a.predicted} (predicted, ${formatNumber(100 * (a.confidence ?? 0))}% sure)`);
  return parts.join('; ') || '-';
}

const scored = (tags: ScoredTag[]) => (tags.length ? tags.map((t) => `${t.tag} (${t.score.toFixed(1)})`).join(', ') : '-');

export function renderProfile(card: ProfileCard): string {
  const t = (key: string) => {
    for (const family of Object.values(card.tags)) if (family && key in family) return family[key];
    return undefined;
  };
  const v = (key: string, unit?: string) => formatValue(t(key), unit);
  const r = card.behaviour.rhythm;
  const individual: [string, Cell][] = [
    ['gender', attribute(card.individual.gender)],
    ['age band', attribute(card.individual.ageBand)],
    ['age', card.individual.age],
    ['children', card.individual.children],
    ['city', card.individual.city],
    ['occupation', card.individual.occupation],
    ['income', card.individual.income],
    ['education', card.individual.education],
    ['marital status', card.individual.maritalStatus],
    ['interests: categories', scored(card.individual.interests.category)],
    ['interests: brands', scored(card.individual.interests.brand)],
    ['interests: content', scored(card.individual.interests.contentTag)],
  ];
  const behaviour: [string, Cell][] = [
    ['first seen', v('first_seen')],
    ['last seen', v('last_seen')],
    ['channel', v('channel')],
    ['active days (30d)', v('active_days_30d')],
    ['views 7/30/90d', `${v('pv_7d')} / ${v('pv_30d')} / ${v('pv_90d')}`],
    ['carts 7/30/90d', `${v('cart_7d')} / ${v('cart_30d')} / ${v('cart_90d')}`],
    ['buys 7/30/90d', `${v('buy_7d')} / ${v('buy_30d')} / ${v('buy_90d')}`],
    ['favourite categories', v('favourite_categories')],
  ];
  if (r) {
    behaviour.push(
      ['online', `peak at ${r.peak_hour}:00, most active ${r.active_hours.map((h) => `${h}h`).join(' ')}; peak day ${WEEKDAYS[r.peak_weekday] ?? r.peak_weekday}, ${formatNumber(100 * r.weekend_share)}% at weekends`],
      ['sessions', `${formatNumber(r.sessions)}, typically ${formatValue(r.median_session_minutes)} min; first action ${r.first_action}`],
      ['first look to purchase', r.median_view_to_buy_minutes === null ? '-' : `median ${formatValue(r.median_view_to_buy_minutes)} min`],
      ['payday', r.payday === null ? 'none shown by the data' : `day ${r.payday} of the month`],
      ['home / work', `${r.home_geohash ?? '-'} / ${r.work_geohash ?? '-'}`],
    );
  }
  const consumption: [string, Cell][] = [
    ['purchases', `${v('purchase_count')} (${v('purchase_amount', 'yuan')}); last ${v('last_purchase')}`],
    ['spent in 90 days', v('purchase_amount_90d', 'yuan')],
    ['average order value', v('average_order_value', 'yuan')],
    ['consumption level', `${v('price_level')} (percentile ${v('price_percentile')})`],
    ['consumption cycle', `${v('consumption_cycle_days', 'days')}; next due ${v('next_due')}`],
    ['lifetime value (1y)', `${v('clv', 'yuan')}; P(alive) ${v('p_alive')}; expected purchase days ${v('expected_purchases_1y')}`],
    ['high value', v('high_value')],
    ['device', `${v('device_os')}, ${v('device_tier')} tier (${v('device_price', 'yuan')})`],
  ];
  for (const c of card.behaviour.cycles) {
    consumption.push([`due: category ${c.categoryId}`, `every ${formatValue(c.intervalDays)} days; next ${c.nextDue} (${c.daysUntilDue >= 0 ? `in ${c.daysUntilDue}` : `${-c.daysUntilDue} overdue`} days)`]);
  }
  for (const g of card.behaviour.gifts) consumption.push(['gift (not an interest)', `item ${g.itemId ?? '-'} in category ${g.categoryId ?? '-'} at ${formatTime(g.ts)}: ${g.reason}`]);
  const s = card.social;
  const social: [string, Cell][] = [
    ['friends', s.friends],
    ['followers / following', `${formatNumber(s.followers)} / ${formatNumber(s.following)}`],
    ['brought by', s.broughtBy],
    ['invited', s.invited],
    ['shares with', s.sharesWith.join(', ') || '-'],
  ];
  const recs = card.recommendations.map((r) => `  ${r.rank}. item ${r.item_id} (${r.source}): ${r.reason_en}`);
  const tagLines = TAG_FAMILIES.filter((f) => card.tags[f]).map(
    (f) => `  ${f}: ${Object.entries(card.tags[f]!).map(([k, x]) => `${k}=${formatValue(x)}`).join('; ')}`,
  );
  return [
    `user ${card.userId}, portrait as of ${formatTime(card.asOf)}`,
    '',
    'INDIVIDUAL',
    renderPairs(individual),
    '',
    'BEHAVIOUR',
    renderPairs(behaviour),
    '',
    'CONSUMPTION',
    renderPairs(consumption),
    '',
    'SOCIAL',
    renderPairs(social),
    '',
    ...(recs.length ? ['RECOMMENDED', ...recs, ''] : []),
    'ALL TAGS',
    ...tagLines,
  ].join('\n');
}

export function registerProfileCommands(program: Command): void {
  program
    .command('profile')
    .description("one user's portrait: individual, behaviour and social views, with every tag (run portrait build first)")
    .argument('<user-id>', 'user id', parseUserId)
    .option('--json', 'machine-readable output')
    .action(async (userId: number, flags: { json?: boolean }, cmd: Command) => {
      const card = await withWorkspace(cmd, (ws) => profileCard(ws, userId));
      output(flags.json, card, () => renderProfile(card));
    });
}
