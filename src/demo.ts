/**
 * The demo: a synthetic Taobao-shaped world, every build stage that exists, and a summary. Each new
 * capability adds its stage here.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceStats, type WorkspaceStats } from './analytics/stats.js';
import { runBuild, type BuildReport } from './build.js';
import { demoChecks, type DemoChecks } from './demo-checks.js';
import { PortraitError } from './errors.js';
import { runScoringPlan, type ScoringResult } from './operations/scoring/index.js';
import { runCampaign, type MessagesResult } from './operations/messages/index.js';
import { profileCard, type ProfileCard } from './profile/profile.js';
import { SegmentRegistry } from './segments/registry.js';
import { segmentSize, type SegmentSize } from './segments/audience.js';
import { writeReport, type ReportResult } from './report/index.js';
import { trainRecommendations, type TrainReport } from './recommend/index.js';
import { synthesize, type SynthOptions, type SynthReport } from './synth/index.js';
import { Workspace, workspacePaths } from './workspace/workspace.js';

/** Marks a workspace the demo made, so a later demo may replace it and nothing else. */
const DEMO_MARKER = '.portrait-demo';

export interface DemoStage {
  stage: string;
  seconds: number;
}

export interface DemoResult {
  workspace: string;
  synth: SynthReport;
  build: BuildReport;
  /** Every user's recommendations, precomputed (the profile card shows the top 5). */
  recommendations: Pick<TrainReport, 'users' | 'rows' | 'seconds'>;
  stats: WorkspaceStats;
  /** The portrait of one showcase user: the buyer with most purchase days (ties: smaller id). */
  profile: ProfileCard | null;
  /** An example segment, stored in the workspace, with its size and profile. */
  segment: SegmentSize;
  /** The live-stream lead-scoring plan of DOMAIN.md, stored and scored (portrait score). */
  leads: Pick<ScoringResult, 'distribution' | 'top'>;
  /** One product's copy per portrait (千人千面), rendered into reports/messages-winter-boots.csv. */
  messages: MessagesResult;
  /** Campaign effect, abuse risk, KOLs and content orders next to the world's ground truth. */
  checks: DemoChecks;
  /** The offline HTML report, written into the workspace's reports/ folder. */
  report: ReportResult;
  stages: DemoStage[];
}

/** The demo's example audience: DOMAIN.md's "carted at least twice this week and did not buy", for young women. */
export const DEMO_SEGMENT = {
  name: 'young-women-carting',
  description: 'Women aged 18-34 who carted at least twice in the last 7 days and bought nothing in them',
  condition: {
    and: [
      { tag: 'gender', op: '=', value: 'female' },
      { tag: 'age_band', in: ['18-24', '25-34'] },
      { behaviour: { event: 'cart' }, window: { last: '7d' }, op: '>=', value: 2 },
      { not: { behaviour: { event: 'buy' }, window: { last: '7d' } } },
    ],
  },
};

/** DOMAIN.md's live-stream lead scoring (woman +20, age 25-35 +30, ...), as examples/scoring/live-stream.json. */
export const DEMO_SCORING_PLAN = {
  id: 'live_stream',
  description: 'Leads for a make-up live stream: who to work first',
  rules: [
    { name: 'woman', when: { tag: 'gender', op: '=', value: 'female' }, points: 20 },
    { name: 'age 25-35', when: { and: [{ tag: 'age', op: '>=', value: 25 }, { tag: 'age', op: '<=', value: 35 }] }, points: 30 },
    { name: 'high income in Shanghai', when: { and: [{ tag: 'income', op: '=', value: 'high' }, { tag: 'city', op: '=', value: 'Shanghai' }] }, points: 15 },
    { name: 'more than 5 minutes on page', when: { tag: 'session_minutes', op: '>', value: 5 }, points: 10 },
    { name: '3 or more visits', when: { behaviour: {}, window: { last: '30d' }, measure: 'days', op: '>=', value: 3 }, points: 10 },
  ],
  bands: [
    { band: 'A', min: 60 },
    { band: 'B', min: 30 },
    { band: 'C', min: 0 },
  ],
};

