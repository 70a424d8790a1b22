/** `portrait import` and `portrait quarantine`. */
import type { Command } from 'commander';
import { importEntity, parseMapping, type EntityFormat } from '../../ingest/entities.js';
import { listQuarantine } from '../../ingest/quarantine.js';
import type { ImportReport } from '../../ingest/report.js';
import { importTaobao } from '../../ingest/taobao.js';
import { ENTITY_TABLES } from '../../model/schema.js';
import { PortraitError } from '../../errors.js';
import { clip, renderPairs, renderTable } from '../format.js';
import { interruptSignal, output, parseWhole, withWorkspace } from '../context.js';

interface ImportFlags {
  maxErrors?: number;
  format?: EntityFormat;
  map?: string;
  progress: boolean;
  json?: boolean;
}

export function registerImportCommands(program: Command): void {
  const entities = ENTITY_TABLES.filter((t) => t.importable).map((t) => t.name);
  program
    .command('import')
    .description(
      `import data: \`import taobao FILE...\` for the public UserBehavior CSV (plain or .gz); ` +
        `\`import ENTITY FILE\` (CSV with header, JSONL or Parquet) for ${entities.join(', ')}`,
    )
    .argument('<source>', `taobao, or an entity: ${entities.join(', ')}`)
    .argument('<files...>', 'files to read')
    .option('--max-errors <n>', 'fail and store nothing when more rows than this are bad', parseWhole)
    .option('--format <format>', 'csv, jsonl or parquet (default: from the file extension)')
    .option('--map <mapping>', 'source column names for model columns, e.g. "user_id=uid,ts=time"')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'machine-readable output')
    .action(async (source: string, files: string[], flags: ImportFlags, cmd: Command) => {
      const interrupt = interruptSignal();
      try {
        const reports = await withWorkspace(cmd, async (ws) => {
          const common = { maxErrors: flags.maxErrors, progress: flags.progress ? undefined : false, signal: interrupt.signal };
          if (source === 'taobao') {
            if (flags.map || flags.format) throw new PortraitError('--map and --format do not apply to taobao files: their layout is fixed');
            return [await importTaobao(ws, files, common)];
          }
          const mapping = flags.map ? parseMapping(flags.map) : undefined;
          const out: ImportReport[] = [];
          for (const file of files) out.push(await importEntity(ws, source, file, { ...common, format: flags.format, mapping }));
          return out;
        });
        output(flags.json, reports.length === 1 ? reports[0] : reports, () => reports.map(renderImport).join('\n\n'));
      } finally {
        interrupt.dispose();
      }
    });

  const quarantine = program.command('quarantine').description('rows imports rejected, with file, line and reason');
  quarantine
    .command('list')
    .description('list quarantined rows')
    .option('--batch <id>', 'only this import batch', parseWhole)
    .option('--file <path>', 'only rows from this file (as shown in the list)')
    .option('--limit <n>', 'rows to show', parseWhole, 100)
    .option('--json', 'machine-readable output')
    .action(async (flags: { batch?: number; file?: string; limit: number; json?: boolean }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) =>
        listQuarantine(ws.wh, { batchId: flags.batch, file: flags.file, limit: flags.limit }),
      );
      output(flags.json, result, () => {
        if (result.total === 0) return 'no quarantined rows';
        const table = renderTable(
          ['batch', 'file', 'line', 'reason', 'raw'],
          result.rows.map((r) => [r.batch_id, r.file, r.line, r.reason, clip(r.raw, 60)]),
        );
        const more = result.total > result.rows.length ? `\n(${result.rows.length} of ${result.total} shown; --limit to see more)` : '';
        return `${table}${more}`;
      });
    });
}

export function renderImport(r: ImportReport): string {
  const lines = [
    `${r.format} import of ${r.files.join(', ')} into ${r.entity} (batch ${r.batchIds.join(', ') || '-'}, ${r.seconds.toFixed(1)} s)`,
    renderPairs([
      ['rows read', r.rowsRead],
      ['imported', r.rowsImported],
      [r.entity === 'events' || r.entity === 'social_edges' ? 'already stored (skipped)' : 'already stored (replaced)', r.rowsDuplicate],
      ['quarantined', r.rowsQuarantined],
    ]),
  ];
  for (const n of r.notes) lines.push(`note: ${n.detail}`);
  if (r.rowsQuarantined > 0) lines.push('see them with `portrait quarantine list`');
  return lines.join('\n');
}
