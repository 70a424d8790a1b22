/** Checks on input files before the engine sees them, so a typo gets a clear message. */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PortraitError } from '../errors.js';

export function checkReadableFiles(files: string[]): string[] {
  if (files.length === 0) throw new PortraitError('no input file given');
  return files.map((f) => {
    const path = resolve(f);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new PortraitError(`cannot read ${f}: no such file, or no permission`);
    }
    if (!statSync(path).isFile()) throw new PortraitError(`${f} is not a file`);
    return path;
  });
}
