// `cause-studio predict --experiment E [--dataset D] [--feature-set F]`: cluster and confidence maps for every frame.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import { PREDICT_TEMPORAL_DEFAULT, REFINE_MODES, TEMPORAL_DIRECTIONS, TEMPORAL_MODES, type RefineMode, type TemporalDirection, type TemporalMode } from '../../../shared/contract/experiments.js';
import type { CliRuntime } from '../runtime.js';
import { resolveDataset, resolveExperiment } from '../resolve.js';

/** The temporal mode `predict` runs: the one asked for, else the contract's default — per frame when only the CRF is asked for. */
export function predictTemporalMode(asked: string | undefined, refine: string): string {
  // the CRF replaces the probabilities a temporal mode carries: asking for it alone means per frame
  return asked ?? (refine === 'crf' ? 'none' : PREDICT_TEMPORAL_DEFAULT.mode);
}

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('predict')
    .description("write per-frame cluster maps (PNG, 16-bit when K > 255) and confidence maps for a trained experiment")
    .option('--experiment <id>', 'experiment id')
    .option('--dataset <id>', 'dataset to predict (default: the one it was trained on)')
    .option('--feature-set <id>', 'features to predict from (e.g. whole-frame ones; default: the training set or the newest single-view set)')
    .option('--refine <mode>', `post-processing: ${REFINE_MODES.join(' | ')} (crf = the release's dense CRF, 10 mean-field iterations)`, 'none')
    .option(
      '--temporal <mode>',
      `temporal consistency: ${TEMPORAL_MODES.join(' | ')} (features = a recursive filter of cluster scores with label hysteresis, carried along patch-feature matches; flow = along optical flow, needs the frames' images; none = every frame on its own. Default: ${PREDICT_TEMPORAL_DEFAULT.mode} ${PREDICT_TEMPORAL_DEFAULT.direction} ways, or none with --refine crf)`,
    )
    .option(
      '--temporal-direction <d>',
      `with --temporal: ${TEMPORAL_DIRECTIONS.join(' | ')} through each sequence (backward carries t+1 into t: for a forward-driving camera, labels come from nearer views; forward is causal, as for a live feed; both runs backward, then forward over the first pass's scores)`,
      PREDICT_TEMPORAL_DEFAULT.direction,
    )
    .option('--no-wait', 'queue the job and return at once (it runs in `serve`, the app, or a background engine)')
    .action(async (o: { experiment?: string; dataset?: string; featureSet?: string; refine: string; temporal?: string; temporalDirection: string; wait: boolean }) => {
      if (!o.experiment) throw new StudioError('bad_request', 'predict: --experiment is required');
      const temporal = predictTemporalMode(o.temporal, o.refine);
      if (!(REFINE_MODES as readonly string[]).includes(o.refine)) {
        throw new StudioError('bad_request', `predict: --refine must be one of ${REFINE_MODES.join(', ')}, not '${o.refine}'`);
      }
      if (!(TEMPORAL_MODES as readonly string[]).includes(temporal)) {
        throw new StudioError('bad_request', `predict: --temporal must be one of ${TEMPORAL_MODES.join(', ')}, not '${temporal}'`);
      }
      if (!(TEMPORAL_DIRECTIONS as readonly string[]).includes(o.temporalDirection)) {
        throw new StudioError('bad_request', `predict: --temporal-direction must be one of ${TEMPORAL_DIRECTIONS.join(', ')}, not '${o.temporalDirection}'`);
      }
      await rt.withEngine({ runJobs: o.wait, background: !o.wait }, async (engine) => {
        const id = await resolveExperiment(engine, o.experiment!);
        const { jobId } = await engine.call('experiments.predict', {
          id,
          ...(o.dataset ? { datasetId: await resolveDataset(engine, o.dataset) } : {}),
          ...(o.featureSet ? { featureSetId: o.featureSet } : {}),
          ...(o.refine !== 'none' ? { refine: o.refine as RefineMode } : {}),
          ...(temporal !== 'none' ? { temporal: temporal as TemporalMode, temporalDirection: o.temporalDirection as TemporalDirection } : {}),
        });
        if (!o.wait) return rt.print({ jobId }, () => jobId);
        await rt.runJob(engine, jobId, 'predict');
        const d = await engine.call('experiments.get', { id });
        const set = d.predictions.find((p) => p.jobId === jobId);
        rt.print(set ?? d.predictions, () => `${set?.frames ?? 0} frames predicted for ${d.id} on ${set?.datasetId ?? '?'}${set?.refine === 'crf' ? ' (dense CRF)' : ''}${set && set.temporal !== 'none' ? ` (temporal ${set.temporal}, ${set.temporalDirection})` : ''}`);
      });
    });
}
