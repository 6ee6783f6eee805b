// Each concept's share of pixels and presence along the frames, for mapping without ground truth: from
// the newest evaluation histogram when the data has labels, else from the label-free pass (which counts
// every predicted frame's clusters), else nothing yet (the UI offers to measure).
import type { Database } from 'better-sqlite3';
import type { ConceptPixelStats } from '../../../shared/contract/mapping.js';
import { listLabelFree } from '../db/queries/evaluation.js';
import type { FramePresence } from './eval-job.js';
import { getExperimentInfo } from './predictions.js';
import { listHistograms, loadFrameHistograms, loadHistogram } from './service.js';

export function conceptStats(db: Database, experimentId: string): ConceptPixelStats {
  const exp = getExperimentInfo(db, experimentId);
  const K = exp.clusters;
  const hist = listHistograms(db, exp.id).find((h) => h.clusters === K);
  if (hist) {
    const h = loadHistogram(db, hist.id);
    const rows = new Float64Array(K);
    for (let k = 0; k < K; k++) for (let t = 0; t < h.C; t++) rows[k] = rows[k]! + h.histogram[k * h.C + t]!;
    const total = rows.reduce((a, b) => a + b, 0) || 1;
    const frames = loadFrameHistograms(db, h).map((f) => {
      const perCluster = new Map<number, number>();
      f.cells.forEach((cell, i) => {
        const k = Math.floor(cell / h.C);
        perCluster.set(k, (perCluster.get(k) ?? 0) + f.counts[i]!);
      });
      const ids = [...perCluster.keys()].sort((a, b) => a - b);
      return { frameId: f.frameId, sequenceId: f.sequenceId, pixels: f.pixels, clusters: ids, counts: ids.map((k) => perCluster.get(k)!) };
    });
    return { experimentId: exp.id, source: 'histogram', clusters: K, share: Array.from(rows, (r) => r / total), frames };
  }
  const lf = listLabelFree(db, exp.id).find((r) => r.dataset_id === exp.datasetId) ?? listLabelFree(db, exp.id)[0];
  if (lf) {
    const s = JSON.parse(lf.summary) as { pixelShare: (number | null)[]; presence?: FramePresence[] };
    return { experimentId: exp.id, source: 'label-free', clusters: K, share: s.pixelShare.map((v) => v ?? 0), frames: s.presence ?? [] };
  }
  return { experimentId: exp.id, source: null, clusters: K, share: [], frames: [] };
}
