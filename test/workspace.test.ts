import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { migrate, SCHEMA_VERSION, type Migration } from '../src/workspace/migrations.js';
import { Workspace } from '../src/workspace/workspace.js';
import { tempDir } from './helpers.js';

test('init creates the database, config with a salt, and the folders', async () => {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'w'));
  for (const p of [ws.paths.database, ws.paths.config, ws.paths.definitions, ws.paths.quarantine, ws.paths.reports]) {
    assert.ok(existsSync(p), `${p} exists`);
  }
  const config = JSON.parse(readFileSync(ws.paths.config, 'utf8'));
  assert.equal(config.schemaVersion, SCHEMA_VERSION);
  assert.match(config.salt, /^[0-9a-f]{48}$/);
  assert.equal(config.defaults.minAudienceSize, 50);
  const tables = await ws.wh.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main'");
  for (const t of ['events', 'users', 'items', 'categories', 'orders', 'reviews', 'content', 'creators', 'live_streams', 'social_edges', 'devices', 'identity_links', 'consents', 'imports', 'quarantine', 'quality_notes']) {
    assert.ok(tables.some((r) => r.name === t), `table ${t}`);
  }
  await ws.close();
  await assert.rejects(Workspace.init(join(dir, 'w')), (e: unknown) => e instanceof PortraitError && /already holds a workspace/.test(e.message));
  cleanup();
});

test('opening a folder without a workspace says how to make one', async () => {
  const { dir, cleanup } = tempDir();
  await assert.rejects(Workspace.open(join(dir, 'nothing')), (e: unknown) => {
    assert.ok(e instanceof PortraitError);
    assert.match(e.message, /no workspace at/);
    assert.match(e.hint ?? '', /portrait init/);
    return true;
  });
  cleanup();
});

test('a workspace from a newer Portrait is refused untouched', async () => {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'w'));
  const configPath = ws.paths.config;
  await ws.close();
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(configPath, JSON.stringify({ ...config, schemaVersion: SCHEMA_VERSION + 5 }));
  const before = readFileSync(configPath, 'utf8');
  await assert.rejects(Workspace.open(join(dir, 'w')), /newer Portrait \(schema version/);
  assert.equal(readFileSync(configPath, 'utf8'), before);
  cleanup();
});

test('a damaged config names the field at fault', async () => {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'w'));
  const configPath = ws.paths.config;
  await ws.close();
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(configPath, JSON.stringify({ ...config, salt: 3 }));
  await assert.rejects(Workspace.open(join(dir, 'w')), /portrait\.json: field salt/);
  cleanup();
});

test('migrations run in order in one transaction and record the new version', async () => {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'w'));
  const steps: Migration[] = [
    { version: 3, description: 'add tier', apply: (wh) => wh.run('ALTER TABLE users ADD COLUMN tier VARCHAR').then(() => undefined) },
    { version: 2, description: 'add note', apply: (wh) => wh.run('ALTER TABLE items ADD COLUMN note VARCHAR').then(() => undefined) },
  ];
  const applied = await migrate(ws.wh, 1, steps);
  assert.deepEqual(applied.map((m) => m.version), [2, 3]);
  const [v] = await ws.wh.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
  assert.equal(v?.value, '3');
  const cols = await ws.wh.query<{ c: string }>("SELECT column_name AS c FROM information_schema.columns WHERE table_name IN ('users', 'items') AND column_name IN ('tier', 'note')");
  assert.equal(cols.length, 2);

  // A failing migration leaves the previous version and schema in place.
  const failing: Migration[] = [
    { version: 4, description: 'ok', apply: (wh) => wh.run('ALTER TABLE users ADD COLUMN extra VARCHAR').then(() => undefined) },
    { version: 5, description: 'broken', apply: () => Promise.reject(new Error('broken migration')) },
  ];
  await assert.rejects(migrate(ws.wh, 3, failing), /broken migration/);
  const [after] = await ws.wh.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
  assert.equal(after?.value, '3');
  const extra = await ws.wh.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'extra'");
  assert.equal(extra.length, 0);
  await ws.close();
  cleanup();
});
