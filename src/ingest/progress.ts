/**
 * Progress while the engine works. Shown on a terminal only; silent when output is piped or in CI, so logs
 * stay clean.
 */
import cliProgress from 'cli-progress';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface ProgressOptions {
  /** Force on or off; default: on when stderr is a terminal. */
  show?: boolean;
  label: string;
}

/** Runs `work` while polling the warehouse's progress into a bar on stderr. */
export async function withProgress<T>(wh: Warehouse, options: ProgressOptions, work: () => Promise<T>): Promise<T> {
  const show = options.show ?? (process.stderr.isTTY === true && !process.env.CI);
  if (!show) return work();
  const bar = new cliProgress.SingleBar(
    { format: `${options.label} [{bar}] {percentage}% | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0);
  const timer = setInterval(() => {
    const p = wh.progress().percentage;
    if (p >= 0) bar.update(Math.min(100, Math.floor(p)));
  }, 200);
  try {
    const result = await work();
    bar.update(100);
    return result;
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}
