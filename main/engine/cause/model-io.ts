// Trained models on disk (workspace/experiments/<id>/model.bin) and checkpoints of the trainer state.
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { writeFileAtomic } from '../workspace.js';
import type { HeadSpec } from './heads.js';
import type { ParamInit } from './params.js';
import { decodeTensorFile, encodeTensorFile, type TensorArray } from './tensor-file.js';
import type { CauseModel, TrainerState } from './trainer.js';

/** k-means baseline: K centroids (unit length) in backbone feature space. */
export interface KmeansModel {
  readonly method: 'kmeans';
  readonly grid: { readonly h: number; readonly w: number };
  readonly dim: number;
  readonly centroids: Float32Array;
  readonly clusters: number;
}

export type TrainedModel = CauseModel | KmeansModel;

type Arrays = Map<string, { shape: number[]; values: TensorArray }>;

function putParams(out: Arrays, prefix: string, params: ReadonlyMap<string, ParamInit>): void {
  for (const [k, v] of params) out.set(`${prefix}${k}`, { shape: v.shape, values: v.values });
}

function takeParams(arrays: Arrays, prefix: string): Map<string, ParamInit> {
  const out = new Map<string, ParamInit>();
  for (const [k, v] of arrays) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), { shape: v.shape, values: v.values as Float32Array });
  return out;
}

function readBytes(file: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not_found' : 'io_error', `${file}: cannot read ${what} (${code ?? String(e)})`, { file });
  }
}

export function saveModel(file: string, model: TrainedModel): void {
  const arrays: Arrays = new Map();
  if (model.method === 'kmeans') {
    arrays.set('centroids', { shape: [model.clusters, model.dim], values: model.centroids });
    writeFileAtomic(file, encodeTensorFile({ kind: 'model', method: 'kmeans', grid: model.grid, dim: model.dim, clusters: model.clusters }, arrays));
    return;
  }
  const k = model.clusterbook.length / model.spec.dim;
  arrays.set('clusterbook', { shape: [k, model.spec.dim], values: model.clusterbook });
  arrays.set('centroids', { shape: [model.centroids.length / model.spec.headDim, model.spec.headDim], values: model.centroids });
  putParams(arrays, 'teacher/', model.teacher);
  writeFileAtomic(file, encodeTensorFile({ kind: 'model', method: model.method, grid: model.grid, spec: model.spec }, arrays));
}

export function loadModel(file: string): TrainedModel {
  const { meta, arrays } = decodeTensorFile(readBytes(file, 'trained model'), file);
  const m = meta as { kind?: string; method?: string; grid: { h: number; w: number }; spec?: HeadSpec; dim?: number; clusters?: number };
  if (m.kind !== 'model') throw new StudioError('invalid_input', `${file}: not a trained model file`, { file });
  const get = (name: string) => {
    const a = arrays.get(name);
    if (!a) throw new StudioError('invalid_input', `${file}: model has no ${name}`, { file });
    return a.values as Float32Array;
  };
  if (m.method === 'kmeans') {
    return { method: 'kmeans', grid: m.grid, dim: m.dim!, clusters: m.clusters!, centroids: get('centroids') };
  }
  if (m.method !== 'cause-mlp' && m.method !== 'cause-tr') throw new StudioError('invalid_input', `${file}: unknown model method ${String(m.method)}`);
  return {
    method: m.method,
    spec: m.spec!,
    grid: m.grid,
    clusterbook: get('clusterbook'),
    centroids: get('centroids'),
    teacher: takeParams(arrays, 'teacher/'),
  };
}

export function encodeTrainerState(s: TrainerState): Uint8Array {
  const arrays: Arrays = new Map();
  arrays.set('clusterbook', s.clusterbook);
  if (s.probe) arrays.set('probe', s.probe);
  if (s.student) putParams(arrays, 'student/', s.student);
  if (s.teacher) putParams(arrays, 'teacher/', s.teacher);
  if (s.adam) {
    putParams(arrays, 'adam.m/', s.adam.m);
    putParams(arrays, 'adam.v/', s.adam.v);
  }
  if (s.bank) {
    arrays.set('bank.ids', { shape: [s.bank.ids.length], values: s.bank.ids });
    arrays.set('bank.rows', { shape: [s.bank.rows.length], values: s.bank.rows });
  }
  const meta = {
    kind: 'trainer-state',
    stage: s.stage,
    stageStep: s.stageStep,
    globalStep: s.globalStep,
    rng: s.rng,
    adamT: s.adam?.t ?? null,
    counters: s.counters,
  };
  return encodeTensorFile(meta, arrays);
}

export function decodeTrainerState(bytes: Uint8Array, file: string): TrainerState {
  const { meta, arrays } = decodeTensorFile(bytes, file);
  const m = meta as { kind?: string; stage: number; stageStep: number; globalStep: number; rng: [number, number, number, number]; adamT: number | null; counters: Record<string, number> };
  if (m.kind !== 'trainer-state') throw new StudioError('invalid_input', `${file}: not a training checkpoint`, { file });
  const f = (name: string) => arrays.get(name) as { shape: number[]; values: Float32Array } | undefined;
  const student = takeParams(arrays, 'student/');
  const teacher = takeParams(arrays, 'teacher/');
  const ids = arrays.get('bank.ids');
  const rows = f('bank.rows');
  return {
    stage: m.stage,
    stageStep: m.stageStep,
    globalStep: m.globalStep,
    rng: m.rng,
    clusterbook: f('clusterbook')!,
    probe: f('probe') ?? null,
    student: student.size ? student : null,
    teacher: teacher.size ? teacher : null,
    adam: m.adamT !== null ? { t: m.adamT, m: takeParams(arrays, 'adam.m/'), v: takeParams(arrays, 'adam.v/') } : null,
    bank: ids && rows ? { ids: ids.values as Int32Array, rows: rows.values } : null,
    counters: m.counters,
  };
}

export function readTrainerState(file: string): TrainerState {
  return decodeTrainerState(readBytes(file, 'training checkpoint'), file);
}
