/** The candidate sources, in the blend's order of precedence (a tie in contribution goes to the earlier). */
export { contentSource } from './content.js';
export { socialSource } from './social.js';
export { replenishmentSource } from './replenishment.js';
export { popularSource } from './popular.js';
export { itemcfSource, usercfSource } from './algorithms.js';
export { prepareSources, dropPrepared, type Prepared } from './prepare.js';
export { CANDIDATE_COLUMNS, T as SOURCE_TABLES, type Source, type SourceContext } from './types.js';

import { itemcfSource, usercfSource } from './algorithms.js';
import { contentSource } from './content.js';
import { popularSource } from './popular.js';
import { replenishmentSource } from './replenishment.js';
import { socialSource } from './social.js';
import type { Source } from './types.js';

export const ALL_SOURCES: readonly Source[] = [replenishmentSource, itemcfSource, usercfSource, socialSource, contentSource, popularSource];
