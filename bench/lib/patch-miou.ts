// The pretraining benches' score: k-means labels of 8×8-pixel patches against a Cityscapes labelId map,
// Hungarian one-to-one on the classes present (labelIds 7–33), mean IoU over those classes (a class
// without a cluster counts 0). One definition for bench/pretrain-heldout.ts and bench/pretrain-kitti.ts.
import { hungarian } from '../../shared/metrics/hungarian.js';

/**
 * `labels`: per frame, W×H labelIds; `assign`: per frame, the cluster of each patch of a `gw`-wide grid
 * of 8-pixel patches, frames one after another.
 */
export function patchPresentClassMiou(assign: ArrayLike<number>, gw: number, labels: readonly ArrayLike<number>[], W: number, H: number, K: number): number {
  const classes = new Map<number, number>();
  for (const l of labels) for (let p = 0; p < l.length; p++) if (l[p]! >= 7 && l[p]! <= 33 && !classes.has(l[p]!)) classes.set(l[p]!, classes.size);
  const C = classes.size;
  const hist = new Float64Array(K * C);
  const per = (H / 8) * gw;
  labels.forEach((l, f) => {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const c = classes.get(l[y * W + x]!);
        if (c !== undefined) hist[assign[f * per + ((y / 8) | 0) * gw + ((x / 8) | 0)]! * C + c]! += 1;
      }
  });
  const match = hungarian(hist, K, C, 'max');
  const rowSum = new Float64Array(K);
  const colSum = new Float64Array(C);
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < C; c++) {
      rowSum[k]! += hist[k * C + c]!;
      colSum[c]! += hist[k * C + c]!;
    }
  }
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const c = match[k]!;
    if (c >= 0) sum += hist[k * C + c]! / (rowSum[k]! + colSum[c]! - hist[k * C + c]!);
  }
  return sum / C;
}
