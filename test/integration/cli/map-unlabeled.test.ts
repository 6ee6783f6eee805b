// Mapping an unlabeled drive through the CLI alone: a SynthDrive world's frames imported as a plain image
// folder (no labels), a small fast run, `map set|merge|list` with a class the protocol lacks, then a
// class-coloured MP4 and pseudo-labels driven by that mapping (no ground-truth evaluation anywhere), and the mapping
// carried to a second run suggestion by suggestion.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappingDetail } from '../../../shared/contract/evaluation.js';
import type { MappingSuggestionSet } from '../../../shared/contract/mapping.js';
import { PREDICT_TEMPORAL_DEFAULT } from '../../../shared/contract/experiments.js';
import { createEngine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const run = promisify(execFile);
const tmp = tempDir('map-unlabeled-');
const ws = path.join(tmp.dir, 'ws');
const W = 128;
const H = 64;
const FRAMES = 4;
let expA = '';
let expB = '';
let sequenceId = '';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--workspace', ws, ...args], { cwd: tmp.dir, timeout: 240_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  if (r.code !== 0) throw new Error(`cause-studio ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

beforeAll(async () => {
  const world = path.join(tmp.dir, 'world');
  await generateSynthDrive({ sequences: 1, frames: FRAMES, width: W, height: H, seed: 3, weather: 'clear', out: world, split: 'train' });
  // A plain folder of frames: the images only, as an engineer's own drive would be.
  const plain = path.join(tmp.dir, 'drive');
  fs.mkdirSync(plain);
  const imgDir = path.join(world, 'leftImg8bit', 'train');
  for (const city of fs.readdirSync(imgDir)) for (const f of fs.readdirSync(path.join(imgDir, city))) fs.copyFileSync(path.join(imgDir, city, f), path.join(plain, f));
}, 120_000);

afterAll(() => tmp.cleanup());

describe('map an unlabeled drive from the CLI', () => {
  it('imports the frames without labels and trains a small run', async () => {
    await ok('import', path.join(tmp.dir, 'drive'), '--format', 'folder', '--name', 'drive');
    const list = JSON.parse(await ok('--json', 'datasets', 'list')) as { id: string; labelledCount: number; protocolId: string | null }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ labelledCount: 0, protocolId: null });
    expA = (await ok('train', '--dataset', 'drive', '--backbone', 'rgb', '--method', 'kmeans', '--clusters', '6')).trim();
    expect(expA).toMatch(/^[0-9a-f-]{36}$/);
    await ok('predict', '--experiment', expA);
    const e = await createEngine({ workspace: ws, runJobs: false });
    try {
      sequenceId = (await e.call('datasets.sequences', { id: list[0]!.id }))[0]!.id;
      // predict's default mode (PREDICT_TEMPORAL_DEFAULT): flow, both ways
      const sets = (await e.call('experiments.get', { id: expA })).predictions;
      expect(sets.map((p) => p.temporal)).toEqual([PREDICT_TEMPORAL_DEFAULT.mode]);
      expect(PREDICT_TEMPORAL_DEFAULT.mode).toBe('flow');
    } finally {
      await e.close();
    }
  }, 300_000);

  it('set, merge and a custom class save versions; list shows the mapping by class', async () => {
    await ok('map', 'set', expA, '0', '1', 'road');
    await ok('map', 'merge', expA, '2', '3', '--into', 'car');
    const unknown = await cli('map', 'set', expA, '4', 'bollard');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/has no class 'bollard'.*add it as a new class/);
    await ok('map', 'set', expA, '4', 'bollard', '--new-class', '--color', '#ff8800');
    // Merge without --into: cluster 5 takes the class of cluster 4, the first listed that has one.
    const merged = JSON.parse(await ok('--json', 'map', 'merge', expA, '4', '5')) as MappingDetail;
    expect(merged.version).toBe(4);
    expect(merged.protocolId).toMatch(/^cityscapes-27-x[0-9a-f]{8}$/);
    expect(merged.document.clusters).toEqual(['road', 'road', 'car', 'car', 'bollard', 'bollard']);
    expect(merged.document.classNames.slice(-1)).toEqual(['bollard']);
    const list = await ok('map', 'list', expA);
    expect(list).toMatch(/current \(v4\)/);
    expect(list).toMatch(/road\s+0 1\n/);
    expect(list).toMatch(/car\s+2 3\n/);
    expect(list).toMatch(/bollard\s+4 5/);
    // The custom protocol is kept in the workspace.
    const protocols = JSON.parse(await ok('--json', 'map', 'show', merged.id)) as MappingDetail;
    expect(protocols.document.protocol).toBe(merged.protocolId);
  }, 120_000);

  it('measures each concept’s pixel share and presence without ground truth', async () => {
    const e0 = await createEngine({ workspace: ws, runJobs: false });
    try {
      expect((await e0.call('mappings.conceptStats', { experimentId: expA })).source).toBeNull();
    } finally {
      await e0.close();
    }
    const out = await ok('eval', '--experiment', expA);
    expect(out).toMatch(/label-free signals only/);
    const e = await createEngine({ workspace: ws, runJobs: false });
    try {
      const stats = await e.call('mappings.conceptStats', { experimentId: expA });
      expect(stats.source).toBe('label-free');
      expect(stats.share).toHaveLength(6);
      expect(stats.share.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(stats.frames).toHaveLength(FRAMES);
      const perCluster = new Float64Array(6);
      for (const f of stats.frames) {
        expect(f.counts.reduce((a, b) => a + b, 0)).toBe(f.pixels);
        f.clusters.forEach((k, i) => (perCluster[k] = perCluster[k]! + f.counts[i]!));
      }
      const total = perCluster.reduce((a, b) => a + b, 0);
      perCluster.forEach((v, k) => expect(v / total).toBeCloseTo(stats.share[k]!, 6));
    } finally {
      await e.close();
    }
  }, 120_000);

  it('pseudo-labels and a class-coloured MP4 follow the mapping, without any evaluation', async () => {
    const labels = path.join(tmp.dir, 'labels');
    await ok('export', 'labels', '--experiment', expA, '--out', labels);
    const protocol = JSON.parse(fs.readFileSync(path.join(labels, 'protocol.json'), 'utf8')) as { classes: { name: string; color: number[] }[] };
    const colourOf = new Map(protocol.classes.map((c) => [c.name, c.color]));
    expect(colourOf.get('bollard')).toEqual([255, 136, 0]);
    const dir = path.join(labels, fs.readdirSync(labels).find((d) => fs.statSync(path.join(labels, d)).isDirectory())!);
    const stems = fs.readdirSync(dir).filter((f) => f.endsWith('_gtFine_color.png')).sort();
    expect(stems).toHaveLength(FRAMES);
    const first = await sharp(path.join(dir, stems[0]!)).removeAlpha().raw().toBuffer();
    const allowed = ['road', 'car', 'bollard'].map((n) => colourOf.get(n)!.join(','));
    const seen = new Set<string>();
    for (let i = 0; i < W * H; i++) seen.add(`${first[i * 3]},${first[i * 3 + 1]},${first[i * 3 + 2]}`);
    // Every pixel is one of the three mapped classes (all six clusters are mapped).
    expect([...seen].every((c) => allowed.includes(c))).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(2);

    const ffmpeg = 'ffmpeg';
    const mp4 = path.join(tmp.dir, 'classes.mp4');
    await ok('export', 'video', '--experiment', expA, '--sequence', sequenceId, '--mode', 'labels', '--colors', 'classes', '--no-captions', '--out', mp4);
    const probe = JSON.parse(
      (await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', mp4])).stdout,
    ) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] };
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: W, height: H, nb_read_frames: String(FRAMES) });
    // Known pixels: inside uniform 5×5 blocks of the lossless label colours, the video shows the same colour.
    const frame0 = (await run(ffmpeg, ['-v', 'error', '-i', mp4, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 1 << 24 })).stdout as Buffer;
    expect(frame0.length).toBe(W * H * 3);
    let checked = 0;
    for (let y = 2; y < H - 2; y += 3)
      for (let x = 2; x < W - 2; x += 3) {
        const at = (xx: number, yy: number) => (yy * W + xx) * 3;
        let uniform = true;
        for (let dy = -2; dy <= 2 && uniform; dy++)
          for (let dx = -2; dx <= 2 && uniform; dx++) for (let c = 0; c < 3; c++) if (first[at(x + dx, y + dy) + c] !== first[at(x, y) + c]) uniform = false;
        if (!uniform) continue;
        checked++;
        for (let c = 0; c < 3; c++) expect(Math.abs(frame0[at(x, y) + c]! - first[at(x, y) + c]!)).toBeLessThanOrEqual(24);
      }
    expect(checked).toBeGreaterThan(50);
  }, 300_000);

  it('carries the mapping to a second run: suggestions with strengths, accepted or rejected one by one', async () => {
    expB = (await ok('train', '--dataset', 'drive', '--backbone', 'rgb', '--method', 'kmeans', '--clusters', '8', '--seed', '9')).trim();
    const set = JSON.parse(await ok('--json', 'map', 'suggest', '--from', expA, '--to', expB)) as MappingSuggestionSet;
    expect(set.fromExperimentId).toBe(expA);
    expect(set.suggestions.length).toBeGreaterThan(0);
    for (const s of set.suggestions) {
      expect(s.strength).toBeGreaterThan(0);
      expect(s.strength).toBeLessThanOrEqual(1);
      expect(['road', 'car', 'bollard']).toContain(s.className);
      expect(s.status).toBe('pending');
    }
    const [rejected, ...rest] = set.suggestions;
    const afterReject = JSON.parse(await ok('--json', 'map', 'reject', expB, String(rejected!.cluster))) as { set: MappingSuggestionSet; mapping: MappingDetail | null };
    expect(afterReject.mapping).toBeNull();
    expect(afterReject.set.suggestions.find((s) => s.cluster === rejected!.cluster)!.status).toBe('rejected');
    const accepted = JSON.parse(await ok('--json', 'map', 'accept', expB)) as { set: MappingSuggestionSet; mapping: MappingDetail };
    expect(accepted.set.suggestions.filter((s) => s.status === 'pending')).toEqual([]);
    for (const s of rest) expect(accepted.mapping.document.clusters[s.cluster]).toBe(s.className);
    expect(accepted.mapping.document.clusters[rejected!.cluster]).toBe('ignore');
    expect(accepted.mapping.protocolId).toBe(set.protocolId);
  }, 300_000);

  it('map undo restores the version the newest was edited from, step by step, and says when there is nothing left', async () => {
    const back1 = JSON.parse(await ok('--json', 'map', 'undo', expA)) as MappingDetail; // v4 → v3's content
    expect(back1.document.clusters).toEqual(['road', 'road', 'car', 'car', 'bollard', 'ignore']);
    const back2 = JSON.parse(await ok('--json', 'map', 'undo', expA)) as MappingDetail; // → v2's content
    expect(back2.document.clusters).toEqual(['road', 'road', 'car', 'car', 'ignore', 'ignore']);
    expect(back2.version).toBe(back1.version + 1);
    await ok('map', 'undo', expA); // → v1's content
    const none = await cli('map', 'undo', expA);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/nothing to undo: version \d+ .* was not edited from an earlier version/);
  }, 120_000);
});
