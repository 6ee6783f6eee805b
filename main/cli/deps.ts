// Dependencies a command resolves by running the job that produces them first: `train` needs cached
// features of its dataset and backbone, `eval` and `export video` need predictions of the experiment on
// the scored or rendered dataset (which need single-view features of that dataset). Each dependency runs as its own job with
// its own progress bar, in this process, before the command's own job. `--no-deps` skips all of this,
// and the engine's error for what is missing stands.
import { StudioError } from '../../shared/contract/errors.js';
import type { EngineLink as Engine } from './runtime.js';
import type { CliRuntime } from './runtime.js';

const note = (rt: CliRuntime, line: string): void => {
  if (!rt.json) process.stderr.write(`${line}\n`);
};

/** True when a feature set of this backbone exists; `singleView` asks for one without five-crop (what predict reads). */
async function haveFeatures(engine: Engine, datasetId: string, backbone: string, singleView: boolean): Promise<boolean> {
  const sets = await engine.call('features.list', { datasetId });
  return sets.some((f) => f.backbone === backbone && (!singleView || f.preprocessing.crops === 'none'));
}

/**
 * Extracts whole-frame features of `backbone` for the dataset unless some are cached. The backbone's
 * reference size and the auto provider, as `cause-studio features` does by default.
 */
export async function ensureFeatures(
  rt: CliRuntime,
  engine: Engine,
  a: { datasetId: string; backbone: string; singleView: boolean; neededBy: string },
): Promise<void> {
  if (await haveFeatures(engine, a.datasetId, a.backbone, a.singleView)) return;
  note(rt, `${a.neededBy}: dataset ${a.datasetId} has no cached "${a.backbone}" features; extracting them first (--no-deps to refuse instead)`);
  const job = await engine.call('features.extract', { datasetId: a.datasetId, backbone: a.backbone, crops: 'none' });
  await rt.runJob(engine, job.id, `features for ${a.neededBy}`);
}

/**
 * Predicts the experiment on the dataset unless it already has predictions there that are newer than its
 * model (extracting features if need be). An experiment trained again (`experiments.train`) keeps its
 * old prediction set until something predicts anew; scoring that set would score the previous model.
 */
export async function ensurePredictions(
  rt: CliRuntime,
  engine: Engine,
  a: { experimentId: string; datasetId?: string; neededBy?: string },
): Promise<void> {
  const by = a.neededBy ?? 'eval';
  const exp = await engine.call('experiments.get', { id: a.experimentId });
  const datasetId = a.datasetId ?? exp.datasetId;
  const sets = exp.predictions.filter((p) => p.datasetId === datasetId);
  const stale = sets.length > 0 && exp.finishedAt !== null && sets.every((p) => p.createdAt < exp.finishedAt!);
  if (sets.length > 0 && !stale) return;
  if (exp.status !== 'trained') {
    throw new StudioError('conflict', `experiment ${exp.id} is ${exp.status}, not trained: nothing to predict with yet (wait for its training job, or train it again)`);
  }
  // The training set serves when it is single-view features of this dataset; else predict needs its own.
  await ensureFeatures(rt, engine, { datasetId, backbone: exp.backbone, singleView: true, neededBy: by });
  note(
    rt,
    stale
      ? `${by}: the predictions of experiment ${exp.id} for dataset ${datasetId} predate its last training (${exp.finishedAt}); predicting again (--no-deps to score them as they are)`
      : `${by}: experiment ${exp.id} has no predictions for dataset ${datasetId}; predicting first (--no-deps to refuse instead)`,
  );
  const { jobId } = await engine.call('experiments.predict', { id: exp.id, datasetId });
  await rt.runJob(engine, jobId, `predict for ${by}`);
}
