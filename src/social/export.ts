/**
 * The spread tree as a file for drawing elsewhere: JSON (the campaign, its as-of and the nodes) or CSV (one
 * node per line), chosen by the file's extension. Each node names its parent, so any tree or graph tool
 * can rebuild the tree.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { PortraitError } from '../errors.js';
import { recordAudit } from '../privacy/audit.js';
import type { Workspace } from '../workspace/workspace.js';
import type { SpreadNode, SpreadTree } from './spread.js';

export const TREE_FORMATS = ['json', 'csv'] as const;
export type TreeFormat = (typeof TREE_FORMATS)[number];

const CSV_HEADER = [
  'user_id', 'parent', 'level', 'root', 'entered_at', 'new', 'bought', 'orders', 'gmv', 'invitations', 'shares', 'children',
  'downstream_users', 'downstream_new', 'downstream_buyers', 'downstream_gmv',
];

/** The local wall-clock time as stored, without a zone: 2017-11-25 08:00:00. */
const localTime = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

/** One node as a flat record (the CSV columns; the JSON nodes use the same names). */
export function nodeRecord(n: SpreadNode): Record<string, string | number | boolean | null> {
  return {
    user_id: n.userId,
    parent: n.parent,
    level: n.level,
    root: n.root,
    entered_at: localTime(n.enteredAt),
    new: n.isNew,
    bought: n.orders > 0,
    orders: n.orders,
    gmv: n.gmv,
    invitations: n.invitations,
    shares: n.shares,
    children: n.children,
    downstream_users: n.downstream.users,
    downstream_new: n.downstream.newUsers,
    downstream_buyers: n.downstream.buyers,
    downstream_gmv: n.downstream.gmv,
  };
}

export function treeFormat(path: string): TreeFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if (ext === 'json' || ext === 'csv') return ext;
  throw new PortraitError(`--out ${path}: expected a file ending in .json or .csv`);
}

/** The tree as text in the given format. */
export function spreadTreeText(tree: SpreadTree, format: TreeFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ campaign: tree.campaign, asOf: localTime(tree.asOf), nodes: tree.nodes.map(nodeRecord) }, null, 1)}\n`;
    case 'csv': {
      const lines = [CSV_HEADER.join(',')];
      for (const n of tree.nodes) lines.push(Object.values(nodeRecord(n)).map((v) => (v === null ? '' : String(v))).join(','));
      return `${lines.join('\n')}\n`;
    }
    default: {
      const never: never = format;
      throw new Error(`unknown tree format ${String(never)}`);
    }
  }
}

/**
 * Writes the tree to `path` (.json or .csv) and returns the nodes written. The tree names users, so it is an
 * export like an audience: written beside the target, then renamed in the same step as its audit-log entry
 * (a failure leaves neither a half file nor an entry).
 */
export async function writeSpreadTree(ws: Workspace, path: string, tree: SpreadTree): Promise<number> {
  const format = treeFormat(path);
  const text = spreadTreeText(tree, format);
  const temp = `${path}.partial`;
  try {
    try {
      writeFileSync(temp, text);
    } catch (error) {
      throw new PortraitError(`could not write ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    await ws.wh.transaction(async () => {
      await recordAudit(ws, {
        action: 'export',
        subject: `spread tree ${tree.campaign}`,
        rows: tree.nodes.length,
        file: resolve(path),
        details: { kind: 'spread tree', format },
      });
      renameSync(temp, path);
    });
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
  }
  return tree.nodes.length;
}
