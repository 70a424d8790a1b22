/** Regenerates the generated parts of the docs (`npm run docs`): docs/data-model.md and the tag catalogue in docs/tags.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dataModelMarkdown } from '../src/model/markdown.js';
import { withCatalogue } from '../src/tags/markdown.js';

const INTRO = new URL('../docs/data-model.intro.md', import.meta.url);
const OUT = new URL('../docs/data-model.md', import.meta.url);
writeFileSync(OUT, dataModelMarkdown(readFileSync(INTRO, 'utf8')));
console.log('wrote docs/data-model.md');
const TAGS = new URL('../docs/tags.md', import.meta.url);
writeFileSync(TAGS, withCatalogue(readFileSync(TAGS, 'utf8')));
console.log('wrote the tag catalogue in docs/tags.md');
