/**
 * The demo's second half: the social, content and operations analyses on the synthetic world, each next to
 * what the world's ground truth says it should find, so a first-time user sees the numbers are right.
 * Every figure comes from the same library call the CLI command makes.
 */
import { contentReport } from './content/index.js';
import { evaluateCampaign } from './operations/campaigns/index.js';
import { evaluateRisk } from './risk/index.js';
import { evaluateSocial } from './social/evaluate.js';
import { kolRanking } from './social/read.js';
import type { Workspace } from './workspace/workspace.js';

export interface DemoChecks {
  /** `portrait campaign evaluate synth-coupon`: the conversion effect against truth.campaigns. */
  campaign: { id: string; estimate: number; ci: [number, number] | null; pValue: number | null; trueEffect: number | null; sampleRatioOk: boolean } | null;
  /** `portrait risk evaluate`: the flagged accounts against truth.abuse. */
  risk: { flagged: number; truth: number; precision: number | null; recall: number | null };
  /** `portrait social evaluate`: truth KOLs among the first n of `portrait social kol`. */
  kols: { n: number; hits: number; top: { userId: number; reach: number; buyers: number }[] };
  /** `portrait content report`: the last 30 days' readers and the orders that came through content. */
  content: { readerShare: number | null; orderShare: number | null; liveOrders: number };
}

export async function demoChecks(ws: Workspace): Promise<DemoChecks> {
  const [stored] = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM truth.campaigns WHERE campaign_id = 'synth-coupon' AND metric = 'conversion'",
  );
  let campaign: DemoChecks['campaign'] = null;
  if (Number(stored?.n) > 0) {
    const evaluation = await evaluateCampaign(ws, 'synth-coupon', { by: null });
    const conversion = evaluation.metrics.find((m) => m.metric === 'conversion')!;
    const [truth] = await ws.wh.query<{ effect: number | null }>(
      "SELECT true_effect AS effect FROM truth.campaigns WHERE campaign_id = 'synth-coupon' AND metric = 'conversion'",
    );
    campaign = {
      id: evaluation.campaign,
      estimate: conversion.difference,
      ci: conversion.ci,
      pValue: conversion.pValue,
      trueEffect: truth?.effect ?? null,
      sampleRatioOk: !evaluation.assignment.sampleRatio.mismatch,
    };
  }
  const risk = await evaluateRisk(ws);
  const social = await evaluateSocial(ws);
  const ranking = await kolRanking(ws, { top: 3 });
  const content = await contentReport(ws);
  return {
    campaign,
    risk: { flagged: risk.overall.flagged, truth: risk.overall.truth, precision: risk.overall.precision, recall: risk.overall.recall },
    kols: {
      n: social.ranking.kol.n,
      hits: social.ranking.kol.hits,
      top: ranking.top.map((r) => ({ userId: r.userId, reach: r.reach, buyers: r.buyers })),
    },
    content: {
      readerShare: content.audience.readerShare,
      orderShare: content.content.orderShare,
      liveOrders: content.kinds.find((k) => k.kind === 'live')?.orders ?? 0,
    },
  };
}
