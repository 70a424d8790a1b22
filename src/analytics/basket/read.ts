/**
 * Reading a basket file: one basket per line, items separated by commas and kept exactly as written
 * (spaces included, no quoting). An empty line is an empty basket: it counts in the number of
 * transactions, as arules' read.transactions counts it. See docs/basket.md.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PortraitError } from '../../errors.js';
import { BasketBuilder, type Baskets } from './baskets.js';

const NEWLINE = 0x0a;

/** Adds one line's items to the builder as a new basket; empty labels (",," or a trailing comma) are skipped. */
export function addBasketLine(builder: BasketBuilder, line: string): void {
  builder.startBasket();
  let start = 0;
  for (;;) {
    const comma = line.indexOf(',', start);
    const end = comma < 0 ? line.length : comma;
    if (end > start) builder.addItem(line.slice(start, end));
    if (comma < 0) break;
    start = comma + 1;
  }
}

/** Baskets from text already in memory, one per line (same rules as a file). */
export function basketsFromText(text: string, source = 'text'): Baskets {
  const builder = new BasketBuilder();
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start an empty basket (as readLines in R).
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    let line = i === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.includes('\u0000')) throw unreadable(source, i + 1, 'it holds a NUL byte (is this a binary file?)');
    addBasketLine(builder, line);
  });
  return builder.finish(source);
}

function unreadable(file: string, line: number, why: string): PortraitError {
  return new PortraitError(
    `${file}, line ${line}: cannot read the basket: ${why}`,
    'a basket file is UTF-8 text with one basket per line and items separated by commas',
  );
}

/**
 * Reads a basket file as a stream (memory holds the coded baskets, not the text). Lines end in LF or
 * CRLF; a UTF-8 byte-order mark is skipped. Invalid UTF-8 or a NUL byte is an error naming the line.
 */
export async function readBasketFile(path: string): Promise<Baskets> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PortraitError(`${path}: ${code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}`);
  }
  if (!info.isFile()) throw new PortraitError(`${path}: not a file`);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const builder = new BasketBuilder();
  let lineNo = 0;
  let carry: Buffer | null = null;
  /** Finds the first bad line of a block that failed, for the error message. */
  const badLine = (block: Buffer): PortraitError => {
    let start = 0;
    for (let line = lineNo + 1; ; line++) {
      const nl = block.indexOf(NEWLINE, start);
      const bytes = block.subarray(start, nl < 0 ? block.length : nl);
      if (bytes.includes(0)) return unreadable(path, line, 'it holds a NUL byte (is this a binary file?)');
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return unreadable(path, line, 'it is not valid UTF-8 text');
      }
      if (nl < 0) return unreadable(path, line, 'it is not valid UTF-8 text');
      start = nl + 1;
    }
  };
  /** Whole lines (a block ending at a newline, or the file's last line): newlines never split a UTF-8 character. */
  const takeLines = (block: Buffer) => {
    if (block.includes(0)) throw badLine(block);
    let text: string;
    try {
      text = decoder.decode(block);
    } catch {
      throw badLine(block);
    }
    // A byte-order mark is skipped at the start of the file only.
    if (lineNo === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const lines = text.split('\n');
    for (let line of lines) {
      lineNo++;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.indexOf(',') < 0) {
        builder.startBasket();
        if (line.length > 0) builder.addItem(line);
      } else {
        addBasketLine(builder, line);
      }
    }
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const last = chunk.lastIndexOf(NEWLINE);
      if (last < 0) {
        carry = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
        continue;
      }
      takeLines(carry ? Buffer.concat([carry, chunk.subarray(0, last)]) : chunk.subarray(0, last));
      carry = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : Buffer.alloc(0);
    }
  } catch (error) {
    if (error instanceof PortraitError) throw error;
    throw new PortraitError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // What follows the last newline is a last line unless it is empty (a final newline adds no basket).
  if (carry && carry.length > 0) takeLines(carry);
  return builder.finish(path);
}
