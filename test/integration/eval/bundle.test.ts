// Experiment bundle round trip: train a small k-means run on a SynthDrive set in workspace A, evaluate
// and map it, export a bundle; import the same data in a fresh workspace B, import the bundle, predict,
// and get identical cluster maps. A mapping onto a custom protocol (a class added in a mapping session)
// carries its protocol to the new workspace. A tampered bundle is refused with the file named.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFrames } from '../../../main/engine/datasets/frame-source.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { openPredictionSource } from '../../../main/engine/eval/predictions.js';
import { readTar, writeTar } from '../../../main/engine/eval/tar.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';

let tmp: ReturnType<typeof tempDir>;
let a: Engine | null = null;
let b: Engine | null = null;
let synth: string;

async function done(e: Engine, jobId: string): Promise<void> {
  const j = await e.call('jobs.wait', { id: jobId });
  expect(j.state, `${j.kind}: ${j.error ?? ''}`).toBe('succeeded');
}

async function importWithFeatures(e: Engine): Promise<string> {
  const r = await e.call('datasets.import', { path: synth, format: 'cityscapes', name: 'synth-bundle' });
  await done(e, r.jobId);
  await done(e, (await e.call('features.extract', { datasetId: r.datasetId, backbone: 'rgb' })).id);
  return r.datasetId;
}

async function clusterMaps(e: Engine, experimentId: string, datasetId: string): Promise<Map<string, number[]>> {
  const src = openPredictionSource(e.db, e.workspace.root, experimentId, datasetId);
  const out = new Map<string, number[]>();
  for (const f of listFrames(e.db, datasetId)) if (src.has(f)) out.set(f.name, Array.from((await src.readClusters(f)).data));
  return out;
}

beforeAll(async () => {
  tmp = tempDir('cs-bundle-int-');
  synth = path.join(tmp.dir, 'synth');
  await generateSynthDrive({ out: synth, sequences: 1, frames: 3, width: 128, height: 64, seed: 9, weather: 'clear', split: 'val' });
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  tmp?.cleanup();
});

