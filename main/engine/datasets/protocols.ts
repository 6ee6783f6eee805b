// Protocol lookup for the engine: built-ins from shared/, custom ones from the workspace database
// (stored by content at import, so a dataset keeps its protocol when the JSON file moves or changes).
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import {
  BUILTIN_PROTOCOLS,
  BUILTIN_PROTOCOL_IDS,
  getBuiltinProtocol,
  parseCustomProtocol,
  parseCustomProtocolText,
  type LabelProtocol,
} from '../../../shared/protocols/index.js';
import { getProtocolRow, listProtocolRows, upsertProtocolRow } from '../db/queries/datasets.js';

/** A protocol by id: built-in, or custom stored in this workspace. */
export function getProtocol(db: Database, id: string): LabelProtocol {
  const builtin = getBuiltinProtocol(id);
  if (builtin) return builtin;
  const row = getProtocolRow(db, id);
  if (!row) {
    throw new StudioError(
      'not_found',
      `label protocol '${id}' is unknown: use one of ${BUILTIN_PROTOCOL_IDS.join(', ')} or a path to a protocol JSON file`,
      { protocolId: id },
    );
  }
  return parseCustomProtocol(JSON.parse(row.definition), row.source_path ?? `protocol '${id}'`);
}

export function listProtocols(db: Database): LabelProtocol[] {
  const custom = listProtocolRows(db).map((r) => parseCustomProtocol(JSON.parse(r.definition), r.source_path ?? r.id));
  return [...BUILTIN_PROTOCOLS, ...custom];
}

export interface ResolvedProtocol {
  readonly protocol: LabelProtocol;
  /** Present for a custom protocol read from a file: what the host stores on completion. */
  readonly custom?: { readonly definition: unknown; readonly sourcePath: string };
}

/** `--protocol` value: a built-in id, a stored custom id, or a path to a JSON file (read, validated). */
export function resolveProtocolSpec(db: Database | null, spec: string, cwd = process.cwd()): ResolvedProtocol {
  const builtin = getBuiltinProtocol(spec);
  if (builtin) return { protocol: builtin };
  const looksLikeFile = spec.endsWith('.json') || spec.includes('/') || spec.includes(path.sep);
  if (looksLikeFile) {
    const file = path.resolve(cwd, spec);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new StudioError('not_found', `${file}: cannot read label protocol file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
    }
    const protocol = parseCustomProtocolText(text, file);
    if (getBuiltinProtocol(protocol.id)) {
      throw new StudioError('invalid_input', `${file}: id '${protocol.id}' is a built-in protocol; choose another id`, { file });
    }
    return { protocol, custom: { definition: JSON.parse(text) as unknown, sourcePath: file } };
  }
  if (db) return { protocol: getProtocol(db, spec) };
  throw new StudioError('not_found', `label protocol '${spec}' is unknown: use one of ${BUILTIN_PROTOCOL_IDS.join(', ')} or a path to a JSON file`);
}

export function storeCustomProtocol(db: Database, resolved: ResolvedProtocol): void {
  if (!resolved.custom) return;
  upsertProtocolRow(db, {
    id: resolved.protocol.id,
    name: resolved.protocol.name,
    definition: resolved.custom.definition,
    sourcePath: resolved.custom.sourcePath,
  });
}
