// The video path end to end below the job: compose frames with known labels, encode with ffmpeg, then
// decode the MP4 and check codec, size, frame count and the colours at known label positions.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterColor } from '../../../shared/palettes/cluster-palette.js';
import { findFfmpeg } from '../../../main/engine/datasets/ffmpeg.js';
import { composeFrame, type ColourScheme } from '../../../main/engine/export/frame-composer.js';
import { loadGlyphAtlas } from '../../../main/engine/export/glyphs.js';
import { VideoEncoder } from '../../../main/engine/export/video-encoder.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const W = 128;
const H = 96;
const scheme: ColourScheme = {
  colourOf: (k) => (k === 3 ? null : clusterColor(k)),
  legendKey: (k) => k,
  legendName: (k) => `cluster ${k}`,
  legendColour: clusterColor,
};

/** Left half cluster 0, right half cluster 1, a bottom band of cluster 2 whose height grows with t. */
function frameInput(t: number) {
  const image = { data: new Uint8Array(W * H * 3).fill(90), width: W, height: H };
  const clusters = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) clusters[y * W + x] = y >= H - 10 - t ? 2 : x < W / 2 ? 0 : 1;
  }
  return { image, clusters, groundTruth: null, frameLabel: `${t + 1}/5`, title: 'test run' };
}

function probe(file: string) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,pix_fmt,width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: Record<string, string | number>[] }).streams[0]!;
}

function decodeFrame(file: string, index: number): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${index})`, '-vframes', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 26 });
}

const close = (a: number[], b: readonly number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe('video export', () => {
  it('writes an H.264 yuv420p MP4 whose pixels carry the label colours', async () => {
    const atlas = await loadGlyphAtlas();
    const out = path.join(tmp.dir, 'labels.mp4');
    const enc = new VideoEncoder(findFfmpeg(), out, W, H, 10);
    for (let t = 0; t < 5; t++) {
      const f = await composeFrame(frameInput(t), scheme, { mode: 'labels', opacity: 1, panelWidth: W, panelHeight: H, captions: t < 4 }, atlas);
      await enc.write(f.rgb);
    }
    await enc.finish();
    const s = probe(out);
    expect(s).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: W, height: H });
    expect(Number(s.nb_read_frames)).toBe(5);
    const last = decodeFrame(out, 4); // the frame without captions
    const px = (x: number, y: number) => [last[(y * W + x) * 3]!, last[(y * W + x) * 3 + 1]!, last[(y * W + x) * 3 + 2]!];
    // Sample away from edges and the burned-in header/legend (chroma subsampling blurs edges).
    expect(close(px(30, 40), clusterColor(0), 12)).toBe(true);
    expect(close(px(100, 40), clusterColor(1), 12)).toBe(true);
    expect(close(px(100, H - 6), clusterColor(2), 12)).toBe(true);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('partial'))).toEqual([]);
    // frames with captions carry the header text: the top-left is no longer the plain label colour
    const first = decodeFrame(out, 0);
    let differs = 0;
    for (let y = 0; y < 16; y++) for (let x = 0; x < 60; x++) if (!close([first[(y * W + x) * 3]!, first[(y * W + x) * 3 + 1]!, first[(y * W + x) * 3 + 2]!], clusterColor(0), 30)) differs++;
    expect(differs).toBeGreaterThan(100);
  });

  it('puts image, prediction and ground truth side by side', async () => {
    const atlas = await loadGlyphAtlas();
    const input = { ...frameInput(0), groundTruth: { classes: new Uint8Array(W * H).fill(1), colours: [[0, 0, 0], [10, 200, 30]] as const } };
    const f = await composeFrame(input, scheme, { mode: 'side-by-side', opacity: 1, panelWidth: W, panelHeight: H }, atlas);
    expect(f.width).toBe(3 * W);
    const px = (x: number, y: number) => [f.rgb[(y * f.width + x) * 3]!, f.rgb[(y * f.width + x) * 3 + 1]!, f.rgb[(y * f.width + x) * 3 + 2]!];
    expect(px(30, 40)).toEqual([90, 90, 90]); // the image panel
    expect(px(W + 30, 40)).toEqual([...clusterColor(0)]); // prediction panel
    expect(px(2 * W + 30, 40)).toEqual([10, 200, 30]); // ground truth panel
  });

  it('blends the overlay at the chosen opacity and leaves unmapped clusters as image', async () => {
    const atlas = await loadGlyphAtlas();
    const input = frameInput(0);
    input.clusters.fill(3, 0, W * 50); // cluster 3 has no colour (unmapped)
    const f = await composeFrame(input, scheme, { mode: 'overlay', opacity: 0.5, panelWidth: W, panelHeight: H, captions: false }, atlas);
    const at = (x: number, y: number) => Array.from(f.rgb.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    expect(at(30, 45)).toEqual([90, 90, 90]);
    const c = clusterColor(1);
    expect(close(at(100, 70), c.map((v) => 45 + v * 0.5), 1)).toBe(true);
  });

  it('leaves no file behind when encoding is aborted', async () => {
    const out = path.join(tmp.dir, 'aborted.mp4');
    const enc = new VideoEncoder(findFfmpeg(), out, W, H, 10);
    await enc.write(new Uint8Array(W * H * 3));
    await enc.abort();
    expect(fs.readdirSync(tmp.dir).filter((f) => f.startsWith('aborted'))).toEqual([]);
  });

  it('fails clearly when the configured ffmpeg does not exist', () => {
    expect(() => findFfmpeg('/nonexistent/ffmpeg')).toThrow(/\/nonexistent\/ffmpeg: configured ffmpeg does not run/);
    expect(spawnSync('ffprobe', ['-version']).status).toBe(0);
  });
});
