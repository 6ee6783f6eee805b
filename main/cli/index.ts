// The `cause-studio` command. Each domain registers its subcommands from main/cli/commands/.
import { Command, CommanderError } from 'commander';
import { StudioError } from '../../shared/contract/errors.js';
import { ENGINE_VERSION } from '../engine/version.js';
import { register as registerJobs } from './commands/jobs.js';
import { register as registerDatasets } from './commands/datasets.js';
import { register as registerModels } from './commands/models.js';
import { register as registerFeatures } from './commands/features.js';
import { register as registerSynth } from './commands/synth.js';
import { register as registerServe } from './commands/serve.js';
import { register as registerWorkspace } from './commands/workspace.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerMap } from './commands/map.js';
import { register as registerCompare } from './commands/compare.js';
import { register as registerBundle } from './commands/bundle.js';
import { register as registerExport } from './commands/export.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerTrain } from './commands/train.js';
import { register as registerPredict } from './commands/predict.js';
import { register as registerSettings } from './commands/settings.js';
import { register as registerPretrain } from './commands/pretrain.js';
import { register as registerStudy } from './commands/study.js';
import { register as registerWorker } from './commands/worker.js';
import { CliRuntime } from './runtime.js';

const program = new Command();
program
  .name('cause-studio')
  .description('Cause Studio — unsupervised semantic segmentation of driving data (CAUSE), headless')
  .version(ENGINE_VERSION)
  .option('--workspace <dir>', 'workspace folder (default: $CAUSE_STUDIO_HOME or the user-data folder)')
  .option('--json', 'machine-readable output')
  .option('--queue <url>', 'split heavy work into tasks on a worker pool (redis://[:password@]host:port[/db], rediss:// for TLS)')
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ outputError: () => {} }); // we print our own one-line error below

const runtime = new CliRuntime(program);
const commands = [
  registerWorkspace,
  registerJobs,
  registerDatasets,
  registerServe,
  registerModels,
  registerFeatures,
  registerEval,
  registerMap,
  registerCompare,
  registerBundle,
  registerSynth,
  registerExport,
  registerTrain,
  registerPredict,
  registerPretrain,
  registerDemo,
  registerSettings,
  registerStudy,
  registerWorker,
];
for (const register of commands) register(program, runtime);
program.commands.forEach((c) => c.exitOverride().configureOutput({ outputError: () => {} }));
for (const c of program.commands) for (const s of c.commands) s.exitOverride().configureOutput({ outputError: () => {} });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version also arrive here, with exit code 0.
    if (e.exitCode === 0) process.exit(0);
    process.stderr.write(`cause-studio: ${e.message.replace(/^error: /, '')}\n`);
    process.exit(2);
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`cause-studio: error: ${message}\n`);
  process.exit(e instanceof StudioError && e.code === 'cancelled' ? 130 : 1);
}
