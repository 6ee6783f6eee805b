// Evaluation operations on stored data (no pixels): load a histogram, resolve a mapping, score, and
// save mappings as versions. Shared by the handlers and the CLI so both give the same numbers.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type {
  EvalFrameHistogram,
  EvalHistogramData,
  EvalHistogramSummary,
  EvalReport,
  LabelFreeReport,
  MappingDetail,
  MappingSummary,
} from '../../../shared/contract/evaluation.js';
import { hungarianMapping, majorityMapping } from '../../../shared/metrics/confusion.js';
import {
  mappingToDocument,
  parseMappingDocument,
  parseMappingJson,
  type MappingDocument,
  type MappingMethod,
} from '../../../shared/metrics/mapping-file.js';
import { buildEvalReport } from '../../../shared/metrics/report.js';
import {
  getHistogramRow,
  getMappingRow,
  insertMapping,
  listFrameHistograms,
  listHistogramMeta,
  listLabelFree,
  listMappingRows,
  upsertScore,
  type HistogramMeta,
  type MappingRow,
} from '../db/queries/evaluation.js';
import { writeFileAtomic } from '../workspace.js';
import { decodeDense, decodeSparse } from './histogram.js';
import { trainingFramesScored } from './training-overlap.js';

export interface LoadedHistogram {
  readonly meta: HistogramMeta;
  readonly classNames: readonly string[];
  readonly categories: readonly string[];
  readonly K: number;
  readonly C: number;
  readonly histogram: Float64Array;
}

function protocolInfo(meta: HistogramMeta): { classNames: string[]; categories: string[] } {
  const p = JSON.parse(meta.protocol) as { classNames: string[]; categories: string[] };
  return { classNames: p.classNames, categories: p.categories };
}

export function toHistogramSummary(meta: HistogramMeta): EvalHistogramSummary {
  const p = protocolInfo(meta);
  return {
    id: meta.id,
    experimentId: meta.experiment_id,
    datasetId: meta.dataset_id,
    split: meta.split,
    protocolId: meta.protocol_id,
    classNames: p.classNames,
    categories: p.categories,
    geometry: meta.geometry,
    predictionKey: meta.prediction_key,
    clusters: meta.clusters,
    classes: meta.classes,
    frameCount: meta.frame_count,
    pixelCount: meta.pixel_count,
    createdAt: meta.created_at,
  };
}

export function loadHistogram(db: Database, id: string): LoadedHistogram {
  const row = getHistogramRow(db, id);
  if (!row) throw new StudioError('not_found', `evaluation histogram '${id}' does not exist in this workspace`);
  const { histogram: blob, ...meta } = row;
  const p = protocolInfo(meta);
  const bytes = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  return {
    meta,
    classNames: p.classNames,
    categories: p.categories,
    K: meta.clusters,
    C: meta.classes,
    histogram: decodeDense(bytes, meta.clusters * meta.classes),
  };
}

export function listHistograms(db: Database, experimentId?: string): EvalHistogramSummary[] {
  return listHistogramMeta(db, experimentId).map(toHistogramSummary);
}

export function loadFrameHistograms(
  db: Database,
  h: LoadedHistogram,
): { frameId: string; name: string; sequenceId: string; pixels: number; cells: Uint32Array; counts: Float64Array }[] {
  return listFrameHistograms(db, h.meta.id).map((r) => {
    const s = decodeSparse(new Uint8Array(r.cells.buffer, r.cells.byteOffset, r.cells.byteLength));
    return { frameId: r.frame_id, name: r.name ?? r.frame_id, sequenceId: r.sequence_id ?? '', pixels: r.pixels, cells: s.cells, counts: s.counts };
  });
}

/** With the workspace root the data also carries `trainingFramesScored` (read-only: no score row is written). */
export function histogramData(db: Database, id: string, withFrames: boolean, workspaceRoot?: string): EvalHistogramData {
  const h = loadHistogram(db, id);
  const overlap = workspaceRoot === undefined ? undefined : trainingFramesScored(db, workspaceRoot, id, h.meta.experiment_id, h.meta.dataset_id);
  const base = { ...toHistogramSummary(h.meta), histogram: Array.from(h.histogram), ...(overlap === undefined ? {} : { trainingFramesScored: overlap }) };
  if (!withFrames) return base;
  const frames: EvalFrameHistogram[] = listFrameHistograms(db, id).map((r) => {
    const s = decodeSparse(new Uint8Array(r.cells.buffer, r.cells.byteOffset, r.cells.byteLength));
    return { frameId: r.frame_id, name: r.name ?? r.frame_id, sequenceId: r.sequence_id ?? '', pixels: r.pixels, cells: Array.from(s.cells), counts: Array.from(s.counts) };
  });
  return { ...base, frames };
}

