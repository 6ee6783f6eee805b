// Which label protocol an evaluation scores against, in a form that travels to the worker: a built-in id,
// or a custom protocol's validated JSON definition (so the worker never re-reads a file that may change).
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { getBuiltinProtocol, parseCustomProtocol, type LabelProtocol } from '../../../shared/protocols/index.js';
import { getProtocolRow } from '../db/queries/datasets.js';
import { resolveProtocolSpec } from '../datasets/protocols.js';

export interface EvalProtocolSpec {
  readonly id: string;
  /** Custom protocols only: the JSON definition and where it came from. */
  readonly definition?: unknown;
  readonly source?: string;
}

/** Short names the CLI accepts besides the protocol ids. */
const ALIASES: Record<string, string> = { 'bdd-19': 'bdd100k-19', bdd: 'bdd100k-19', cityscapes: 'cityscapes-27' };

export function resolveEvalProtocol(db: Database, spec: string, cwd = process.cwd()): { protocol: LabelProtocol; spec: EvalProtocolSpec } {
  const id = ALIASES[spec] ?? spec;
  const resolved = resolveProtocolSpec(db, id, cwd);
  const p = resolved.protocol;
  if (p.builtin) return { protocol: p, spec: { id: p.id } };
  if (resolved.custom) return { protocol: p, spec: { id: p.id, definition: resolved.custom.definition, source: resolved.custom.sourcePath } };
  const row = getProtocolRow(db, p.id);
  if (!row) throw new StudioError('not_found', `label protocol '${p.id}' is not stored in this workspace`);
  return { protocol: p, spec: { id: p.id, definition: JSON.parse(row.definition) as unknown, source: row.source_path ?? `protocol '${p.id}'` } };
}

export function protocolFromSpec(spec: EvalProtocolSpec): LabelProtocol {
  if (spec.definition === undefined) {
    const p = getBuiltinProtocol(spec.id);
    if (!p) throw new StudioError('not_found', `label protocol '${spec.id}' is not built in`);
    return p;
  }
  return parseCustomProtocol(spec.definition, spec.source ?? `protocol '${spec.id}'`);
}

/**
 * A built-in protocol reads one label encoding (Cityscapes labelIds, or trainIds); scoring a dataset
 * whose label maps use another would silently shift every class, so it is refused. A custom protocol
 * names its raw values itself and is trusted.
 */
export function checkProtocolFits(evalProtocol: LabelProtocol, datasetProtocol: LabelProtocol | null, datasetName: string): void {
  if (!datasetProtocol) {
    throw new StudioError('invalid_input', `dataset '${datasetName}' has no ground truth (no label protocol); only label-free signals can be computed`);
  }
  if (!evalProtocol.builtin) return;
  if (evalProtocol.encoding !== datasetProtocol.encoding) {
    throw new StudioError(
      'invalid_input',
      `protocol '${evalProtocol.id}' reads ${evalProtocol.encoding} label maps, but dataset '${datasetName}' stores ${datasetProtocol.encoding} (protocol '${datasetProtocol.id}')`,
    );
  }
}

/** A stored protocol (built in or custom, by id) in the form that travels to a pool task. */
export function protocolSpecOf(db: Database, id: string): EvalProtocolSpec {
  if (getBuiltinProtocol(id)) return { id };
  const row = getProtocolRow(db, id);
  if (!row) throw new StudioError('not_found', `label protocol '${id}' is not stored in this workspace`);
  return { id, definition: JSON.parse(row.definition) as unknown, source: row.source_path ?? `protocol '${id}'` };
}
