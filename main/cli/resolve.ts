// Names the CLI accepts for workspace objects: the full id, the short prefix the tables print (the
// demo's table shows 8 characters of an experiment id), or a unique name. One place, so every command
// takes the same references and says the same thing when one is ambiguous or unknown.
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
