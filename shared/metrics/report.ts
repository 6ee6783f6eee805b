// One scored evaluation, as the CLI prints it and the renderer shows it: per-class rows, mIoU, pixel
// accuracy, per-category IoU and the worst frames. Pure, so the renderer builds the same report from a
// stored histogram after every mapping edit.

import type { EvalReport, EvalGeometryName } from '../contract/evaluation.js';
import { scoreCategories, scoreHistogram, sparseMiou } from './confusion.js';
import type { MappingMethod } from './mapping-file.js';

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export interface ReportInput {
  readonly histogramId: string;
  readonly experimentId: string;
  readonly datasetId: string;
  readonly protocolId: string;
  readonly geometry: EvalGeometryName;
  readonly classNames: readonly string[];
  /** Category name of each class. */
  readonly categories: readonly string[];
  readonly K: number;
  readonly histogram: Float64Array;
  readonly mapping: Int32Array;
  readonly mappingId: string | null;
  readonly mappingMethod: MappingMethod;
  readonly mappingName: string;
  /** Per-frame histograms in sparse form (as 'eval.histogram' with frames returns them). */
  readonly frames?: readonly { frameId: string; name: string; cells: ArrayLike<number>; counts: ArrayLike<number> }[];
  readonly frameCount: number;
  readonly worstFrames?: number;
}

export function buildEvalReport(input: ReportInput): EvalReport {
  const { K, histogram, mapping, classNames } = input;
  const C = classNames.length;
  const s = scoreHistogram(histogram, K, C, mapping);

  const categoryNames: string[] = [];
  const catIndex = new Map<string, number>();
  const classToCategory = new Int32Array(C);
  for (let t = 0; t < C; t++) {
    const name = input.categories[t] ?? classNames[t]!;
    let g = catIndex.get(name);
    if (g === undefined) {
      g = categoryNames.length;
      catIndex.set(name, g);
      categoryNames.push(name);
    }
    classToCategory[t] = g;
  }
  const cat = scoreCategories(histogram, K, C, mapping, classToCategory, categoryNames.length);

  const clustersOf: number[][] = classNames.map(() => []);
  for (let k = 0; k < K; k++) {
    const t = mapping[k]!;
    if (t >= 0) clustersOf[t]!.push(k);
  }

  let worst: { frameId: string; name: string; miou: number | null }[] = [];
  if (input.frames && (input.worstFrames ?? 10) > 0) {
    const scratch = new Float64Array(3 * C);
    worst = input.frames.map((f) => ({ frameId: f.frameId, name: f.name, miou: finite(sparseMiou(f.cells, f.counts, K, C, mapping, scratch)) }));
    // Worst first; frames with nothing to score (no labelled pixels) go last.
    worst.sort((a, b) => (a.miou === null ? 1 : b.miou === null ? -1 : a.miou - b.miou));
    worst = worst.slice(0, input.worstFrames ?? 10);
  }

  return {
    histogramId: input.histogramId,
    experimentId: input.experimentId,
    datasetId: input.datasetId,
    protocolId: input.protocolId,
    geometry: input.geometry,
    mappingId: input.mappingId,
    mappingMethod: input.mappingMethod,
    mappingName: input.mappingName,
    mapping: Array.from(mapping),
    miou: finite(s.miou),
    pixelAccuracy: finite(s.pixelAccuracy),
    classesScored: s.classesScored,
    miouPresent: finite(s.miouPresent),
    classesPresent: s.classesPresent,
    perClass: classNames.map((name, t) => ({
      index: t,
      name,
      category: categoryNames[classToCategory[t]!]!,
      iou: finite(s.iou[t]!),
      tp: s.tp[t]!,
      fp: s.fp[t]!,
      fn: s.fn[t]!,
      gtPixels: s.gt[t]!,
      clusters: clustersOf[t]!,
    })),
    perCategory: categoryNames.map((name, g) => ({ name, iou: finite(cat.iou[g]!) })),
    categoryMiou: finite(cat.miou),
    totalPixels: s.totalPixels,
    unmatchedPixels: s.unmatchedPixels,
    frameCount: input.frameCount,
    worstFrames: worst,
  };
}
