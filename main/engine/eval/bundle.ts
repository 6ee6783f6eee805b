// Experiment bundles: one tar archive with everything needed to reproduce an experiment's predictions on
// another machine — the versioned training config, the trained weights (clusterbook, head, probe or
// k-means centroids: model.bin), the newest mapping, the metrics (training curves, evaluation scores,
// label-free signals) and a manifest with a SHA-256 per file. Import checks every hash and that the
// target dataset has features from the same backbone build, then registers a trained experiment whose
// predictions (`experiments.predict`) are those of the original.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { StudioError } from '../../../shared/contract/errors.js';
import { parseTrainConfig } from '../../../shared/contract/experiments.js';
import { getBuiltinProtocol, parseCustomProtocol, type LabelProtocol } from '../../../shared/protocols/index.js';
import { findDatasetRow, getProtocolRow, upsertProtocolRow } from '../db/queries/datasets.js';
import { listScores } from '../db/queries/evaluation.js';
import { getExperimentRow, insertExperiment, insertMetrics, markTrained, metricSeries } from '../db/queries/experiments.js';
import { getFeatureSet, listFeatureSets, type FeatureSetRow } from '../db/queries/features.js';
import { ENGINE_VERSION } from '../version.js';
import { removeStaleTemps, writeFileAtomic, type Workspace } from '../workspace.js';
import { getMapping, listHistograms, listLabelFreeReports, listMappings, saveMapping } from './service.js';
import { readTar, writeTar, type TarEntry } from './tar.js';
import { decodeTensorFile } from '../cause/tensor-file.js';
import { parseMappingDocument } from '../../../shared/metrics/mapping-file.js';

export const BUNDLE_SCHEMA_VERSION = 1;
export const BUNDLE_KIND = 'cause-studio/bundle';

const manifestSchema = z
  .object({
    schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
    kind: z.literal(BUNDLE_KIND),
    engineVersion: z.string(),
    experiment: z
      .object({
        id: z.string(),
        name: z.string(),
        method: z.string(),
        clusters: z.number().int().min(2),
        backbone: z.string(),
        backboneKey: z.string(),
        grid: z.object({ h: z.number().int(), w: z.number().int(), dim: z.number().int() }).strict(),
        datasetName: z.string(),
        finishedAt: z.string().nullable(),
        summary: z.record(z.string(), z.unknown()).nullable(),
      })
      .strict(),
    files: z.array(z.object({ name: z.string(), bytes: z.number().int().min(0), sha256: z.string().length(64) }).strict()),
  })
  .strict();
export type BundleManifest = z.infer<typeof manifestSchema>;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');

