/** Regenerates docs/data-model.md from the model (`npm run docs`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { dataModelMarkdown } from '../src/model/markdown.js';

const INTRO = new URL('../docs/data-model.intro.md', import.meta.url);
const OUT = new URL('../docs/data-model.md', import.meta.url);
writeFileSync(OUT, dataModelMarkdown(readFileSync(INTRO, 'utf8')));
console.log('wrote docs/data-model.md');
