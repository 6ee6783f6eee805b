// Temporal positives for Step 2 (label-free): a sampled patch of frame t and the patch it matches in a
// nearby frame of its sequence show the same surface, so the student's projection of the patch is pulled
// to the teacher's projection of its match (a positive) and pushed from the matches of the batch's other
// patches whose concepts disagree (negatives) — one more term of the concept-wise InfoNCE
// (contrastive.ts), planned and weighted like the batch and bank terms.
import * as tf from '@tensorflow/tfjs';
import type { TemporalPositives } from '../../../shared/contract/step2-loss.js';
import { matchPatches } from '../temporal/feature-match.js';
import type { PairMasks } from './concepts.js';
import type { FeatureSource } from './features.js';

export interface TemporalMatches {
  /** Matched tokens [T, D] (the neighbour frame's features at the matched positions; zeros where none). */
  readonly tokens: Float32Array;
  /** 1 where the anchor row has a confident match. */
  readonly matched: Uint8Array;
}

/**
 * For every sampled token (items[b], position indices[b][j]) its match in the item's temporal neighbour,
 * when the source knows neighbours and the match's cosine reaches `minSimilarity`.
 */
export function temporalMatches(source: FeatureSource, items: readonly number[], indices: readonly Int32Array[], opts: TemporalPositives): TemporalMatches {
  const { h, w, dim: D } = source;
  const n = indices[0]?.length ?? 0;
  const tokens = new Float32Array(items.length * n * D);
  const matched = new Uint8Array(items.length * n);
  items.forEach((item, b) => {
    const other = source.neighbour?.(item, opts.offset) ?? null;
    if (other === null) return;
    const cur = source.read(item);
    const nb = source.read(other);
    const m = matchPatches(nb, cur, h, w, D);
    const idx = indices[b]!;
    for (let j = 0; j < n; j++) {
      const p = idx[j]!;
      if (m.similarity[p]! < opts.minSimilarity) continue;
      const x = Math.max(0, Math.min(w - 1, Math.round((p % w) + m.dx[p]!)));
      const y = Math.max(0, Math.min(h - 1, Math.round(Math.floor(p / w) + m.dy[p]!)));
      tokens.set(nb.subarray((y * w + x) * D, (y * w + x + 1) * D), (b * n + j) * D);
      matched[b * n + j] = 1;
    }
  });
  return { tokens, matched };
}

/**
 * Masks of the temporal term [T, T]: pos = (i, i) where row i has a match; neg = (i, j), j ≠ i matched,
 * where the concepts of anchor i and of match j disagree (concept cosine < negThreshold). `conceptCos`
 * is the anchors' concept vectors times the matches' [T, T].
 */
export function temporalMasks(conceptCos: tf.Tensor2D, matched: Uint8Array, negThreshold: number): PairMasks {
  return tf.tidy(() => {
    const T = matched.length;
    const m = tf.tensor1d(Float32Array.from(matched));
    const pos = tf.mul(tf.eye(T), m.reshape([T, 1])) as tf.Tensor2D;
    const rowCol = tf.mul(m.reshape([T, 1]), m.reshape([1, T]));
    const neg = tf.mul(tf.mul(tf.less(conceptCos, negThreshold).toFloat(), rowCol), tf.sub(1, tf.eye(T))) as tf.Tensor2D;
    return { pos, neg };
  });
}