describe('experiment bundles', () => {
  it('export → import on a fresh workspace reproduces identical predictions, mapping included', async () => {
    a = await createEngine({ workspace: path.join(tmp.dir, 'ws-a'), runJobs: true });
    const dsA = await importWithFeatures(a);
    const created = await a.call('experiments.create', { datasetId: dsA, backbone: 'rgb', method: 'kmeans', clusters: 6, preset: 'fast', seed: 3 });
    await done(a, created.jobId);
    await done(a, (await a.call('experiments.predict', { id: created.experimentId, datasetId: dsA })).jobId);
    const ev = await a.call('eval.run', { experimentId: created.experimentId, geometry: 'full' });
    if (ev.jobId) await done(a, ev.jobId);
    const hist = (await a.call('eval.histograms', { experimentId: created.experimentId }))[0]!;
    const mapping = await a.call('mappings.propose', { histogramId: hist.id, method: 'majority' });
    const file = path.join(tmp.dir, 'run.tar');
    const r = await a.call('bundles.export', { experimentId: created.experimentId, out: file });
    expect(r.files).toEqual(['manifest.json', 'config.json', 'model.bin', 'mapping.json', 'metrics.json']);
    expect((await a.call('exports.list', { experimentId: created.experimentId })).some((x) => x.kind === 'bundle' && x.path === file)).toBe(true);
    await expect(a.call('bundles.export', { experimentId: created.experimentId, out: file })).rejects.toThrow(/run\.tar: file exists/);
    const original = await clusterMaps(a, created.experimentId, dsA);
    expect(original.size).toBe(3);

    b = await createEngine({ workspace: path.join(tmp.dir, 'ws-b'), runJobs: true });
    const dsB = await importWithFeatures(b);
    const imp = await b.call('bundles.import', { path: file, datasetId: dsB });
    expect(imp.mappingId).not.toBeNull();
    expect((await b.call('mappings.get', { id: imp.mappingId! })).mapping).toEqual(mapping.mapping);
    const exp = await b.call('experiments.get', { id: imp.experimentId });
    expect(exp).toMatchObject({ status: 'trained', method: 'kmeans', clusters: 6 });
    await done(b, (await b.call('experiments.predict', { id: imp.experimentId, datasetId: dsB })).jobId);
    const reproduced = await clusterMaps(b, imp.experimentId, dsB);
    expect([...reproduced.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [name, ids] of original) expect(reproduced.get(name), name).toEqual(ids);
  }, 300_000);

  it('refuses a bundle whose weights were altered, naming the file', async () => {
    const file = path.join(tmp.dir, 'run.tar');
    const entries = readTar(fs.readFileSync(file), file).map((x) =>
      x.name === 'model.bin' ? { name: x.name, data: Uint8Array.from(x.data, (v, i) => (i === 100 ? v ^ 1 : v)) } : x,
    );
    const bad = path.join(tmp.dir, 'tampered.tar');
    fs.writeFileSync(bad, writeTar(entries));
    await expect(b!.call('bundles.import', { path: bad })).rejects.toThrow(/tampered\.tar: model\.bin does not match its SHA-256/);
    fs.writeFileSync(bad, 'not a tar archive at all'.repeat(40));
    await expect(b!.call('bundles.import', { path: bad })).rejects.toThrow(/tampered\.tar: not a bundle archive/);
  });

  it('carries the custom protocol of a mapping session (a class the protocol lacked) to a fresh workspace', async () => {
    const exp = (await a!.call('experiments.list', {}))[0]!;
    const edited = await a!.call('mappings.edit', { experimentId: exp.id, clusters: [1], className: 'bollard', newClass: { color: '#ff00aa' } });
    const file = path.join(tmp.dir, 'custom.tar');
    const r = await a!.call('bundles.export', { experimentId: exp.id, out: file });
    expect(r.files).toContain('protocol.json');

    const c = await createEngine({ workspace: path.join(tmp.dir, 'ws-c'), runJobs: true });
    try {
      const dsC = await importWithFeatures(c);
      // without protocol.json (an edited bundle) a fresh workspace cannot read the mapping: refused, nothing written
      const stripped = readTar(fs.readFileSync(file), file).filter((x) => x.name !== 'protocol.json');
      const manifest = JSON.parse(new TextDecoder().decode(stripped.find((x) => x.name === 'manifest.json')!.data)) as { files: { name: string }[] };
      manifest.files = manifest.files.filter((f) => f.name !== 'protocol.json');
      const noProtocol = path.join(tmp.dir, 'no-protocol.tar');
      fs.writeFileSync(noProtocol, writeTar(stripped.map((x) => (x.name === 'manifest.json' ? { name: x.name, data: new TextEncoder().encode(JSON.stringify(manifest)) } : x))));
      await expect(c.call('bundles.import', { path: noProtocol, datasetId: dsC })).rejects.toThrow(/no-protocol\.tar: mapping\.json uses label protocol '[^']+', which neither the bundle/);
      expect(await c.call('experiments.list', {})).toEqual([]);

      const imp = await c.call('bundles.import', { path: file, datasetId: dsC });
      const got = await c.call('mappings.get', { id: imp.mappingId! });
      expect(got.protocolId).toBe(edited.protocolId);
      expect(got.document.clusters[1]).toBe('bollard');
      const protocols = await c.call('datasets.protocols', {});
      expect(protocols.some((p) => p.id === edited.protocolId)).toBe(true);
      // the custom protocol's labels export in the new workspace (its values and colours are known there)
      await done(c, (await c.call('experiments.predict', { id: imp.experimentId, datasetId: dsC })).jobId);
      const out = path.join(tmp.dir, 'labels-c');
      await done(c, (await c.call('exports.labels', { experimentId: imp.experimentId, datasetId: dsC, format: 'cityscapes', mapping: imp.mappingId!, out })).jobId);
      expect(fs.existsSync(path.join(out, 'protocol.json'))).toBe(true);
    } finally {
      await c.close();
    }
  }, 300_000);
});
