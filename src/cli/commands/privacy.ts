/** `portrait consent set | show | summary`, `portrait forget` and `portrait audit`: privacy (docs/privacy.md). */
import { Option, type Command } from 'commander';
import { resolveAsOf } from '../../analytics/as-of.js';
import { PortraitError } from '../../errors.js';
import { AUDIT_ACTIONS, listAudit, type AuditAction, type AuditRecord } from '../../privacy/audit.js';
import { CONSENT_PURPOSES, consentSummary, setConsent, userConsent, type ConsentChange, type ConsentPurpose, type ConsentSummary, type UserConsent } from '../../privacy/consent.js';
import { forgetUser, type ForgetReport } from '../../privacy/forget.js';
import { output, parseAsOf, parseId, parsePositive, withWorkspace } from '../context.js';
import { clip, formatNumber, formatTime, renderTable } from '../format.js';

const json = (cmd: Command) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
const parseUserId = parseId('user');

function renderChange(c: ConsentChange, newestEvent: Date | null): string {
  const lines = [`user ${c.userId}: ${c.purpose} ${c.allowed ? 'allowed' : 'refused'}, recorded as of ${formatTime(c.updatedAt)} (audit log updated)`];
  if (c.previous) lines.push(`previously: ${c.previous.allowed === null ? 'unknown' : c.previous.allowed ? 'allowed' : 'refused'}${c.previous.updatedAt ? ` (${formatTime(c.previous.updatedAt)})` : ''}`);
  if (c.allowed && newestEvent && c.updatedAt > newestEvent) {
    lines.push(`note: analyses as of before ${formatTime(c.updatedAt)} (the newest event is ${formatTime(newestEvent)}) still leave the user out for ${c.purpose}`);
  }
  if (!c.allowed) lines.push(`the user is left out of ${c.purpose} from now on, in every run`);
  return lines.join('\n');
}

function renderUserConsent(u: UserConsent): string {
  return [
    `user ${u.userId}, as of ${formatTime(u.asOf)}`,
    renderTable(
      ['purpose', 'choice', 'recorded', 'may use', 'why'],
      u.purposes.map((p) => [p.purpose, p.choice === null ? '-' : p.choice ? 'allow' : 'refuse', formatTime(p.updatedAt), p.allowed ? 'yes' : 'no', p.reason]),
    ),
  ].join('\n');
}

function renderSummary(s: ConsentSummary): string {
  return [
    `consent as of ${formatTime(s.asOf)}`,
    renderTable(
      ['purpose', 'users', 'no choice', 'allowed', 'refused', 'allowed later', 'may use', 'share'],
      s.purposes.map((p) => [p.purpose, p.users, p.noChoice, p.allowedChoice, p.refused, p.allowedLater, p.allowed, p.users ? `${formatNumber((100 * p.allowed) / p.users, 2)}%` : '-']),
    ),
  ].join('\n');
}

export function renderForget(r: ForgetReport): string {
  const verb = r.dryRun ? 'would forget' : 'forgot';
  const lines = [
    `${verb} user ${r.userId} (audit subject ${r.subject.slice(0, 12)}...): ${formatNumber(r.deleted)} rows deleted, ${formatNumber(r.cleared)} mentions cleared, in ${r.tables.length} of ${r.tablesChecked} tables${r.dryRun ? ' (dry run: nothing changed)' : ''}`,
  ];
  if (r.tables.length) lines.push('', renderTable(['table', 'deleted', 'cleared'], r.tables.map((t) => [t.table, t.deleted, t.cleared])));
  else lines.push('the user was not found in any table');
  if (r.quarantineFiles.length) {
    lines.push('', 'quarantine files scrubbed:');
    for (const f of r.quarantineFiles) lines.push(`  ${f.file}: ${f.removed} line${f.removed === 1 ? '' : 's'} removed, ${f.kept} kept`);
  }
  if (r.outOfReach.length) {
    lines.push('', 'out of reach (not changed):');
    for (const o of r.outOfReach) lines.push(`  ${o.kind} ${o.file}: ${o.reason}`);
  }
  return lines.join('\n');
}

