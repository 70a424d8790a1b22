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
