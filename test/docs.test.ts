import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dataModelMarkdown } from '../src/model/markdown.js';
import { ENTITY_TABLES } from '../src/model/schema.js';
import { withCatalogue } from '../src/tags/markdown.js';
import { TagRegistry } from '../src/tags/registry/registry.js';

test('docs/data-model.md is what the model generates (run `npm run docs` after changing the model)', () => {
  const intro = readFileSync(new URL('../docs/data-model.intro.md', import.meta.url), 'utf8');
  const doc = readFileSync(new URL('../docs/data-model.md', import.meta.url), 'utf8');
  assert.equal(doc, dataModelMarkdown(intro));
  for (const t of ENTITY_TABLES) assert.match(doc, new RegExp(`### ${t.name}\\n`));
});

test('docs/tags.md lists every built-in tag with its definition (run `npm run docs` after changing a built-in tag)', () => {
  const doc = readFileSync(new URL('../docs/tags.md', import.meta.url), 'utf8');
  assert.equal(doc, withCatalogue(doc));
  for (const tag of TagRegistry.builtin().list()) assert.match(doc, new RegExp(`\\| \`${tag.key}\` \\|`));
});