function renderAudit(entries: AuditRecord[]): string {
  if (!entries.length) return 'the audit log is empty';
  return renderTable(
    ['at (UTC)', 'action', 'subject', 'rows', 'file', 'details'],
    entries.map((e) => [formatTime(e.at), e.action, clip(e.subject, 24), e.rows, e.file ?? '-', clip(JSON.stringify(e.details), 80)]),
  );
}

export function registerPrivacyCommands(program: Command): void {
  const consent = program.command('consent').description('consent per user and purpose (targeting, personalisation): a user with no choice recorded is allowed');

  consent
    .command('set')
    .description('record a user\'s choice for a purpose (replaces the stored one; written to the audit log)')
    .argument('<user_id>', 'user id', parseUserId)
    .addOption(new Option('--purpose <purpose>', 'what the choice is about').choices([...CONSENT_PURPOSES]).makeOptionMandatory())
    .addOption(new Option('--allow', 'the user allows it').conflicts('deny'))
    .addOption(new Option('--deny', 'the user refuses it').conflicts('allow'))
    .option('--at <time>', 'when the choice was made, platform local time YYYY-MM-DD [HH:MM[:SS]] (default: now)', parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (userId: number, flags: { purpose: ConsentPurpose; allow?: boolean; deny?: boolean; at?: Date }, cmd: Command) => {
      if (!flags.allow && !flags.deny) throw new PortraitError('consent set: say --allow or --deny', `e.g. portrait consent set ${userId} --purpose ${flags.purpose} --deny`);
      const { change, newest } = await withWorkspace(cmd, async (ws) => ({
        change: await setConsent(ws, userId, flags.purpose, Boolean(flags.allow), flags.at ? { at: flags.at } : {}),
        newest: await resolveAsOf(ws.wh),
      }));
      output(json(cmd), change, () => renderChange(change, newest));
    });

  consent
    .command('show')
    .description('a user\'s choices and whether they may be targeted / personalised as of a time')
    .argument('<user_id>', 'user id', parseUserId)
    .option('--as-of <time>', 'YYYY-MM-DD (end of day) or YYYY-MM-DD HH:MM[:SS] (default: the newest event)', parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (userId: number, flags: { asOf?: Date }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => userConsent(ws, userId, flags.asOf ? { asOf: flags.asOf } : {}));
      output(json(cmd), result, () => renderUserConsent(result));
    });

  consent
    .command('summary')
    .description('counts per purpose: no choice, allowed, refused, and who may be used as of a time')
    .option('--as-of <time>', 'YYYY-MM-DD (end of day) or YYYY-MM-DD HH:MM[:SS] (default: the newest event)', parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => consentSummary(ws, flags.asOf ? { asOf: flags.asOf } : {}));
      output(json(cmd), result, () => renderSummary(result));
    });

  program
    .command('forget')
    .description('remove a user from every table (derived ones and truth included) and the quarantine files, in one transaction; says what it removed')
    .argument('<user_id>', 'user id', parseUserId)
    .option('--dry-run', 'count what would go and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (userId: number, flags: { dryRun?: boolean }, cmd: Command) => {
      const report = await withWorkspace(cmd, (ws) => forgetUser(ws, userId, { dryRun: Boolean(flags.dryRun) }));
      output(json(cmd), report, () => renderForget(report));
    });

  program
    .command('audit')
    .description('the audit log: exports, forgotten users and consent changes (users appear only as salted id hashes)')
    .addOption(new Option('--action <action>', 'only this action').choices([...AUDIT_ACTIONS]))
    .option('--limit <n>', 'only the newest n entries', parsePositive)
    .option('--json', 'machine-readable output')
    .action(async (flags: { action?: AuditAction; limit?: number }, cmd: Command) => {
      const entries = await withWorkspace(cmd, (ws) => listAudit(ws, { ...(flags.action ? { action: flags.action } : {}), ...(flags.limit ? { limit: flags.limit } : {}) }));
      output(json(cmd), entries, () => renderAudit(entries));
    });
}
