// Mapping edits that need no ground truth (the CLI's `map set|merge`, and the engine side of the UI's
// custom class): start from the experiment's newest version, change some clusters, save the next one.
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { MappingDetail } from '../../../shared/contract/evaluation.js';
import type { ProtocolSummary } from '../../../shared/contract/datasets.js';
import { IGNORE, mappingToDocument } from '../../../shared/metrics/mapping-file.js';
import type { LabelProtocol } from '../../../shared/protocols/index.js';
import { getDataset, getProtocol } from '../datasets/frame-source.js';
import { getExperimentInfo } from './predictions.js';
import { extendProtocol, parseColour } from './mapping-protocol.js';
import { getMapping, listMappings, saveMapping } from './service.js';

export interface MappingState {
  readonly protocol: { readonly id: string; readonly classNames: readonly string[] };
  readonly mapping: Int32Array;
  readonly latest: MappingDetail | null;
}

/** The protocol a fresh mapping starts with: the dataset's scoring protocol, else Cityscapes-27. */
export function defaultMappingProtocol(db: Database, experimentId: string): string {
  const exp = getExperimentInfo(db, experimentId);
  const p = getDataset(db, exp.datasetId).protocolId;
  if (p === null) return 'cityscapes-27';
  return p.startsWith('cityscapes') ? 'cityscapes-27' : p;
}

/** The newest saved mapping (re-expressed in `protocol` by class name when one is given), else all ignored. */
export function currentMapping(db: Database, experimentId: string, protocolId?: string): MappingState {
  const exp = getExperimentInfo(db, experimentId);
  const newest = listMappings(db, exp.id)[0];
  const latest = newest ? getMapping(db, newest.id) : null;
  if (latest && latest.mapping.length !== exp.clusters) {
    throw new StudioError('conflict', `the newest mapping of '${exp.id}' (${latest.id}) has ${latest.mapping.length} clusters, the experiment ${exp.clusters}`);
  }
  const want = protocolId ?? latest?.protocolId ?? defaultMappingProtocol(db, exp.id);
  if (latest && want === latest.protocolId) {
    return { protocol: { id: latest.protocolId, classNames: latest.document.classNames }, mapping: Int32Array.from(latest.mapping), latest };
  }
  const p = getProtocol(db, want);
  const mapping = new Int32Array(exp.clusters).fill(-1);
  if (latest) {
    const index = new Map(p.classNames.map((n, i) => [n, i]));
    latest.document.clusters.forEach((name, k) => (mapping[k] = index.get(name) ?? -1));
  }
  return { protocol: { id: p.id, classNames: p.classNames }, mapping, latest };
}

export interface MappingEdit {
  readonly clusters: readonly number[];
  readonly className?: string;
  readonly mode: 'set' | 'merge';
  readonly protocol?: string;
  readonly newClass?: { readonly color?: string };
  readonly name?: string;
}

export function editMapping(db: Database, experimentId: string, edit: MappingEdit): MappingDetail {
  const exp = getExperimentInfo(db, experimentId);
  const state = currentMapping(db, exp.id, edit.protocol);
  let protocol = state.protocol;
  for (const k of edit.clusters) {
    if (k >= exp.clusters) throw new StudioError('bad_request', `cluster ${k} does not exist: experiment '${exp.id}' has clusters 0..${exp.clusters - 1}`);
  }
  let target: number;
  if (edit.className === undefined || edit.className === '') {
    if (edit.mode === 'set') throw new StudioError('bad_request', 'name the class to send the clusters to (or ignore)');
    const mapped = edit.clusters.find((k) => state.mapping[k]! >= 0);
    if (mapped === undefined) throw new StudioError('bad_request', `none of clusters ${edit.clusters.join(', ')} has a class yet: name the class to merge them into`);
    target = state.mapping[mapped]!;
  } else if (edit.className === IGNORE) {
    target = -1;
  } else {
    target = protocol.classNames.indexOf(edit.className);
    if (target < 0) {
      if (!edit.newClass) {
        throw new StudioError(
          'not_found',
          `protocol '${protocol.id}' has no class '${edit.className}' (it has ${protocol.classNames.join(', ')}); add it as a new class to create a custom protocol`,
        );
      }
      const extended = extendProtocol(db, protocol.id, [
        { name: edit.className, ...(edit.newClass.color ? { color: parseColour(edit.newClass.color) } : {}) },
      ]);
      protocol = { id: extended.id, classNames: extended.classNames };
      target = protocol.classNames.length - 1;
    }
  }
  const next = Int32Array.from(state.mapping);
  for (const k of edit.clusters) next[k] = target;
  const what = `${edit.mode === 'merge' ? 'merge' : 'set'} ${edit.clusters.join(',')} → ${target < 0 ? IGNORE : protocol.classNames[target]}`;
  const doc = mappingToDocument(next, protocol, {
    name: edit.name ?? `manual v${(listMappings(db, exp.id)[0]?.version ?? 0) + 1}`,
    method: 'manual',
    experimentId: exp.id,
    note: what,
  });
  return saveMapping(db, exp.id, doc, 'edited mapping', { expectClusters: exp.clusters, ...(state.latest ? { parentId: state.latest.id } : {}) });
}

export function protocolSummary(p: LabelProtocol): ProtocolSummary {
  return {
    id: p.id,
    name: p.name,
    builtin: p.builtin,
    classNames: p.classNames,
    colors: p.colors,
    categories: p.categories,
    encoding: p.encoding,
  };
}
