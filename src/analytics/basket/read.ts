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
const CR = 0x0d;
const COMMA = 0x2c;

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
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const builder = new BasketBuilder();
  let lineNo = 0;
  let carry: Buffer | null = null;
  const takeLine = (bytes: Buffer) => {
    lineNo++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end--;
    let begin = 0;
    if (lineNo === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) begin = 3;
    const body = bytes.subarray(begin, end);
    if (body.includes(0)) throw unreadable(path, lineNo, 'it holds a NUL byte (is this a binary file?)');
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      throw unreadable(path, lineNo, 'it is not valid UTF-8 text');
    }
    // Fast path for the common case of plain labels: same result as addBasketLine.
    if (body.indexOf(COMMA) < 0) {
      builder.startBasket();
      if (text.length > 0) builder.addItem(text);
    } else {
      addBasketLine(builder, text);
    }
  };
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      let start = 0;
      let nl = chunk.indexOf(NEWLINE, start);
      if (nl >= 0 && carry) {
        takeLine(Buffer.concat([carry, chunk.subarray(0, nl)]));
        carry = null;
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      while (nl >= 0) {
        takeLine(chunk.subarray(start, nl));
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
    }
  } catch (error) {
    if (error instanceof PortraitError) throw error;
    throw new PortraitError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (carry && carry.length > 0) takeLine(carry);
  return builder.finish(path);
}
