// The persisted form of a cluster→class mapping (stored per experiment, exported/imported as JSON).
// Clusters are written by class *name*, not index, so a file stays meaningful when read by a person
// and a protocol mismatch is caught instead of silently shifting every class by one.
// 'ignore' marks a cluster that maps to no class; its pixels count as errors when scoring (the same as
// an unmatched cluster under Hungarian), so ignoring a bad cluster can never raise the score.

import { z } from 'zod';
import { StudioError } from '../contract/errors.js';
import { UNMAPPED } from './confusion.js';

export const MAPPING_SCHEMA_VERSION = 1;
export const MAPPING_KIND = 'cause-studio/mapping';
export const IGNORE = 'ignore';
export const MAPPING_METHODS = ['hungarian', 'majority', 'manual'] as const;
export type MappingMethod = (typeof MAPPING_METHODS)[number];

export const mappingDocumentSchema = z
  .object({
    schemaVersion: z.literal(MAPPING_SCHEMA_VERSION),
    kind: z.literal(MAPPING_KIND),
    name: z.string().min(1).max(200),
    method: z.enum(MAPPING_METHODS),
    /** Evaluation protocol id, e.g. 'cityscapes-27'. */
    protocol: z.string().min(1),
    /** The protocol's class names in index order, so a reader can check it means the same classes. */
    classNames: z.array(z.string().min(1)).min(1),
    /** clusters[k] = class name of cluster k, or 'ignore'. */
    clusters: z.array(z.string().min(1)).min(1),
    experimentId: z.string().nullable().optional(),
    createdAt: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();

export type MappingDocument = z.infer<typeof mappingDocumentSchema>;

export interface ProtocolClasses {
  readonly id: string;
  readonly classNames: readonly string[];
}

/** Build the JSON document for a mapping (Int32Array cluster → class index or -1). */
export function mappingToDocument(
  mapping: Int32Array,
  protocol: ProtocolClasses,
  meta: { name: string; method: MappingMethod; experimentId?: string | null; createdAt?: string; note?: string },
): MappingDocument {
  const clusters: string[] = [];
  for (let k = 0; k < mapping.length; k++) {
    const t = mapping[k]!;
    if (t === UNMAPPED) clusters.push(IGNORE);
    else {
      const name = protocol.classNames[t];
      if (name === undefined) {
        throw new StudioError('bad_request', `mapping sends cluster ${k} to class ${t}, but ${protocol.id} has ${protocol.classNames.length} classes`);
      }
      clusters.push(name);
    }
  }
  const doc: MappingDocument = {
    schemaVersion: MAPPING_SCHEMA_VERSION,
    kind: MAPPING_KIND,
    name: meta.name,
    method: meta.method,
    protocol: protocol.id,
    classNames: [...protocol.classNames],
    clusters,
  };
  if (meta.experimentId !== undefined) doc.experimentId = meta.experimentId;
  if (meta.createdAt !== undefined) doc.createdAt = meta.createdAt;
  if (meta.note !== undefined) doc.note = meta.note;
  return doc;
}

export interface MappingExpectation {
  /** The document must use exactly these classes (or, with `allowAddedClasses`, these first and then its own). */
  readonly protocol?: ProtocolClasses;
  readonly clusterCount?: number;
  /**
   * Accept a mapping whose protocol is `protocol` with classes appended (a mapping session's custom
   * protocol); clusters on an appended class resolve to indices ≥ protocol.classNames.length.
   */
  readonly allowAddedClasses?: boolean;
}

/**
 * Validate an untrusted mapping document (parsed JSON) and resolve it to cluster → class indices.
 * `source` names the file in error messages. When `protocol` is given the document must use exactly its
 * classes; when `clusterCount` is given it must have that many clusters.
 */
export function parseMappingDocument(
  json: unknown,
  source: string,
  expect: MappingExpectation = {},
): { document: MappingDocument; mapping: Int32Array } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new StudioError('invalid_input', `${source}: a mapping file must be a JSON object`);
  }
  const version = (json as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version === 'number' && version > MAPPING_SCHEMA_VERSION) {
    throw new StudioError(
      'schema_too_new',
      `${source}: mapping schemaVersion ${version} was written by a newer studio (this one reads ${MAPPING_SCHEMA_VERSION})`,
    );
  }
  const parsed = mappingDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new StudioError('invalid_input', `${source}: invalid mapping file at ${where}: ${issue.message}`, {
      file: source,
      path: issue.path.map(String),
    });
  }
  const document = parsed.data;
  const classNames = document.classNames;
  if (new Set(classNames).size !== classNames.length) {
    throw new StudioError('invalid_input', `${source}: classNames contains a duplicate name`);
  }
  if (expect.protocol) {
    const want = expect.protocol;
    const same = want.classNames.length === classNames.length && want.classNames.every((n, i) => n === classNames[i]);
    // A mapping session's custom protocol keeps the base's classes in order and appends its own.
    const extension =
      expect.allowAddedClasses === true && classNames.length > want.classNames.length && want.classNames.every((n, i) => n === classNames[i]);
    if ((document.protocol !== want.id || !same) && !extension) {
      throw new StudioError(
        'invalid_input',
        `${source}: mapping is for protocol '${document.protocol}' (${classNames.length} classes), expected '${want.id}' (${want.classNames.length} classes)`,
      );
    }
  }
  if (expect.clusterCount !== undefined && document.clusters.length !== expect.clusterCount) {
    throw new StudioError(
      'invalid_input',
      `${source}: mapping has ${document.clusters.length} clusters, the experiment has ${expect.clusterCount}`,
    );
  }
  const index = new Map(classNames.map((n, i) => [n, i]));
  const mapping = new Int32Array(document.clusters.length);
  for (let k = 0; k < document.clusters.length; k++) {
    const name = document.clusters[k]!;
    if (name === IGNORE) {
      mapping[k] = UNMAPPED;
      continue;
    }
    const t = index.get(name);
    if (t === undefined) {
      throw new StudioError('invalid_input', `${source}: cluster ${k} maps to '${name}', which is not a class of '${document.protocol}' (nor 'ignore')`);
    }
    mapping[k] = t;
  }
  return { document, mapping };
}

/** Parse mapping JSON text (file contents), with a clear error for malformed JSON. */
export function parseMappingJson(
  text: string,
  source: string,
  expect: MappingExpectation = {},
): { document: MappingDocument; mapping: Int32Array } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StudioError('invalid_input', `${source}: not valid JSON (${(e as Error).message})`);
  }
  return parseMappingDocument(json, source, expect);
}
