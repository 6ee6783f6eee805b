// The predict job's `--temporal-direction both` (temporal/two-pass.ts): stretch by stretch, the frames go
// to the helper thread at once, last first (link-pipeline.ts: the first pass's links, each with the second
// pass's reverse half); frames come out as the second pass gives them, first to last (the job writes them,
// the speed bench encodes them).
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import type { FrameRecord } from '../datasets/frame-source.js';
import type { FeatureSet } from '../features/feature-reader.js';
import { LinkPipeline, prestartLinkHelper, temporalThreads } from '../temporal/link-pipeline.js';
import { prestartSecondPassHelper, SecondPass } from '../temporal/second-pass.js';
import { upsampleArgmax } from '../temporal/upsample-labels.js';
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
  /** Threads for the links and the second pass (link-pipeline.ts, second-pass.ts; default: the machine's, up to 2). */
  readonly threads?: number;
  /** Default OVERLAP_BYTES. */
  readonly overlapBytes?: number;
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
 * The most bytes of first-pass scores two stretches may hold for one to be in its first pass while the other
 * is in its second (at 512×256, 27 clusters, two stretches of 32 frames hold 226 MB; at 2048×1024 one holds 1.8 GB).
 */
export const OVERLAP_BYTES = 1 << 30;

function heldBytes(two: TwoPassPredictor, f: { readonly outW: number; readonly outH: number }): number {
  const { width, height } = two.stateSize(f.outW, f.outH);
  return width * height * two.clusters * 4;
}

/** Starts predictBothWays' helper threads ahead of it (their start and warm-up overlap the caller's own). */
export function prestartBothWays(mode: Exclude<TemporalMode, 'none'>, threads = temporalThreads()): void {
  prestartLinkHelper(mode, threads);
  prestartSecondPassHelper(threads);
}

/**
 * Predicts the frames of `order` both ways; `emit` gets each frame (index, position in `order`) with its
 * labels, in `order`, or with null when its stretch was skipped. Returns the state resets and scene cuts.
 *
 * On two threads or more, three run at once: the link helper on the stretch after next (its flow), this
 * thread on the next stretch's first pass (scores and backward filter), the second-pass helper on this
 * stretch's forward filter and labels (second-pass.ts), whose frames `emit` gets as they come.
 */
export async function predictBothWays(r: TwoPassRun, emit: (i: number, pos: number, p: Prediction | null) => Promise<void>): Promise<{ resets: number; cuts: number }> {
  const { set, frames, order } = r;
  const threads = r.threads ?? temporalThreads();
  const two = new TwoPassPredictor(r.predictor, r.mode);
  const [back, second] = await Promise.all([LinkPipeline.open(r.mode, two.linkOptions, threads), SecondPass.open(r.predictor.clusters, two.secondOptions, threads)]);
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
  // The frames' writing, in order, behind this thread's first passes: one chain, stopped at its first error
  // (a cancel, a failed write), which this loop then throws.
  let writing: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const write = (fn: () => Promise<void>) => {
    writing = writing.then(async () => {
      if (failure) return;
      try {
        await fn();
      } catch (error) {
        failure = { error };
      }
    });
  };
  const written: Promise<void>[] = [];
  let lastBytes = 0;
  try {
    for (const [s, stretch] of stretches.entries()) {
      if (failure) break;
      r.throwIfCancelled?.();
      if (skipped[s]) {
        for (const i of stretch) write(() => emit(i, posOf.get(i)!, null));
        continue;
      }
      if (!prepared.has(s)) prepared.set(s, prepare(s));
      const inputs = prepared.get(s)!;
      prepared.delete(s);
      // the next stretch's links are computed on the helper while this thread runs this one's first pass and
      // the second-pass helper the stretch before's second: handed over only for the second pass (session
      // 10), the helper's flow (~66 ms per frame with the line search) outlasted that pass, and this thread
      // waited for it at each stretch's start
      prepareNext(s);
      // at most two stretches' scores held, the one in the second pass and this one (3.5 MB a frame at
      // 512×256, 27 clusters), and only one when two would pass OVERLAP_BYTES (large frames): then the
      // stretch before is written first
      const bytes = inputs.reduce((b, f) => b + heldBytes(two, f), 0);
      await written[written.length - (bytes + lastBytes <= (r.overlapBytes ?? OVERLAP_BYTES) ? 2 : 1)];
      lastBytes = bytes;
      // each frame's link awaited after a turn of the event loop: the writes of the stretch before (the
      // second-pass helper's labels, the PNG encodes) go on between this pass's frames, not after them all
      const { held, forward } = await two.firstPass(key(stretch), inputs, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return back.next();
      });
      // the last stretch's second pass has this thread idle beside it: every other frame's labels are
      // upsampled here, the helper only filtering them (~5 of its ~55 ms a frame)
      const last = skipped.indexOf(false, s + 1) < 0;
      const labels = inputs.map((f, k) => {
        const { width, height } = two.stateSize(f.outW, f.outH);
        const p = second.frame({ sequence: key(stretch), width, height, outW: f.outW, outH: f.outH, scores: held[k]!, link: forward[k]! }, !(last && k % 2 === 1));
        p.catch(() => undefined);
        return p;
      });
      for (const [k, i] of stretch.entries()) {
        write(async () => {
          const { prediction: p, scores } = await labels[k]!;
          const f = inputs[k]!;
          const { width, height } = two.stateSize(f.outW, f.outH);
          const prediction = p ?? upsampleArgmax(scores, width, height, r.predictor.clusters, f.outW, f.outH);
          two.release(scores);
          r.throwIfCancelled?.();
          await emit(i, posOf.get(i)!, prediction);
        });
      }
      written.push(writing);
    }
  } catch (error) {
    // nothing more is written once this throws
    failure ??= { error };
    throw error;
  } finally {
    await writing;
    back.close();
    second.close();
  }
  const failed = failure as { error: unknown } | null;
  if (failed) throw failed.error;
  return { resets: two.resets, cuts: two.cuts };
}
