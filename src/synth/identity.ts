/**
 * Devices and the device <-> account links that logins make. Links come from the events that carry a
 * device (logins, buys, coupon use; gathered while planning, from the stage and the browsing plan), so they say exactly what the behaviour shows: most accounts on one
 * or two devices of their own, a few couples sharing one, and abuse rings many accounts on one device.
 * Device models follow the owner's income; farm devices are often emulators.
 */
import { mainLoginsSql } from './behaviour.js';
import { into, write, type SynthContext } from './context.js';
import { DEVICE_MODELS } from './taxonomy.js';

export async function writeIdentity(ctx: SynthContext): Promise<void> {
  const { r } = ctx;
  await ctx.wh.run(`CREATE TEMP TABLE synth_links AS
     SELECT device_id, user_id, min(ts) AS first_seen, max(ts) AS last_seen FROM (
       SELECT device_id, user_id, ts FROM stage_events WHERE device_id IS NOT NULL
       UNION ALL SELECT device_id, user_id, ts FROM synth_main_buys
       UNION ALL ${mainLoginsSql(ctx)}
     ) GROUP BY ALL`);
  await write(ctx, 'identity_links', `INSERT INTO ${into(ctx, 'identity_links')} SELECT * FROM synth_links`);
  const models = `[${DEVICE_MODELS.map((m) => `'${m.model}'`).join(', ')}]`;
  const oses = `[${DEVICE_MODELS.map((m) => `'${m.os}'`).join(', ')}]`;
  const prices = `[${DEVICE_MODELS.map((m) => m.price).join(', ')}]`;
  // Models are listed by price: the richer the owner, the further up the list the draw leans.
  await write(
    ctx,
    'devices',
    `INSERT INTO ${into(ctx, 'devices')} (device_id, model, os, price, emulator)
     SELECT device_id,
       CASE WHEN emulator THEN 'Android Emulator' ELSE ${models}[m] END,
       CASE WHEN emulator THEN 'Android' ELSE ${oses}[m] END,
       CASE WHEN emulator THEN NULL ELSE CAST(${prices}[m] AS DECIMAL(18,2)) END,
       emulator
     FROM (
       SELECT d.device_id, d.farm AND ${r.u('emulator', 'd.device_id')} < 5e-1 AS emulator,
         1 + CAST(floor(pow(${r.u('model', 'd.device_id')}, [2e0, 1e0, 5e-1][p.income_level + 1]) * ${DEVICE_MODELS.length}) AS BIGINT) AS m
       FROM (SELECT l.device_id, min(l.user_id) AS owner, bool_or(q.kind = 'coupon_farm') AS farm
             FROM synth_links l JOIN synth_people q ON q.user_id = l.user_id GROUP BY l.device_id) d
       JOIN synth_people p ON p.user_id = d.owner
     )`,
  );
}
