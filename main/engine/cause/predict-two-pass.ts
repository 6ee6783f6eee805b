// The predict job's `--temporal-direction both` (temporal/two-pass.ts): stretch by stretch, the frames go
// to the helper thread at once, last first (link-pipeline.ts: the first pass's links, each with the second
// pass's reverse half); frames come out as the second pass gives them, first to last (the job writes them,
// the speed bench encodes them).
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import type { FrameRecord } from '../datasets/frame-source.js';
import type { FeatureSet } from '../features/feature-reader.js';
import { LinkPipeline } from '../temporal/link-pipeline.js';
import { TwoPassPredictor, twoPassStretches } from '../temporal/two-pass.js';
import { centreCropRegion, type Prediction, type Predictor } from './predict.js';

export interface TwoPassRun {
  readonly set: FeatureSet;
  readonly itemOf: ReadonlyMap<string, number>;
  readonly frames: readonly FrameRecord[];
  /** Frame indices in writing order (sequence-order.ts, forward). */
  readonly order: readonly number[];
  readonly predictor: Predictor;
  readonly mode: Exclude<TemporalMode, 'none'>;
  /** Whether the frame at this position of `order` is done already (a resumed run): its stretch is skipped if all are. */
  readonly skip: (pos: number) => boolean;
  /** The frame's packed RGB ('flow'). */
  readonly image: (f: FrameRecord) => Promise<ArrayLike<number>>;
  readonly throwIfCancelled?: () => void;
  /** Threads for the links (link-pipeline.ts; default: the machine's, up to 2). */
  readonly threads?: number;
}

/** A frame as the temporal predictors and linkers take it: its whole-frame features, their region at the frame's size. */
export function temporalFrameOf(set: FeatureSet, itemOf: ReadonlyMap<string, number>, f: FrameRecord, sequence: string = f.sequenceId) {
  return {
    sequence,
    grid: set.read(itemOf.get(f.id)!),
    h: set.grid.h,
    w: set.grid.w,
    dim: set.dim,
    outW: f.width,
    outH: f.height,
    region: centreCropRegion(f.width, f.height, set.preprocessing.width, set.preprocessing.height),
  };
}

/**
 * Predicts the frames of `order` both ways; `emit` gets each frame (index, position in `order`) with its
 * labels, in `order`, or with null when its stretch was skipped. Returns the state resets and scene cuts.
 */
export async function predictBothWays(r: TwoPassRun, emit: (i: number, pos: number, p: Prediction | null) => Promise<void>): Promise<{ resets: number; cuts: number }> {
  const { set, frames, order } = r;
  const two = new TwoPassPredictor(r.predictor, r.mode);
  const back = await LinkPipeline.open(r.mode, two.linkOptions, r.threads);
  const posOf = new Map(order.map((i, pos) => [i, pos] as const));
  const stretches = twoPassStretches(frames, order);
  const skipped = stretches.map((st) => st.every((i) => r.skip(posOf.get(i)!)));
  const key = (st: readonly number[]) => `${frames[st[0]!]!.sequenceId}#${st[0]}`;
  // a stretch's inputs, its frames handed to the helper thread last first (its first pass's order)
  const prepared = new Map<number, ReturnType<typeof prepare>>();
  function prepare(s: number) {
    const stretch = stretches[s]!;
    const inputs = stretch.map((i) => temporalFrameOf(set, r.itemOf, frames[i]!, key(stretch)));
    const images = r.mode === 'flow' ? stretch.map((i) => r.image(frames[i]!)) : null;
    for (const im of images ?? []) im.catch(() => undefined);
    for (let k = stretch.length - 1; k >= 0; k--) back.submit({ ...inputs[k]!, ...(images ? { rgb: images[k]! } : {}) });
    return inputs;
  }
  const prepareNext = (s: number) => {
    const next = skipped.indexOf(false, s + 1);
    if (next >= 0 && !prepared.has(next)) prepared.set(next, prepare(next));
  };
  try {
    for (const [s, stretch] of stretches.entries()) {
      r.throwIfCancelled?.();
      if (skipped[s]) {
        for (const i of stretch) await emit(i, posOf.get(i)!, null);
        continue;
      }
      if (!prepared.has(s)) prepared.set(s, prepare(s));
      const inputs = prepared.get(s)!;
      prepared.delete(s);
      // the next stretch's links are computed on the helper while this thread runs both passes of this one:
      // handed over only for the second pass (session 10), the helper's flow (~66 ms per frame with the line
      // search) outlasted that pass (~50 ms), and this thread waited for it at each stretch's start
      prepareNext(s);
      await two.stretch(
        key(stretch),
        inputs,
        async (k, p) => {
          r.throwIfCancelled?.();
          await emit(stretch[k]!, posOf.get(stretch[k]!)!, p);
        },
        () => back.next(),
      );
    }
  } finally {
    back.close();
  }
  return { resets: two.resets, cuts: two.cuts };
}
