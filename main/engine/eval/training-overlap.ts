// How many of the frames an evaluation scored were frames its experiment trained on. A score on training
// frames measures fit, not generalisation; EvalReport.trainingFramesScored carries the count so the CLI
// and the UI can say so. Frames are the same when they have the same frame id or the same image bytes
// (the feature cache's content hash), so a folder imported twice, or a split re-imported as its own
// dataset, is caught too.
import type { Database } from 'better-sqlite3';
import { parseTrainConfig } from '../../../shared/contract/experiments.js';
import { listFrameHistograms } from '../db/queries/evaluation.js';
import { getExperimentRow, listPredictionSets } from '../db/queries/experiments.js';
import { listFeatureSets } from '../db/queries/features.js';
import { readManifest, type FeatureSetManifest } from '../features/manifest.js';
import { trainedItemIndices } from '../cause/schedule.js';

function manifestOrNull(workspaceRoot: string, featureSetId: string): FeatureSetManifest | null {
  try {
    return readManifest(workspaceRoot, featureSetId);
  } catch {
    return null;
  }
}

// Histograms and the experiments they score never change, so the answer per histogram is kept.
const cache = new Map<string, number | undefined>();

/**
 * Scored frames of histogram `histogramId` that its experiment trained on; undefined when the training
 * frames are not known here (an experiment imported from a bundle, a feature set that was removed).
 */
export function trainingFramesScored(db: Database, workspaceRoot: string, histogramId: string, experimentId: string, datasetId: string): number | undefined {
  const key = `${workspaceRoot}\u0000${histogramId}`;
  if (cache.has(key)) return cache.get(key);
  const answer = count(db, workspaceRoot, histogramId, experimentId, datasetId);
  if (cache.size > 512) cache.clear();
  cache.set(key, answer);
  return answer;
}

function count(db: Database, workspaceRoot: string, histogramId: string, experimentId: string, datasetId: string): number | undefined {
  const exp = getExperimentRow(db, experimentId);
  if (!exp) return undefined;
  const summary = exp.summary ? (JSON.parse(exp.summary) as Record<string, unknown>) : {};
  if (summary.importedFrom !== undefined) return undefined;
  const trainSet = manifestOrNull(workspaceRoot, exp.feature_set_id);
  if (!trainSet) return undefined;
  let maxImages: number | null = null;
  try {
    maxImages = parseTrainConfig(JSON.parse(exp.config), `experiment ${exp.id}`).maxImages;
  } catch {
    return undefined;
  }
  const trainedIds = new Set<string>();
  const trainedHashes = new Set<string>();
  for (const i of trainedItemIndices(trainSet.items.length, maxImages)) {
    const it = trainSet.items[i]!;
    trainedIds.add(it.frameId);
    trainedHashes.add(it.contentHash);
  }

  // Content hashes of the scored dataset's frames: from the feature set its predictions came from,
  // else any of its feature sets (the hash is of the image file, not of the features).
  const hashOf = new Map<string, string>();
  if (datasetId !== exp.dataset_id) {
    const preferred = listPredictionSets(db, experimentId).find((p) => p.datasetId === datasetId)?.featureSetId;
    const ids = [...(preferred ? [preferred] : []), ...listFeatureSets(db, datasetId).map((r) => r.id).filter((id) => id !== preferred)];
    for (const id of ids) {
      const m = manifestOrNull(workspaceRoot, id);
      if (!m) continue;
      for (const it of m.items) if (!hashOf.has(it.frameId)) hashOf.set(it.frameId, it.contentHash);
      break;
    }
  }
  let n = 0;
  for (const f of listFrameHistograms(db, histogramId)) {
    const hash = hashOf.get(f.frame_id);
    if (trainedIds.has(f.frame_id) || (hash !== undefined && trainedHashes.has(hash))) n++;
  }
  return n;
}