export function exportBundle(db: Database, ws: Workspace, experimentId: string, out: string, force: boolean): { path: string; bytes: number; files: string[] } {
  const e = getExperimentRow(db, experimentId);
  if (!e) throw new StudioError('not_found', `experiment '${experimentId}' does not exist in this workspace`);
  if (e.status !== 'trained' || !e.model_file) throw new StudioError('conflict', `experiment '${experimentId}' has not finished training; nothing to bundle yet`);
  const fsRow = getFeatureSet(db, e.feature_set_id);
  if (!fsRow) throw new StudioError('not_found', `feature set '${e.feature_set_id}' of experiment '${experimentId}' is gone`);
  const dataset = findDatasetRow(db, e.dataset_id);
  const abs = path.resolve(out);
  // A write to the same file that a killed engine never renamed.
  removeStaleTemps(path.dirname(abs), { prefix: `${path.basename(abs)}.tmp-` });
  if (!force && fs.existsSync(abs)) throw new StudioError('conflict', `${abs}: file exists (use force to overwrite)`);
  let model: Uint8Array;
  try {
    model = fs.readFileSync(path.resolve(ws.root, e.model_file));
  } catch (err) {
    throw new StudioError('io_error', `${path.resolve(ws.root, e.model_file)}: cannot read the trained model (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const newest = listMappings(db, experimentId)[0];
  const evaluations = listHistograms(db, experimentId).map((h) => ({ histogram: h, scores: listScores(db, h.id) }));
  const entries: TarEntry[] = [
    { name: 'config.json', data: json(JSON.parse(e.config) as unknown) },
    { name: 'model.bin', data: model },
    ...(newest ? [{ name: 'mapping.json', data: json(getMapping(db, newest.id).document) }] : []),
    // A mapping onto a custom protocol (imported, or grown by a mapping session) travels with it.
    ...(newest && !getBuiltinProtocol(newest.protocolId) ? [{ name: 'protocol.json', data: protocolDefinition(db, newest.protocolId) }] : []),
    {
      name: 'metrics.json',
      data: json({ training: metricSeries(db, experimentId), evaluations, labelFree: listLabelFreeReports(db, experimentId) }),
    },
  ];
  const manifest: BundleManifest = {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    kind: BUNDLE_KIND,
    engineVersion: ENGINE_VERSION,
    experiment: {
      id: e.id,
      name: e.name,
      method: e.method,
      clusters: e.clusters,
      backbone: e.backbone,
      backboneKey: fsRow.backbone_key,
      grid: { h: fsRow.grid_h, w: fsRow.grid_w, dim: fsRow.dim },
      datasetName: dataset?.name ?? e.dataset_id,
      finishedAt: e.finished_at,
      summary: e.summary ? (JSON.parse(e.summary) as Record<string, unknown>) : null,
    },
    files: entries.map((x) => ({ name: x.name, bytes: x.data.length, sha256: sha256(x.data) })),
  };
  const tar = writeTar([{ name: 'manifest.json', data: json(manifest) }, ...entries]);
  try {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    writeFileAtomic(abs, tar);
  } catch (err) {
    throw new StudioError('io_error', `${abs}: cannot write the bundle (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { path: abs, bytes: tar.length, files: ['manifest.json', ...entries.map((x) => x.name)] };
}

/** Bundles hold a config, small trained weights and metrics; anything larger is not one (and is not read into memory). */
export const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;

export function readBundle(file: string): { manifest: BundleManifest; files: Map<string, Uint8Array> } {
  const abs = path.resolve(file);
  let bytes: Uint8Array;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new StudioError('invalid_input', `${abs}: not a file (a bundle is one .tar file)`);
    if (st.size > MAX_BUNDLE_BYTES) throw new StudioError('invalid_input', `${abs}: ${st.size} bytes is larger than any experiment bundle (limit ${MAX_BUNDLE_BYTES})`);
    bytes = fs.readFileSync(abs);
  } catch (err) {
    if (err instanceof StudioError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not_found' : 'io_error', `${abs}: cannot read bundle (${code ?? String(err)})`);
  }
  const files = new Map(readTar(bytes, abs).map((x) => [x.name, x.data]));
  const m = files.get('manifest.json');
  if (!m) throw new StudioError('invalid_input', `${abs}: not an experiment bundle (no manifest.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(m));
  } catch {
    throw new StudioError('invalid_input', `${abs}: manifest.json is not valid JSON`);
  }
  const v = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (typeof v === 'number' && v > BUNDLE_SCHEMA_VERSION) {
    throw new StudioError('schema_too_new', `${abs}: bundle schemaVersion ${v} was written by a newer studio (this one reads ${BUNDLE_SCHEMA_VERSION})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new StudioError('invalid_input', `${abs}: invalid manifest at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  for (const f of parsed.data.files) {
    const data = files.get(f.name);
    if (!data) throw new StudioError('invalid_input', `${abs}: ${f.name} is listed in the manifest but missing`);
    if (data.length !== f.bytes || sha256(data) !== f.sha256) throw new StudioError('invalid_input', `${abs}: ${f.name} does not match its SHA-256 in the manifest (corrupt or edited)`);
  }
  for (const need of ['config.json', 'model.bin']) {
    if (!parsed.data.files.some((f) => f.name === need)) throw new StudioError('invalid_input', `${abs}: bundle has no ${need}`);
  }
  return { manifest: parsed.data, files };
}

/**
 * Registers the bundled experiment on `datasetId` (default: a dataset with the bundle's dataset name),
 * whose features must come from the same backbone build. Returns the new experiment's id.
 */
export function importBundle(
  db: Database,
  ws: Workspace,
  file: string,
  options: { datasetId?: string; name?: string } = {},
): { experimentId: string; mappingId: string | null; datasetId: string; featureSetId: string } {
  const abs = path.resolve(file);
  const { manifest, files } = readBundle(abs);
  const dsSpec = options.datasetId ?? manifest.experiment.datasetName;
  const ds = findDatasetRow(db, dsSpec);
  if (!ds) throw new StudioError('not_found', `dataset '${dsSpec}' is not in this workspace; import it first or pass the dataset to use`);
  const candidates = listFeatureSets(db, ds.id).filter((r) => r.backbone_key === manifest.experiment.backboneKey);
  const fsRow: FeatureSetRow | undefined = candidates.sort((a, b) => b.updated_at.localeCompare(a.updated_at))[0];
  if (!fsRow) {
    throw new StudioError(
      'not_found',
      `dataset '${ds.name}' has no features from backbone '${manifest.experiment.backbone}' (${manifest.experiment.backboneKey.slice(0, 16)}…); extract them first so predictions match the original`,
    );
  }
  const g = manifest.experiment.grid;
  if (fsRow.dim !== g.dim || (manifest.experiment.method === 'cause-tr' && (fsRow.grid_h !== g.h || fsRow.grid_w !== g.w))) {
    throw new StudioError('invalid_input', `${abs}: the model expects ${g.h}×${g.w}×${g.dim} features, dataset '${ds.name}' has ${fsRow.grid_h}×${fsRow.grid_w}×${fsRow.dim}`);
  }
  // Everything is read and checked before anything is written: a bad bundle leaves no trace.
  const config = (() => {
    try {
      return parseTrainConfig(parseJson(abs, 'config.json', files.get('config.json')!), `${abs}: config.json`);
    } catch (err) {
      throw new StudioError('invalid_input', (err as Error).message);
    }
  })();
  const me = manifest.experiment;
  if (me.method !== config.method || me.clusters !== config.clusters) {
    throw new StudioError(
      'invalid_input',
      `${abs}: manifest.json describes a ${me.method} run with ${me.clusters} clusters but config.json a ${config.method} run with ${config.clusters}: they come from different experiments`,
    );
  }
  checkModelFile(abs, files.get('model.bin')!, config.method, config.clusters);
  const points = metricPoints(abs, files.get('metrics.json'));
  const mappingBytes = files.get('mapping.json');
  const mapping = mappingBytes ? parseJson(abs, 'mapping.json', mappingBytes) : null;
  const mappingDoc = mapping !== null ? parseMappingDocument(mapping, `${abs}: mapping.json`, { clusterCount: config.clusters }).document : null;
  const protocol = mappingDoc ? bundledProtocol(db, abs, mappingDoc.protocol, mappingDoc.classNames, files.get('protocol.json')) : null;

  const id = randomUUID();
  const modelRel = path.join('experiments', id, 'model.bin');
  const modelDir = path.dirname(path.resolve(ws.root, modelRel));
  fs.mkdirSync(modelDir, { recursive: true });
  let mappingId: string | null = null;
  try {
    writeFileAtomic(path.resolve(ws.root, modelRel), files.get('model.bin')!);
    db.transaction(() => {
      insertExperiment(db, { id, name: options.name ?? `${me.name} (imported)`, datasetId: ds.id, featureSetId: fsRow.id, backbone: fsRow.backbone, config });
      markTrained(db, id, modelRel, { ...(me.summary ?? {}), importedFrom: me.id, bundle: path.basename(abs) });
      if (points.length > 0) insertMetrics(db, id, points);
      if (protocol) upsertProtocolRow(db, { id: protocol.protocol.id, name: protocol.protocol.name, definition: protocol.definition, sourcePath: null });
      if (mapping !== null) mappingId = saveMapping(db, id, mapping, `${abs}: mapping.json`, { expectClusters: config.clusters }).id;
    })();
  } catch (err) {
    fs.rmSync(modelDir, { recursive: true, force: true });
    throw err;
  }
  return { experimentId: id, mappingId, datasetId: ds.id, featureSetId: fsRow.id };
}

function protocolDefinition(db: Database, id: string): Uint8Array {
  const row = getProtocolRow(db, id);
  if (!row) throw new StudioError('not_found', `the newest mapping uses label protocol '${id}', which this workspace no longer has`);
  return json(JSON.parse(row.definition) as unknown);
}

/**
 * The custom protocol a bundled mapping needs, to store on import (null when it is built in or already
 * here with the same classes). Refused when the bundle lacks it and the workspace does not have it, or
 * when the workspace has another protocol under the same id.
 */
function bundledProtocol(
  db: Database,
  abs: string,
  id: string,
  classNames: readonly string[],
  bytes: Uint8Array | undefined,
): { protocol: LabelProtocol; definition: unknown } | null {
  if (getBuiltinProtocol(id)) return null;
  const row = getProtocolRow(db, id);
  const sameClasses = (names: readonly string[]) => names.length === classNames.length && names.every((n, i) => n === classNames[i]);
  if (!bytes) {
    if (row) return null;
    throw new StudioError('invalid_input', `${abs}: mapping.json uses label protocol '${id}', which neither the bundle (no protocol.json) nor this workspace has`);
  }
  const definition = parseJson(abs, 'protocol.json', bytes);
  let protocol: LabelProtocol;
  try {
    protocol = parseCustomProtocol(definition, `${abs}: protocol.json`);
  } catch (err) {
    throw new StudioError('invalid_input', (err as Error).message);
  }
  if (protocol.id !== id || !sameClasses(protocol.classNames)) {
    throw new StudioError('invalid_input', `${abs}: protocol.json is '${protocol.id}' (${protocol.classNames.length} classes), mapping.json needs '${id}' (${classNames.length} classes)`);
  }
  if (row) {
    const here = parseCustomProtocol(JSON.parse(row.definition), `protocol '${id}'`);
    if (!sameClasses(here.classNames)) {
      throw new StudioError('conflict', `${abs}: this workspace has another label protocol named '${id}' (${here.classNames.length} classes); rename one of them`);
    }
    return null;
  }
  return { protocol, definition };
}

function parseJson(abs: string, name: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (err) {
    throw new StudioError('invalid_input', `${abs}: ${name} is not valid JSON (${(err as Error).message})`);
  }
}

const metricsSchema = z
  .object({ training: z.array(z.object({ name: z.string(), steps: z.array(z.number()), values: z.array(z.number().nullable()) })).optional() })
  .passthrough();

function metricPoints(abs: string, bytes: Uint8Array | undefined): { name: string; step: number; value: number }[] {
  if (!bytes) return [];
  const parsed = metricsSchema.safeParse(parseJson(abs, 'metrics.json', bytes));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new StudioError('invalid_input', `${abs}: metrics.json is invalid at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return (parsed.data.training ?? []).flatMap((s) =>
    s.steps.flatMap((step, i) => (typeof s.values[i] === 'number' ? [{ name: s.name, step, value: s.values[i] }] : [])),
  );
}

/** The weights must be a trained model of the method and size the config names (hashes only prove they were not edited). */
function checkModelFile(abs: string, bytes: Uint8Array, method: string, clusters: number): void {
  let meta: { kind?: unknown; method?: unknown; clusters?: unknown };
  try {
    meta = decodeTensorFile(bytes, `${abs}: model.bin`).meta as typeof meta;
  } catch (err) {
    throw new StudioError('invalid_input', (err as Error).message);
  }
  if (meta.kind !== 'model' || meta.method !== method || (method === 'kmeans' && meta.clusters !== clusters)) {
    throw new StudioError('invalid_input', `${abs}: model.bin is not the trained ${method} model config.json describes`);
  }
}
