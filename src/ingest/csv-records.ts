/**
 * A small streaming reader of CSV records, used where the engine cannot help: reading a file's header
 * before the engine is told the column types, and (rarely) finding the line and raw text of rows that
 * failed a check made after the engine parsed them. It never holds more than one record in memory.
 *
 * Records are numbered as the engine numbers lines in its rejects: one number per record, a blank line
 * counts, and a quoted value spanning several physical lines counts once.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

export interface CsvRecord {
  /** 1 = the first record (the header). */
  line: number;
  /** The record's text without its line ending. */
  raw: string;
}

/** Streams the records of a CSV file (plain, or gzip when the name ends in .gz). */
export async function* csvRecords(path: string): AsyncGenerator<CsvRecord> {
  const raw = createReadStream(path);
  const input = /\.gz$/i.test(path) ? raw.pipe(createGunzip()) : raw;
  input.setEncoding('utf8');
  let carry = '';
  let inQuotes = false;
  let line = 0;
  let first = true;
  let skipLf = false;
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let s = chunk;
      if (first) {
        first = false;
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      }
      let start = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (skipLf) {
          skipLf = false;
          if (c === 10) {
            start = i + 1;
            continue;
          }
        }
        if (c === 34) {
          // '"': a doubled quote inside a quoted value toggles twice, so parity tells inside from outside.
          inQuotes = !inQuotes;
        } else if (!inQuotes && (c === 10 || c === 13)) {
          line++;
          yield { line, raw: carry + s.slice(start, i) };
          carry = '';
          start = i + 1;
          if (c === 13) skipLf = true;
        }
      }
      carry += s.slice(start);
    }
    if (carry !== '') {
      line++;
      yield { line, raw: carry };
    }
  } finally {
    raw.destroy();
  }
}

/** The first record of a file, or undefined for an empty file. */
export async function firstCsvRecord(path: string): Promise<CsvRecord | undefined> {
  for await (const record of csvRecords(path)) return record;
  return undefined;
}

/** Delimiters recognised in a header line, the most frequent winning (comma on a tie or none). */
const DELIMITERS = [',', '\t', ';', '|'] as const;
export type CsvDelimiter = (typeof DELIMITERS)[number];

export function detectDelimiter(header: string): CsvDelimiter {
  let best: CsvDelimiter = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const n = splitCsvRecord(header, d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** Splits one record into its values: quoted values may hold the delimiter, and "" stands for ". */
export function splitCsvRecord(raw: string, delimiter: string): string[] {
  const fields: string[] = [];
  let value = '';
  let quoted = false;
  let atStart = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quoted) {
      if (c === '"') {
        if (raw[i + 1] === '"') {
          value += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        value += c;
      }
    } else if (c === '"' && atStart) {
      quoted = true;
      atStart = false;
    } else if (c === delimiter) {
      fields.push(value);
      value = '';
      atStart = true;
    } else {
      value += c;
      atStart = false;
    }
  }
  fields.push(value);
  return fields;
}