export interface ResolvedMapping {
  readonly mapping: Int32Array;
  readonly id: string | null;
  readonly method: MappingMethod;
  readonly name: string;
}

/**
 * A mapping onto a custom protocol (the histogram's classes + classes a mapping session added) is scored
 * against the base protocol's ground truth: no label carries an added class, so its clusters' pixels are
 * unmatched (errors), as an ignored cluster's are. The name says which classes went unscored.
 */
function scoredOnBase(m: ResolvedMapping, classNames: readonly string[], C: number): ResolvedMapping {
  if (classNames.length <= C) return m;
  const mapping = Int32Array.from(m.mapping, (t) => (t >= C ? -1 : t));
  return { ...m, mapping, name: `${m.name}; added classes unscored (${classNames.slice(C).join(', ')})` };
}

/** 'hungarian' | 'majority' (computed from the histogram) | a stored mapping id | a mapping JSON file. */
export function resolveMapping(db: Database, h: LoadedHistogram, spec: string, cwd = process.cwd()): ResolvedMapping {
  if (spec === 'hungarian') return { mapping: hungarianMapping(h.histogram, h.K, h.C), id: null, method: 'hungarian', name: 'Hungarian (one-to-one)' };
  if (spec === 'majority') return { mapping: majorityMapping(h.histogram, h.K, h.C), id: null, method: 'majority', name: 'majority (many-to-one)' };
  const expect = { protocol: { id: h.meta.protocol_id, classNames: h.classNames }, clusterCount: h.K, allowAddedClasses: true };
  const row = getMappingRow(db, spec);
  if (row) {
    const { document, mapping } = parseMappingJson(row.document, `mapping ${row.id}`, expect);
    return scoredOnBase({ mapping, id: row.id, method: row.method, name: `${row.name} (v${row.version})` }, document.classNames, h.C);
  }
  if (spec.endsWith('.json') || spec.includes('/') || spec.includes(path.sep)) {
    const file = path.resolve(cwd, spec);
    const { document, mapping } = parseMappingJson(readText(file, 'mapping file'), file, expect);
    return scoredOnBase({ mapping, id: null, method: document.method, name: document.name }, document.classNames, h.C);
  }
  throw new StudioError('not_found', `mapping '${spec}' is neither 'hungarian', 'majority', a stored mapping id nor a .json file`);
}

/**
 * Scores a stored histogram. With the workspace root the report also says how many scored frames the
 * experiment trained on (`trainingFramesScored`), read from the feature-set manifests there.
 */
export function scoreStored(
  db: Database,
  histogramId: string,
  mappingSpec: string,
  worstFrames = 10,
  cwd = process.cwd(),
  workspaceRoot?: string,
): EvalReport {
  const h = loadHistogram(db, histogramId);
  const m = resolveMapping(db, h, mappingSpec, cwd);
  const frames = worstFrames > 0 ? loadFrameHistograms(db, h) : undefined;
  const scored = buildEvalReport({
    histogramId,
    experimentId: h.meta.experiment_id,
    datasetId: h.meta.dataset_id,
    protocolId: h.meta.protocol_id,
    geometry: h.meta.geometry,
    classNames: h.classNames,
    categories: h.categories,
    K: h.K,
    histogram: h.histogram,
    mapping: m.mapping,
    mappingId: m.id,
    mappingMethod: m.method,
    mappingName: m.name,
    ...(frames ? { frames } : {}),
    frameCount: h.meta.frame_count,
    worstFrames,
  });
  const overlap = workspaceRoot === undefined ? undefined : trainingFramesScored(db, workspaceRoot, histogramId, h.meta.experiment_id, h.meta.dataset_id);
  const report: EvalReport = overlap === undefined ? scored : { ...scored, trainingFramesScored: overlap };
  if (!db.readonly) {
    upsertScore(db, {
      histogramId,
      mappingKey: m.id ?? m.method,
      miou: report.miou,
      pixelAccuracy: report.pixelAccuracy,
      report: JSON.stringify(report),
      createdAt: new Date().toISOString(),
    });
  }
  return report;
}

function toMappingSummary(r: MappingRow): MappingSummary {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    version: r.version,
    name: r.name,
    method: r.method,
    protocolId: r.protocol_id,
    clusters: r.clusters,
    parentId: r.parent_id,
    histogramId: r.histogram_id,
    createdAt: r.created_at,
  };
}

function toMappingDetail(r: MappingRow): MappingDetail {
  const { document, mapping } = parseMappingJson(r.document, `mapping ${r.id}`);
  return { ...toMappingSummary(r), document, mapping: Array.from(mapping) };
}

export function listMappings(db: Database, experimentId: string): MappingSummary[] {
  return listMappingRows(db, experimentId).map(toMappingSummary);
}

