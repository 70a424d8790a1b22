/**
 * Probe: traits against a synthetic world's hidden income (`node --import tsx bench/probes/traits-vs-income.ts
 * WORKSPACE`, after portrait build): mean price percentile, share with a high price level, mean device price.
 */
import { Workspace } from '../../src/workspace/workspace.js';
const ws = await Workspace.open(process.argv[2]!);
console.table(await ws.wh.query(`SELECT u.income, count(*) AS users, round(avg(t.price_percentile), 3) AS mean_price_percentile,
  round(avg(CASE WHEN t.price_level = 'high' THEN 1.0 WHEN t.price_level IS NOT NULL THEN 0 END), 3) AS share_high_level,
  round(avg(t.device_price)) AS mean_device_price
  FROM user_traits t JOIN truth.users u USING (user_id) WHERE u.kind = 'normal' GROUP BY u.income ORDER BY mean_price_percentile`));
console.table(await ws.wh.query(`SELECT channel, count(*) n FROM user_traits GROUP BY 1 ORDER BY 2 DESC`));
await ws.close();
