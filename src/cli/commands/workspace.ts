/** `portrait init` and `portrait stats`. */
import type { Command } from 'commander';
import { workspaceStats, type WorkspaceStats } from '../../analytics/stats.js';
import { resolveWorkspaceDir, Workspace } from '../../workspace/workspace.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';
import { output, withWorkspace, type GlobalOptions } from '../context.js';

export function registerWorkspaceCommands(program: Command): void {
  program
    .command('init')
    .description('create a workspace: database, config (hashing salt, defaults) and folders')
    .argument('[dir]', 'folder to create (default: --workspace, PORTRAIT_WORKSPACE or ./portrait-data)')
    .option('--json', 'machine-readable output')
    .action(async (dir: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const target = dir ?? resolveWorkspaceDir(cmd.optsWithGlobals<GlobalOptions>().workspace);
      const ws = await Workspace.init(target);
      const result = { workspace: ws.paths.dir, schemaVersion: ws.config.schemaVersion, paths: ws.paths };
      await ws.close();
      output(opts.json, result, () => `created workspace ${result.workspace} (schema version ${result.schemaVersion})`);
    });

  program
    .command('stats')
    .description('summarise a workspace: users, items, events by type, time range, buyers, GMV')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const stats = await withWorkspace(cmd, (ws) => workspaceStats(ws.wh));
      output(opts.json, stats, () => renderStats(stats));
    });
}

export function renderStats(s: WorkspaceStats): string {
  const share = (n: number) => (s.events > 0 ? `${((100 * n) / s.events).toFixed(1)}%` : '-');
  const lines = [
    'Workspace',
    renderPairs([
      ['users with events', s.users],
      ['user profiles', s.userProfiles],
      ['items', s.items],
      ['categories', s.categories],
      ['events', s.events],
      ['from', formatTime(s.from)],
      ['to', formatTime(s.to)],
      ['buyers', s.buyers],
      ['GMV (yuan)', s.buysWithoutAmount === s.buyEvents && s.buyEvents > 0 ? 'n/a: buys carry no amount and items no price' : formatNumber(s.gmv, 2)],
      ['imports', s.imports],
      ['quarantined rows', s.quarantined],
    ]),
    '',
    renderTable(
      ['event type', 'events', 'share'],
      Object.entries(s.eventsByType).map(([t, n]) => [t, n, share(n)]),
    ),
  ];
  if (s.buysWithoutAmount > 0 && s.buysWithoutAmount < s.buyEvents) {
    lines.push('', `note: ${formatNumber(s.buysWithoutAmount)} buy(s) carry no amount and their item no price; left out of GMV`);
  }
  for (const n of s.notes) lines.push(`note (batch ${n.batchId}): ${n.detail}`);
  return lines.join('\n');
}
