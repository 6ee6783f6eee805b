// The mapping's score, re-computed locally from the stored histogram on every edit (shared/metrics),
// so the IoU table, the mIoUs and the confusion matrix change in the same frame as the edit.
import { useMemo } from 'react';
import { confusionMatrix, scoreHistogram, type Score } from '../../../../shared/metrics/confusion.js';

export interface ClusterStat {
  /** Share of all scored pixels in the cluster. */
  readonly share: number;
  /** The ground-truth class most of its pixels have (-1 for an empty cluster) and that class's share. */
  readonly topClass: number;
  readonly purity: number;
}

export interface MappingScore {
  readonly score: Score;
  readonly confusion: ReturnType<typeof confusionMatrix>;
  readonly clusterStats: readonly ClusterStat[];
}

export function useMappingScore(hist: Float64Array, K: number, C: number, mapping: Int32Array): MappingScore {
  const score = useMemo(() => scoreHistogram(hist, K, C, mapping), [hist, K, C, mapping]);
  const confusion = useMemo(() => confusionMatrix(hist, K, C, mapping), [hist, K, C, mapping]);
  // Independent of the mapping: only the histogram's rows.
  const clusterStats = useMemo(() => clusterStatsOf(hist, K, C, score.totalPixels), [hist, K, C, score.totalPixels]);
  return { score, confusion, clusterStats };
}

export function clusterStatsOf(hist: Float64Array, K: number, C: number, totalPixels: number): ClusterStat[] {
  const total = totalPixels || 1;
  return Array.from({ length: K }, (_, k) => {
    let sum = 0;
    let best = -1;
    let bestCount = 0;
    for (let t = 0; t < C; t++) {
      const h = hist[k * C + t]!;
      sum += h;
      if (h > bestCount) {
        bestCount = h;
        best = t;
      }
    }
    return { share: sum / total, topClass: best, purity: sum > 0 ? bestCount / sum : 0 };
  });
}
