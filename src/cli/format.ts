/** Readable terminal output: aligned tables and numbers people can read. */

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatTime(d: Date | null | undefined): string {
  return d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-';
}

export type Cell = string | number | null | undefined;

/** A table with a header row; numbers right-aligned, text left-aligned. */
export function renderTable(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : (c ?? '-'))));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] == null));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** Label/value pairs, labels padded to one width. */
export function renderPairs(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'number' ? formatNumber(v) : (v ?? '-')}`)
    .join('\n');
}

/** JSON with dates as ISO strings and bigints as strings, for --json output. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** At most `max` characters, with an ellipsis when cut; empty for a missing value. */
export function clip(text: string | null | undefined, max: number): string {
  const t = text ?? '';
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

/** A tag value for reading: numbers to at most 2 decimals, times as local time, lists comma-separated. */
export function formatValue(value: unknown, unit?: string): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return formatTime(value);
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') {
    const digits = Number.isInteger(value) ? 0 : Math.abs(value) < 1 ? 3 : 2;
    return `${formatNumber(value, digits)}${unit ? ` ${unit}` : ''}`;
  }
  return String(value);
}
