// Step 2's bookkeeping, the same whatever engine runs the update: the batch's draws (grid sampling,
// then the dropout masks, from the trainer's stream), the bank before the step, and after it the
// counters, the bank insert (its subsampling draws from the same stream) and the metrics.
import { sampleBatch } from '../engines/batch.js';
import { drawStep2Masks } from '../engines/dropout-masks.js';
import type { EngineContext, Step2Part } from '../engines/step-engine.js';

export async function runStep2(part: Step2Part, ctx: EngineContext, items: readonly number[]): Promise<Record<string, number>> {
  const { state } = ctx;
  const B = items.length;
  const sampled = sampleBatch(ctx.source, items, state.rng);
  const masks = drawStep2Masks(ctx.spec, B * sampled.n, state.rng);
  const bank = state.bank.size > 0 ? state.bank.snapshot() : null;
  const out = await part.step({ ...sampled, masks, bank });
  const terms = out.batch.terms + (out.bank?.terms ?? 0);
  const skippedImages = B - out.batch.terms + (out.bank ? B - out.bank.terms : 0);
  state.counters.skippedImages = (state.counters.skippedImages ?? 0) + skippedImages;
  if (out.teacherProj) state.bank.insert(out.ids, out.teacherProj, state.rng);
  else state.counters.skippedSteps = (state.counters.skippedSteps ?? 0) + 1;
  return {
    'step2.loss': out.loss,
    'step2.gradNorm': out.gradNorm,
    'step2.terms': terms,
    'step2.skippedImages': skippedImages,
    'step2.posPairs': out.batch.posPairs + (out.bank?.posPairs ?? 0),
    'step2.negPairs': out.batch.negPairs + (out.bank?.negPairs ?? 0),
    'step2.bankPosPairs': out.bank?.posPairs ?? 0,
    lr: state.adam!.lr,
    'step2.bankFill': state.bank.size,
  };
}
