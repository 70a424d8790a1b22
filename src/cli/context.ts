/** Shared plumbing for commands: the workspace option, opening and closing, output mode. */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveWorkspaceDir, Workspace } from '../workspace/workspace.js';
import { toJson } from './format.js';

/** Where the CLI writes. `main` points it at the process streams, or at a caller's (tests, embedding). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** The streams of the running command, set by `main`. */
export const io: CliIo = { ...processIo };

export interface GlobalOptions {
  workspace?: string;
}

export function workspaceDir(cmd: Command): string {
  return resolveWorkspaceDir(cmd.optsWithGlobals<GlobalOptions>().workspace);
}

/** Opens the command's workspace, runs `work`, and always closes it. */
export async function withWorkspace<T>(cmd: Command, work: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await Workspace.open(workspaceDir(cmd));
  try {
    for (const v of ws.migrated) io.err(`migrated workspace to schema version ${v}\n`);
    return await work(ws);
  } finally {
    await ws.close();
  }
}

/** Prints `value` as JSON with --json, else the readable rendering. */
export function output(json: boolean | undefined, value: unknown, readable: () => string): void {
  io.out(`${json ? toJson(value) : readable()}\n`);
}

/** An AbortSignal that fires on Ctrl-C, so a long import can stop cleanly. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    io.err('\ninterrupting; rolling back...\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}

/** Option parser for counts written like 20000, 20k or 1M. */
export function parseCount(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a whole number such as 20000, 20k or 1M.');
  const scale = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] as '' | 'k' | 'K' | 'm' | 'M'];
  const n = Math.round(Number(m[1]) * scale);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('too large.');
  return n;
}

/** Option parser for non-negative whole numbers. */
export function parseWhole(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

/** Option parser for a whole number of at least 1. */
export function parsePositive(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number, at least 1.');
  return Number(value);
}

/** Option parser for an id (user, category): a whole number. */
export function parseId(what: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`expected a ${what} id (a whole number).`);
    return Number(value);
  };
}

/** Option parser for a share strictly between 0 and 1. */
export function parseShare(value: string): number {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a share between 0 and 1, such as 0.2.');
  return n;
}

/** Option parser for a local day, YYYY-MM-DD, as the end of that day (times are local wall-clock, read as UTC). */
export function parseDay(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const d = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T23:59:59Z`) : new Date(NaN);
  if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value.trim()) throw new InvalidArgumentError('expected a date YYYY-MM-DD.');
  return d;
}

/** Option parser for an as-of time: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS], local wall-clock. */
export function parseAsOf(value: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS].');
  const time = m[2] ?? '23:59:59';
  const d = new Date(`${m[1]}T${time.length === 5 ? `${time}:00` : time}Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[1]) throw new InvalidArgumentError('not a valid date.');
  return d;
}
