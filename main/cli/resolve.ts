// Names the CLI accepts for workspace objects: the full id, the short prefix the tables print (the
// demo's table shows 8 characters of an experiment id), or a unique name. One place, so every command
// takes the same references and says the same thing when one is ambiguous or unknown.
import type { SequenceSummary } from '../../shared/contract/datasets.js';
import { StudioError } from '../../shared/contract/errors.js';
import type { EngineLink as Engine } from './runtime.js';

interface Named {
  readonly id: string;
  readonly name: string;
}

/** The id `ref` stands for among `list`: exact id, then unique id prefix or exact name. */
export function pickRef(list: readonly Named[], ref: string, noun: string, listCommand: string): string {
  const exact = list.find((x) => x.id === ref);
  if (exact) return exact.id;
  const byName = list.filter((x) => x.name === ref);
  const candidates = byName.length > 0 ? byName : list.filter((x) => ref.length >= 4 && x.id.startsWith(ref));
  if (candidates.length === 1) return candidates[0]!.id;
  if (candidates.length > 1) {
    throw new StudioError('bad_request', `'${ref}' matches ${candidates.length} ${noun}s (${candidates.map((x) => x.id).join(', ')}); use the full id`);
  }
  throw new StudioError('not_found', `no ${noun} '${ref}' in this workspace (see: cause-studio ${listCommand})`);
}

export async function resolveDataset(engine: Engine, ref: string): Promise<string> {
  return pickRef(await engine.call('datasets.list', {}), ref, 'dataset', 'datasets list');
}

export async function resolveExperiment(engine: Engine, ref: string): Promise<string> {
  return pickRef(await engine.call('experiments.list', {}), ref, 'experiment', 'train list');
}

/**
 * A sequence by id, id prefix or name: among the experiment's own dataset first (where names are
 * unique), then by id in every dataset (a held-out sequence the experiment did not train on).
 */
export async function resolveSequence(engine: Engine, ref: string, experimentId: string): Promise<SequenceSummary> {
  const exp = await engine.call('experiments.get', { id: experimentId });
  const own = await engine.call('datasets.sequences', { id: exp.datasetId });
  try {
    const id = pickRef(own, ref, 'sequence', `datasets sequences ${exp.datasetId}`);
    return own.find((s) => s.id === id)!;
  } catch (e) {
    if (!(e instanceof StudioError) || e.code !== 'not_found') throw e;
  }
  const all: SequenceSummary[] = [];
  for (const d of await engine.call('datasets.list', {})) if (d.id !== exp.datasetId) all.push(...(await engine.call('datasets.sequences', { id: d.id })));
  // Elsewhere only by id: names repeat across datasets (every SynthDrive import has 'synthdrive').
  const id = pickRef(all.map((s) => ({ id: s.id, name: s.id })), ref, 'sequence', 'datasets sequences <dataset>');
  return all.find((s) => s.id === id)!;
}