/** One product, different copy per portrait, sent the morning after the portrait's as-of day (examples/messages/winter-boots.json). */
export function demoMessageCampaign(asOf: Date): Record<string, unknown> {
  const next = new Date(asOf.getTime() + 86_400_000).toISOString().slice(0, 10);
  return {
    id: 'winter-boots',
    description: 'One product, different copy for different portraits (千人千面)',
    channel: 'push',
    sendAt: `${next} 10:00`,
    item: { id: 1, name: 'snow boots' },
    coupon: '20 yuan off orders over 199',
    templates: [
      { name: 'live-stream leads', when: { tag: 'lead_band_live_stream', op: '=', value: 'A' }, channel: 'in_app', text: "Hi {nickname}, {item} are on tonight's live stream: {coupon} for you." },
      { name: 'friends bought', when: { tag: 'friend_count', op: '>=', value: 3 }, text: 'Hi {nickname}, {item} are trending among your {friend_count} friends. {coupon} today.' },
      { name: 'repeat buyers', when: { tag: 'next_due', op: '>=', value: next }, channel: 'sms', text: 'Hi {nickname}, your next order is due in {days_until_due} days: add {item} and get {coupon}.' },
      { name: 'everyone else', text: 'Hi {nickname}, warm feet this winter: {item}, {coupon}.' },
    ],
    frequencyCap: { messages: 2, days: 7 },
    quietHours: { from: '22:00', to: '08:00' },
  };
}

export async function runDemo(dir: string, options: SynthOptions, log: (line: string) => void = () => {}): Promise<DemoResult> {
  const paths = workspacePaths(dir);
  if (existsSync(paths.config)) {
    if (!existsSync(join(paths.dir, DEMO_MARKER))) {
      throw new PortraitError(
        `${paths.dir} holds a workspace the demo did not create; the demo will not overwrite it`,
        'choose another folder with --workspace',
      );
    }
    rmSync(paths.dir, { recursive: true, force: true });
  }
  const stages: DemoStage[] = [];
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    log(`${stage}...`);
    const started = Date.now();
    const result = await work();
    stages.push({ stage, seconds: (Date.now() - started) / 1000 });
    return result;
  };
  const ws = await Workspace.init(dir);
  writeFileSync(join(paths.dir, DEMO_MARKER), 'created by `portrait demo`; the next demo replaces this folder\n');
  try {
    const synth = await timed(`synthesising ${options.users.toLocaleString('en-US')} users over ${options.days} days`, () => synthesize(ws, options));
    const build = await timed('building the portrait', () => runBuild(ws));
    const trained = await timed('training recommendations', () => trainRecommendations(ws));
    const recommendations = { users: trained.users, rows: trained.rows, seconds: trained.seconds };
    const stats = await timed('summarising', () => workspaceStats(ws.wh));
    const showcase = await ws.wh.query<{ user_id: number }>(
      "SELECT user_id FROM tag_values WHERE tag = 'purchase_count' ORDER BY num DESC, user_id LIMIT 1",
    );
    const profile = showcase[0] ? await timed('reading a profile card', () => profileCard(ws, Number(showcase[0]!.user_id))) : null;
    const segment = await timed('defining and sizing a segment', async () => {
      SegmentRegistry.load(ws).define(ws, DEMO_SEGMENT, 'demo segment');
      return segmentSize(ws, DEMO_SEGMENT.name);
    });
    const scored = await timed('scoring leads with the live-stream plan', () => runScoringPlan(ws, { input: DEMO_SCORING_PLAN, where: 'demo scoring plan' }, { top: 3 }));
    const leads = { distribution: scored.distribution, top: scored.top };
    const messages = await timed('rendering personalised messages', () =>
      runCampaign(ws, { input: demoMessageCampaign(build.asOf), where: 'demo message campaign' }, join(paths.reports, 'messages-winter-boots.csv')),
    );
    const checks = await timed("checking campaigns, risk, KOLs and content against the world's truth", () => demoChecks(ws));
    const report = await timed('writing the HTML report', () => writeReport(ws, { out: join(paths.reports, 'report.html'), lang: 'en' }));
    return { workspace: paths.dir, synth, build, recommendations, stats, profile, segment, leads, messages, checks, report, stages };
  } finally {
    await ws.close();
  }
}
