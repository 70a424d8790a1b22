/** `portrait messages --campaign FILE|ID --out FILE`: personalised copy per user (docs/messages.md). */
import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { parseLocalTime, runCampaign, type MessagesResult } from '../../operations/messages/index.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { output, withWorkspace } from '../context.js';
import { formatNumber, formatTime, renderTable } from '../format.js';

const REASONS: [keyof MessagesResult['skipped'], string][] = [
  ['opted_out', 'opted out of targeting'],
  ['no_template', 'no template matched'],
  ['missing_variable', 'missing variable'],
  ['quiet_hours', 'quiet hours'],
  ['capped', 'frequency cap reached'],
];

/** A send time needs its time of day: quiet hours depend on it. */
function parseSendAt(value: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(value.trim()) ? parseLocalTime(value.trim().replace('T', ' ')) : null;
  if (!d) throw new InvalidArgumentError('expected a local time YYYY-MM-DD HH:MM[:SS].');
  return d;
}

export function registerMessagesCommands(program: Command): void {
  program
    .command('messages')
    .description('render a message campaign: one message per targeted user, the first matching template\'s copy and channel (rendering only; run portrait build first)')
    .requiredOption('--campaign <campaign>', 'campaign: a JSON file (validated, then stored as a versioned definition), or the id of a stored campaign')
    .requiredOption('--out <file>', 'where the messages go: a .csv or .parquet file')
    .option('--send-at <time>', "send time, YYYY-MM-DD HH:MM[:SS] local (default: the campaign's sendAt, else the portrait's as-of)", parseSendAt)
    .option('--json', 'machine-readable output')
    .action(async (flags: { campaign: string; out: string; sendAt?: Date; json?: boolean }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => {
        const isFile = flags.campaign.endsWith('.json') || existsSync(flags.campaign);
        const campaign = isFile ? { input: readJsonFile(flags.campaign), where: flags.campaign } : { id: flags.campaign };
        return runCampaign(ws, campaign, flags.out, { sendAt: flags.sendAt });
      });
      output(flags.json, result, () => renderMessages(result));
    });
}

export function renderMessages(r: MessagesResult): string {
  const skipped = r.targeted - r.rendered;
  const lines = [
    `campaign ${r.campaign} (${r.stored.status}, version ${r.stored.version}): send at ${formatTime(r.sendAt)}, portrait as of ${formatTime(r.asOf)}`,
    `targeted ${formatNumber(r.targeted)} users: ${formatNumber(r.rendered)} messages rendered to ${r.file}, ${formatNumber(skipped)} skipped`,
    `by channel: push ${formatNumber(r.byChannel.push)}, sms ${formatNumber(r.byChannel.sms)}, in_app ${formatNumber(r.byChannel.in_app)}`,
    '',
    renderTable(
      ['skipped because', 'users'],
      REASONS.map(([k, label]) => [k === 'missing_variable' && Object.keys(r.missing).length ? `${label} (${Object.entries(r.missing).map(([v, n]) => `${v}: ${formatNumber(n)}`).join(', ')})` : label, r.skipped[k]]),
    ),
    '',
    renderTable(
      ['#', 'template', 'channel', 'matched', 'rendered', 'example'],
      r.templates.map((t) => [t.index + 1, t.name, t.quiet ? `${t.channel} (quiet)` : t.channel, t.matched, t.rendered, t.example ? `user ${t.example.userId}: ${t.example.text}` : '-']),
    ),
  ];
  return lines.join('\n');
}
