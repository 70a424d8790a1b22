/**
 * The `portrait` command: a thin shell over the library. Every command is registered from its own module;
 * errors a user can fix print as one clear line and a non-zero exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { PortraitError } from '../errors.js';
import { io, processIo, type CliIo } from './context.js';
import { registerBuildCommands } from './commands/build.js';
import { registerClvCommands } from './commands/clv.js';
import { registerDueCommands } from './commands/due.js';
import { registerPredictCommands } from './commands/predict.js';
import { registerImportCommands } from './commands/import.js';
import { registerSynthCommands } from './commands/synth.js';
import { registerTagCommands } from './commands/tags.js';
import { registerProfileCommands } from './commands/profile.js';
import { registerSegmentCommands } from './commands/segment.js';
import { registerMetricsCommands } from './commands/metrics.js';
import { registerBasketCommands } from './commands/basket.js';
import { registerSimilarityCommands } from './commands/similar.js';
import { registerFunnelCommands } from './commands/funnel.js';
import { registerReportCommands } from './commands/report.js';
import { registerRhythmCommands } from './commands/rhythm.js';
import { registerRecsCommands } from './commands/recs.js';
import { registerRecsEvaluateCommand } from './commands/recs-evaluate.js';
import { registerNoiseCommands } from './commands/noise.js';
import { registerRiskCommands } from './commands/risk.js';
import { registerWorkspaceCommands } from './commands/workspace.js';
import { registerCampaignCommands } from './commands/campaign.js';
import { registerMembershipCommands } from './commands/membership.js';
import { registerPointsCommands } from './commands/points.js';
import { registerCouponCommands } from './commands/coupons.js';
import { registerSocialCommands } from './commands/social.js';
import { registerSpreadCommands } from './commands/spread.js';
import { registerPrivacyCommands } from './commands/privacy.js';
import { registerContentCommands } from './commands/content.js';
import { registerLiveCommands } from './commands/live.js';
import { registerReviewCommands } from './commands/reviews.js';
import { registerScoreCommands } from './commands/score.js';
import { registerMessagesCommands } from './commands/messages.js';

export function buildProgram(): Command {
  const program = new Command('portrait')
    .description('Portrait: user portraits and refined operations for e-commerce')
    .version('0.1.0')
    .option('-w, --workspace <dir>', 'workspace folder (default: $PORTRAIT_WORKSPACE or ./portrait-data)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
  registerWorkspaceCommands(program);
  registerImportCommands(program);
  registerSynthCommands(program);
  registerBuildCommands(program);
  registerClvCommands(program);
  registerDueCommands(program);
  registerPredictCommands(program);
  registerTagCommands(program);
  registerProfileCommands(program);
  registerSegmentCommands(program);
  registerMetricsCommands(program);
  registerBasketCommands(program);
  registerSimilarityCommands(program);
  registerFunnelCommands(program);
  registerReportCommands(program);
  registerRhythmCommands(program);
  registerRecsEvaluateCommand(registerRecsCommands(program));
  registerNoiseCommands(program);
  registerCampaignCommands(program);
  registerRiskCommands(program);
  registerMembershipCommands(program);
  registerPointsCommands(program);
  registerCouponCommands(program);
  registerSocialCommands(program);
  registerSpreadCommands(program);
  registerPrivacyCommands(program);
  registerContentCommands(program);
  registerLiveCommands(program);
  registerReviewCommands(program);
  registerScoreCommands(program);
  registerMessagesCommands(program);
  program.commands.forEach(function inheritSettings(c: Command) {
    c.exitOverride().configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
    c.commands.forEach(inheritSettings);
  });
  return program;
}

/**
 * Runs the CLI; returns the exit code (0 success, 1 failure, 2 usage error). Output goes to the process
 * streams unless `streams` says otherwise.
 */
export async function main(argv: string[], streams?: CliIo): Promise<number> {
  Object.assign(io, streams ?? processIo);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help/version it was asked for).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof PortraitError) {
      io.err(`error: ${error.message}\n`);
      if (error.hint) io.err(`hint: ${error.hint}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`error: ${message}\n`);
    if (process.env.PORTRAIT_DEBUG && error instanceof Error) io.err(`${error.stack}\n`);
    return 1;
  }
}