export function getMapping(db: Database, id: string): MappingDetail {
  const r = getMappingRow(db, id);
  if (!r) throw new StudioError('not_found', `mapping '${id}' does not exist in this workspace`);
  return toMappingDetail(r);
}

/** Validates and stores a mapping document as the experiment's next version. */
export function saveMapping(
  db: Database,
  experimentId: string,
  json: unknown,
  source: string,
  options: { parentId?: string; histogramId?: string; expectClusters?: number } = {},
): MappingDetail {
  const expect: { clusterCount?: number; protocol?: { id: string; classNames: readonly string[] }; allowAddedClasses?: boolean } = {};
  if (options.expectClusters !== undefined) expect.clusterCount = options.expectClusters;
  if (options.histogramId) {
    const h = loadHistogram(db, options.histogramId);
    if (h.meta.experiment_id !== experimentId) {
      throw new StudioError('bad_request', `histogram ${options.histogramId} belongs to experiment ${h.meta.experiment_id}, not ${experimentId}`);
    }
    expect.clusterCount = h.K;
    expect.protocol = { id: h.meta.protocol_id, classNames: h.classNames };
    // The scored board may add classes (a custom protocol: these first, then its own); scoring counts
    // clusters on an added class as unmatched.
    expect.allowAddedClasses = true;
  }
  const { document } = parseMappingDocument(json, source, expect);
  // Importing another experiment's mapping is allowed (same K); the stored copy names where it lives now.
  if (options.parentId && !getMappingRow(db, options.parentId)) {
    throw new StudioError('not_found', `parent mapping '${options.parentId}' does not exist`);
  }
  const id = `map-${randomUUID().slice(0, 8)}`;
  const stored: MappingDocument = { ...document, experimentId, createdAt: new Date().toISOString() };
  db.transaction(() => {
    insertMapping(db, {
      id,
      experiment_id: experimentId,
      name: document.name,
      method: document.method,
      protocol_id: document.protocol,
      clusters: document.clusters.length,
      document: JSON.stringify(stored),
      parent_id: options.parentId ?? null,
      histogram_id: options.histogramId ?? null,
      created_at: stored.createdAt!,
    });
  })();
  return getMapping(db, id);
}

/** Computes a Hungarian or majority mapping from a stored histogram and stores it. */
export function proposeMapping(db: Database, histogramId: string, method: 'hungarian' | 'majority', name?: string): MappingDetail {
  const h = loadHistogram(db, histogramId);
  const mapping = method === 'hungarian' ? hungarianMapping(h.histogram, h.K, h.C) : majorityMapping(h.histogram, h.K, h.C);
  const doc = mappingToDocument(mapping, { id: h.meta.protocol_id, classNames: h.classNames }, {
    name: name ?? `${method} on ${h.meta.dataset_id} (${h.meta.geometry})`,
    method,
    experimentId: h.meta.experiment_id,
  });
  return saveMapping(db, h.meta.experiment_id, doc, `proposed ${method} mapping`, { histogramId });
}

export function importMappingFile(db: Database, experimentId: string, file: string, expectClusters?: number): MappingDetail {
  const abs = path.resolve(file);
  let json: unknown;
  try {
    json = JSON.parse(readText(abs, 'mapping file'));
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError('invalid_input', `${abs}: not valid JSON (${(e as Error).message})`);
  }
  return saveMapping(db, experimentId, json, abs, expectClusters !== undefined ? { expectClusters } : {});
}

export function exportMappingFile(db: Database, id: string, file: string, force = false): { path: string } {
  const m = getMapping(db, id);
  const abs = path.resolve(file);
  if (!force && fs.existsSync(abs)) throw new StudioError('conflict', `${abs}: file exists (use force to overwrite)`);
  try {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    writeFileAtomic(abs, JSON.stringify(m.document, null, 2) + '\n');
  } catch (e) {
    throw new StudioError('io_error', `${abs}: cannot write mapping (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return { path: abs };
}

export function listLabelFreeReports(db: Database, experimentId: string): LabelFreeReport[] {
  return listLabelFree(db, experimentId).map((r) => {
    // Per-frame presence is served by mappings.conceptStats, not with every report.
    const { presence: _presence, ...summary } = JSON.parse(r.summary) as Omit<LabelFreeReport, 'id' | 'experimentId' | 'datasetId' | 'split' | 'geometry' | 'createdAt'> & { presence?: unknown };
    return {
    ...summary,
    id: r.id,
    experimentId: r.experiment_id,
    datasetId: r.dataset_id,
    split: r.split,
    geometry: r.geometry,
    predictionKey: r.prediction_key,
    createdAt: r.created_at,
    };
  });
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not_found' : 'io_error', `${file}: cannot read ${what} (${code ?? String(e)})`, { file });
  }
}
