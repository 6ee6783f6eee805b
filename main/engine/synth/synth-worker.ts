// Worker half of 'synth.generate': renders frame after frame, reporting progress and saving a checkpoint
// per frame. Resuming needs no state from the checkpoint — complete frames on disk are skipped — but the
// checkpoint records how far the previous attempt got, which the job history shows.
import {
  parseSynthSize,
  type SynthGenerateArgs,
  type SynthGenerateResult,
} from '../../../shared/contract/synth.js';
import type { JobContext } from '../jobs/job-kind.js';
import { generateSynthDrive } from './generate.js';

export async function run(ctx: JobContext, params: SynthGenerateArgs): Promise<SynthGenerateResult> {
  const { width, height } = parseSynthSize(params.size);
  const previous = ctx.loadCheckpoint() as { step: number; state: { done: number } } | undefined;
  if (previous) ctx.log(`resuming SynthDrive generation: ${previous.state.done} frames were complete`);
  // A resumed job writes into the folder its first attempt created, so it may be non-empty: the
  // manifest of that attempt makes it an identical run, which generateSynthDrive resumes.
  const result = await generateSynthDrive(
    {
      out: params.out,
      sequences: params.sequences,
      frames: params.frames,
      width,
      height,
      seed: params.seed,
      weather: params.weather,
      split: params.split,
      force: params.force,
    },
    {
      signal: ctx.signal,
      onFrame: (r) => {
        ctx.progress({
          step: r.done,
          totalSteps: r.total,
          stage: 'render',
          message: `${r.skipped ? 'kept' : 'rendered'} ${r.stem}`,
        });
        ctx.saveCheckpoint(r.done, { done: r.done });
        ctx.throwIfCancelled();
      },
    },
  );
  if (result.framesSkipped > 0)
    ctx.log(`kept ${result.framesSkipped} complete frames from an earlier attempt`);
  return result;
}
