/** `portrait segment define | list | size | export`: audiences from the condition language. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { PortraitError } from '../../errors.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { exportSegment, segmentSize, type SegmentSize, type ValueShare } from '../../segments/audience.js';
import { parseSegment, SegmentRegistry } from '../../segments/registry.js';
import { output, parseWhole, withWorkspace } from '../context.js';
import { clip, formatNumber, formatTime, renderTable } from '../format.js';

const json = (cmd: Command) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);

function renderShares(title: string, rows: ValueShare[]): string {
  if (!rows.length) return `${title}: no values`;
  return `${title}\n${renderTable(
    ['value', 'members', 'share', 'all users', 'TGI'],
    rows.map((r) => [r.label ? `${r.value} ${r.label}` : r.value, r.members, `${formatNumber(100 * r.share, 1)}%`, `${formatNumber(100 * r.allShare, 1)}%`, r.tgi === null ? '-' : formatNumber(r.tgi)]),
  )}`;
}

export function renderSize(s: SegmentSize): string {
  const share = s.knownUsers ? ` (${formatNumber((100 * s.users) / s.knownUsers, 2)}% of ${formatNumber(s.knownUsers)} users)` : '';
  return [
    `segment ${s.name}: ${formatNumber(s.users)} users${share}, as of ${formatTime(s.asOf)}`,
    '',
    renderShares('gender', s.profile.gender),
    '',
    renderShares('age band', s.profile.ageBand),
    '',
    renderShares('city', s.profile.city),
    '',
    renderShares('top interests (category)', s.profile.interests),
  ].join('\n');
}

export function registerSegmentCommands(program: Command): void {
  const segment = program.command('segment').description('audiences: free combinations of tags and behaviour (run portrait build first)');

  segment
    .command('define')
    .description('add or replace a segment from a JSON definition (validated first; nothing changes if it is invalid)')
    .argument('<file>', 'definition file (JSON): {"name": ..., "condition": ...}')
    .option('--json', 'machine-readable output')
    .action(async (file: string, _flags: unknown, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => SegmentRegistry.load(ws).define(ws, readJsonFile(file), file));
      output(json(cmd), result, () => `${result.replaced ? 'replaced' : 'defined'} segment ${result.definition.name}`);
    });

  segment
    .command('list')
    .description('the segments defined in this workspace')
    .option('--json', 'machine-readable output')
    .action(async (_flags: unknown, cmd: Command) => {
      const list = await withWorkspace(cmd, async (ws) => SegmentRegistry.load(ws).list());
      output(json(cmd), list, () =>
        list.length
          ? renderTable(['name', 'description', 'condition'], list.map((s) => [s.name, clip(s.description, 40), clip(JSON.stringify(s.condition), 80)]))
          : 'no segments yet: portrait segment define FILE.json',
      );
    });

  segment
    .command('size')
    .description('how many users a segment holds, with a short profile compared with all users (TGI)')
    .argument('<segment>', 'a segment name, or a definition file (JSON) to size without storing it')
    .option('--json', 'machine-readable output')
    .action(async (spec: string, _flags: unknown, cmd: Command) => {
      const size = await withWorkspace(cmd, async (ws) => {
        if (!spec.endsWith('.json') && !existsSync(spec)) return segmentSize(ws, spec);
        const inline = parseSegment(readJsonFile(spec), spec);
        try {
          return await segmentSize(ws, inline);
        } catch (error) {
          // A problem in the file's condition names the file too.
          if (error instanceof PortraitError) throw new PortraitError(`${spec}: ${error.message}`, error.hint);
          throw error;
        }
      });
      output(json(cmd), size, () => renderSize(size));
    });

  segment
    .command('export')
    .description('write a segment\'s users to CSV or Parquet (opted-out users left out; small audiences refused)')
    .argument('<name>', 'segment name')
    .requiredOption('--out <file>', 'output file: .csv or .parquet')
    .option('--min-size <n>', 'smallest audience to export (default: defaults.minAudienceSize in portrait.json, 50)', parseWhole)
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: { out: string; minSize?: number }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => exportSegment(ws, name, flags.out, { minSize: flags.minSize }));
      output(json(cmd), result, () =>
        `exported ${formatNumber(result.users)} users of segment ${result.name} to ${result.file}` +
        (result.optedOut ? ` (${formatNumber(result.optedOut)} left out: opted out of targeting)` : ''),
      );
    });
}
