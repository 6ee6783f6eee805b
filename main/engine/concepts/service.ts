// Per-experiment caches behind the concepts.* methods. Building a patch index reads every predicted
// frame's maps and features once; it is kept (keyed by the prediction set, so a new prediction job
// rebuilds it) and shared by concurrent callers. Only a few indexes stay in memory: they are the big part.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { AtlasSource, ConceptAtlas } from '../../../shared/contract/concepts.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { loadModel } from '../cause/model-io.js';
import { getExperimentRow } from '../db/queries/experiments.js';
import { buildAtlas, layout2d, layoutInWorker } from './atlas.js';
import { buildPatchIndex, predictionSetOf, type PatchIndex } from './patch-index.js';

const MAX_INDEXES = 2;

interface Entry {
  readonly key: string;
  readonly index: Promise<PatchIndex>;
  readonly atlases: Map<AtlasSource, ConceptAtlas>;
}

/** workspace root + experiment id → entry; insertion order is LRU order. */
const cache = new Map<string, Entry>();

function entryFor(db: Database, workspaceRoot: string, experimentId: string): Entry {
  const key = predictionSetOf(db, experimentId).key;
  const slot = `${workspaceRoot}\n${experimentId}`;
  const hit = cache.get(slot);
  if (hit && hit.key === key) {
    cache.delete(slot);
    cache.set(slot, hit);
    return hit;
  }
  const entry: Entry = { key, index: buildPatchIndex(db, workspaceRoot, experimentId), atlases: new Map() };
  // A failed build must not be cached: the next call tries again (after the user fixed the cause).
  entry.index.catch(() => {
    if (cache.get(slot) === entry) cache.delete(slot);
  });
  cache.delete(slot);
  cache.set(slot, entry);
  while (cache.size > MAX_INDEXES) cache.delete(cache.keys().next().value as string);
  return entry;
}

export function conceptIndex(db: Database, workspaceRoot: string, experimentId: string): Promise<PatchIndex> {
  return entryFor(db, workspaceRoot, experimentId).index;
}

export async function conceptAtlas(db: Database, workspaceRoot: string, experimentId: string, source: AtlasSource): Promise<ConceptAtlas> {
  const entry = entryFor(db, workspaceRoot, experimentId);
  const index = await entry.index;
  const hit = entry.atlases.get(source);
  if (hit) return hit;
  const row = getExperimentRow(db, experimentId);
  if (!row?.model_file) throw new StudioError('conflict', `experiment ${experimentId} has no trained model file`);
  const model = loadModel(path.join(workspaceRoot, row.model_file));
  // A worker only pays off for big layouts (a clusterbook); a few dozen centroids lay out in milliseconds.
  const atlas = await buildAtlas(index, model, source, row.seed, (rows, seed) => (rows.length > 64 ? layoutInWorker(rows, seed) : layout2d(rows, seed)));
  entry.atlases.set(source, atlas);
  return atlas;
}

/** Drops cached indexes (tests; a workspace closing). */
export function clearConceptCache(workspaceRoot?: string): void {
  for (const slot of [...cache.keys()]) if (workspaceRoot === undefined || slot.startsWith(`${workspaceRoot}\n`)) cache.delete(slot);
}
