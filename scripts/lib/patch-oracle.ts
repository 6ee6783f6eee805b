// The diagnostics' patch↔label check (scripts/feature-quality.ts): features = each patch's ground-truth
// class histogram h_t, scored through a k-means model whose centroid k is class k. Aligned, it is the
// ceiling at this patch resolution; shifted sideways by a few patches it must score worse, or the
// patch grid and the label maps do not line up.
import type { KmeansModel } from '../../main/engine/cause/model-io.js';
import { scoreModel, type DemoWorkspace, type GridSource, type QualityScore } from './demo-eval.js';

/** `hist`: per labelled frame, per patch, the class histogram [N · h·w · C]; `shiftX` in patches. */
export function patchLabelOracle(ws: DemoWorkspace, hist: Float32Array, shiftX: number): QualityScore {
  const { h, w } = ws.set.grid;
  const T = h * w;
  const C = ws.protocol.classNames.length;
  const grids: GridSource = {
    h,
    w,
    dim: C,
    inputWidth: ws.set.preprocessing.width,
    inputHeight: ws.set.preprocessing.height,
    grid: (j) => {
      const g = new Float32Array(T * C);
      for (let gy = 0; gy < h; gy++)
        for (let gx = 0; gx < w; gx++) {
          const sx = Math.min(w - 1, Math.max(0, gx + shiftX));
          g.set(hist.subarray((j * T + gy * w + sx) * C, (j * T + gy * w + sx + 1) * C), (gy * w + gx) * C);
        }
      // A patch with no labelled pixel gets a uniform histogram so cosine stays defined.
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += g[t * C + c]!;
        if (s === 0) g.fill(1 / C, t * C, (t + 1) * C);
      }
      return g;
    },
  };
  const eye = new Float32Array(C * C);
  for (let c = 0; c < C; c++) eye[c * C + c] = 1;
  const model: KmeansModel = { method: 'kmeans', grid: { h, w }, dim: C, centroids: eye, clusters: C };
  return scoreModel(ws, model, grids);
}
