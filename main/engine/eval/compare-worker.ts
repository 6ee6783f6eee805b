// Worker half of 'eval.compare': co-occurrence of two runs' clusters over the frames both predicted.
import { StudioError } from '../../../shared/contract/errors.js';
import type { RunComparisonReport } from '../../../shared/contract/evaluation.js';
import { accumulateCooccurrence, compareRuns } from '../../../shared/metrics/cross-run.js';
import { openDatabase } from '../db/connection.js';
import { listFrames } from '../datasets/frame-source.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { CompareJobParams } from './compare-job.js';
import { applySampler, fullSampler, referenceSampler } from './geometry.js';
import { openPredictionSource } from './predictions.js';

function sparseCells(co: Float64Array): { cells: number[]; counts: number[] } {
  const cells: number[] = [];
  const counts: number[] = [];
  co.forEach((v, i) => v > 0 && (cells.push(i), counts.push(v)));
  return { cells, counts };
}

export async function run(ctx: JobContext, p: CompareJobParams): Promise<RunComparisonReport> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  try {
    const a = openPredictionSource(db, ctx.workspaceRoot, p.experimentA, p.datasetId);
    const b = openPredictionSource(db, ctx.workspaceRoot, p.experimentB, p.datasetId);
    const frames = listFrames(db, p.datasetId, p.split ? { split: p.split } : {}).filter((f) => a.has(f) && b.has(f));
    if (frames.length === 0) {
      throw new StudioError('not_found', `experiments ${p.experimentA} and ${p.experimentB} share no predicted frames of dataset ${p.datasetId}`);
    }
    const co = new Float64Array(a.clusters * b.clusters);
    for (let i = 0; i < frames.length; i++) {
      ctx.throwIfCancelled();
      const f = frames[i]!;
      const [ma, mb] = await Promise.all([a.readClusters(f), b.readClusters(f)]);
      let da: Uint8Array | Uint16Array;
      let dbm: Uint8Array | Uint16Array;
      if (p.geometry === 'reference') {
        da = applySampler(referenceSampler(ma.width, ma.height), ma.data);
        dbm = applySampler(referenceSampler(mb.width, mb.height), mb.data);
      } else {
        // Full: B is brought to A's resolution when the runs predicted at different sizes.
        da = ma.data;
        dbm = applySampler(fullSampler(mb.width, mb.height, ma.width, ma.height), mb.data);
      }
      accumulateCooccurrence(co, da, dbm, a.clusters, b.clusters);
      if (i % 5 === 4 || i === frames.length - 1) ctx.progress({ step: i + 1, totalSteps: frames.length, stage: 'compare' });
    }
    const r = compareRuns(co, a.clusters, b.clusters);
    const fin = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      experimentA: p.experimentA,
      experimentB: p.experimentB,
      datasetId: p.datasetId,
      geometry: p.geometry,
      frames: frames.length,
      pixels: r.pixels,
      clustersA: r.clustersA,
      clustersB: r.clustersB,
      agreement: fin(r.agreement),
      meanMatchedIou: fin(r.meanMatchedIou),
      stable: r.stable,
      matches: r.matches,
      split: r.split,
      merged: r.merged,
      vanished: r.vanished,
      appeared: r.appeared,
      unusedA: r.unusedA,
      unusedB: r.unusedB,
      // Carrying a mapping from A to B votes with it (mapping-carry.ts); sparse to stay small at large K.
      cooccurrence: sparseCells(co),
    };
  } finally {
    db.close();
  }
}
