/** Recommendation algorithms: popular, item-CF and user-CF, one implementation for the workspace and the offline evaluation. */
export * from './types.js';
export { popular } from './popular.js';
export { itemcf, ITEMCF_DEFAULTS } from './itemcf.js';
export { usercf, USERCF_DEFAULTS } from './usercf.js';
export { dropModel, checkPrefix, combine, shiftParams, RANK_ORDER } from './sql.js';

import { itemcf } from './itemcf.js';
import { popular } from './popular.js';
import type { AlgorithmName } from './types.js';
import { usercf } from './usercf.js';

/** Every algorithm by name. */
export const ALGORITHMS = { popular, itemcf, usercf } as const;
export const ALGORITHM_NAMES: readonly AlgorithmName[] = ['popular', 'itemcf', 'usercf'];
