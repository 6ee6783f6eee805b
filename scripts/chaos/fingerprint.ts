// What "the same result" means for the chaos run: a map from a logical output name (ids replaced by the
// names the workload gave datasets and experiments, so two workspaces compare) to a SHA-256 of its
// content. Files are compared byte for byte, except where bytes legitimately differ between two
// uninterrupted runs: a video is compared by its decoded frames, a bundle by its entries (its manifest
// without the experiment's id and finish time), a feature set by its items and shard hashes (its
// manifest carries a creation time), a study by its scores (its cells carry ids and seconds).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readTar } from '../../main/engine/eval/tar.js';
import type { StudioClient } from './served-engine.js';
import { outDir, workspaceDir } from './workload.js';

export type Fingerprint = Record<string, string>;

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Names of datasets, experiments and feature sets, and the evaluation histograms, read from the engine. */
export interface EngineFacts {
  readonly names: Record<string, string>;
  readonly histograms: Record<string, string>;
}

export async function engineFacts(client: StudioClient): Promise<EngineFacts> {
  const names: Record<string, string> = {};
  const datasets = await client.call<{ id: string; name: string }[]>('datasets.list', {});
  for (const d of datasets) names[d.id] = `ds:${d.name}`;
  const experiments = await client.call<{ id: string; name: string }[]>('experiments.list', {});
  for (const e of experiments) names[e.id] = `exp:${e.name}`;
  for (const d of datasets) {
    for (const f of await client.call<{ id: string; backbone: string }[]>('features.list', { datasetId: d.id })) names[f.id] = `fs:${d.name}:${f.backbone}`;
  }
  // Jobs by kind and order of creation (the workload submits them one after another).
  const jobs = (await client.call<{ id: string; kind: string; createdAt: string }[]>('jobs.list', { limit: 1000 })).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const perKind: Record<string, number> = {};
  for (const j of jobs) names[j.id] = `job:${j.kind}#${(perKind[j.kind] = (perKind[j.kind] ?? 0) + 1)}`;
  const histograms: Record<string, string> = {};
  for (const h of await client.call<{ id: string; experimentId: string; datasetId: string; protocolId: string; geometry: string }[]>('eval.histograms', {})) {
    const data = await client.call<{ histogram: number[]; clusters: number; classes: number }>('eval.histogram', { id: h.id });
    histograms[`eval/${names[h.experimentId]}/${names[h.datasetId]}/${h.protocolId}/${h.geometry}`] = sha(JSON.stringify([data.clusters, data.classes, data.histogram]));
  }
  return { names, histograms };
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

function rename(text: string, names: Record<string, string>): string {
  let s = text;
  for (const [id, name] of Object.entries(names)) s = s.split(id).join(name);
  return s;
}

/** Decoded RGB frames of a video, so encoder metadata does not count. */
function videoFrames(file: string): string {
  return sha(execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 }));
}

/** Fields that name a run's own rows or moments rather than its results. */
const VOLATILE = new Set(['id', 'experimentId', 'datasetId', 'predictionKey', 'createdAt', 'finishedAt', 'seconds']);

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => (x as { name?: unknown } | null)?.name !== 'stepMs').map(stable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, stable(x)]));
  return v;
}

function bundleEntries(file: string, out: Fingerprint, key: string): void {
  for (const e of readTar(fs.readFileSync(file), file)) {
    const text = () => JSON.parse(Buffer.from(e.data).toString('utf8')) as unknown;
    if (e.name === 'manifest.json') {
      // Its per-file hashes cover metrics.json, whose timings differ: the entries are compared below.
      const m = text() as { experiment: unknown; files: { name: string; bytes: number }[] };
      out[`${key}/manifest`] = sha(JSON.stringify({ experiment: stable(m.experiment), files: m.files.map((f) => f.name) }));
    } else if (e.name === 'metrics.json') out[`${key}/${e.name}`] = sha(JSON.stringify(stable(text())));
    else out[`${key}/${e.name}`] = sha(e.data);
  }
}

export function fingerprint(home: string, facts: EngineFacts): Fingerprint {
  const out: Fingerprint = { ...facts.histograms };
  const o = outDir(home);
  const ws = workspaceDir(home);
  for (const f of walk(o)) {
    const file = path.join(o, f);
    if (f === 'clip.mp4') continue; // the input
    if (f.endsWith('.mp4')) out[`out/${f}#frames`] = videoFrames(file);
    else if (f.endsWith('.bundle')) bundleEntries(file, out, `out/${f}`);
    else if (f.endsWith('.json')) out[`out/${f}`] = sha(rename(fs.readFileSync(file, 'utf8'), facts.names));
    else out[`out/${f}`] = sha(fs.readFileSync(file));
  }
  for (const f of walk(path.join(ws, 'datasets'))) out[rename(`datasets/${f}`, facts.names)] = sha(fs.readFileSync(path.join(ws, 'datasets', f)));
  for (const f of walk(path.join(ws, 'experiments'))) out[rename(`experiments/${f}`, facts.names)] = sha(fs.readFileSync(path.join(ws, 'experiments', f)));
  // A store model's folder is named by its hash, and its metadata names the job and datasets it came from.
  const models = walk(path.join(ws, 'models')).map((f) => `${path.basename(f)}:${sha(rename(fs.readFileSync(path.join(ws, 'models', f), 'latin1'), facts.names))}`);
  out.models = sha(models.sort().join('\n'));
  for (const f of walk(path.join(ws, 'features', 'sets'))) {
    if (!f.endsWith('manifest.json')) continue;
    const m = JSON.parse(fs.readFileSync(path.join(ws, 'features', 'sets', f), 'utf8')) as {
      id: string;
      grid: unknown;
      dim: number;
      shards: { file: string; sha256: string }[];
      items: { frameId: string; contentHash: string; crop: number; shard: number; slot: number }[];
    };
    const key = rename(m.id, facts.names);
    // The bytes on disk, not only what the manifest claims about them.
    const shards = m.shards.map((s) => sha(fs.readFileSync(path.join(ws, s.file))));
    out[`features/${key}`] = sha(JSON.stringify({ grid: m.grid, dim: m.dim, shards, items: m.items.map((i) => ({ ...i, frameId: rename(i.frameId, facts.names) })) }));
  }
  const cells = path.join(ws, 'studies', 'chaos', 'cells.json');
  if (fs.existsSync(cells)) {
    const c = (JSON.parse(fs.readFileSync(cells, 'utf8')) as { cells: { variant: string; seed: number; miouPresent: unknown; miou: unknown; pixelAccuracy: unknown; clustersUsed: unknown; deadClusters: unknown }[] }).cells;
    out['studies/chaos'] = sha(JSON.stringify(c.map((x) => [x.variant, x.seed, x.miouPresent, x.miou, x.pixelAccuracy, x.clustersUsed, x.deadClusters])));
  }
  return out;
}

/** Keys whose hashes differ, or that exist on one side only. */
export function differences(reference: Fingerprint, run: Fingerprint): string[] {
  const keys = new Set([...Object.keys(reference), ...Object.keys(run)]);
  return [...keys].filter((k) => reference[k] !== run[k]).sort();
}
