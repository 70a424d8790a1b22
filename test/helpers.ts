/** Shared test plumbing: throwaway workspaces and an in-process CLI runner. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workspace } from '../src/workspace/workspace.js';

export const SAMPLE = new URL('../../shared/data/taobao_userbehavior_sample.csv', import.meta.url).pathname;

export function tempDir(prefix = 'portrait-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh workspace in a temporary folder; `done` closes and removes it. */
export async function tempWorkspace(): Promise<{ ws: Workspace; dir: string; done: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'ws'));
  return {
    ws,
    dir,
    done: async () => {
      await ws.close();
      cleanup();
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `portrait ...args` in this process and captures what it prints. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  // Loaded on first use so tests that never touch the CLI do not load every command.
  const { main } = await import('../src/cli/main.js');
  const code = await main(['node', 'portrait', ...args], {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
  });
  return { code, stdout, stderr };
}

export async function count(ws: Workspace, sql: string, params: (string | number)[] = []): Promise<number> {
  const rows = await ws.wh.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? NaN);
}

/** `portrait ...args`'s output; a failing command rejects with what it printed to stderr (for assert.rejects). */
export async function cliOutput(args: string[]): Promise<string> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(r.stderr.trim() || `exit code ${r.code}`);
  return r.stdout;
}
