// The player's mask layer in real Chromium WebGL2 (SwiftShader here): every layer, opacity, the error
// hatching and the cluster highlight against a reference of the blend written out in plain JS. The layer
// is premultiplied and composited over the image, so for a pixel it must hold rgb = (the chain of blends
// applied to black) and 1 - a = (the same chain applied to white) - (applied to black).
import { expect, test } from '@playwright/test';
import { build } from 'esbuild';
import path from 'node:path';
import { REPO_ROOT } from './serve.js';

type Rgb = [number, number, number];
const W = 64;
const H = 32;
const GT = [1, 2, 255, 1]; // by quarter of the width; 255 = ignore
const CLUSTER = [0, 0, 1, 1];
const CLUSTER_TO_CLASS = [1, 2];
const CLASS_COLOR: Record<number, Rgb> = { 1: [255, 0, 0], 2: [0, 255, 0] };
const CLUSTER_COLOR: Rgb[] = [
  [0, 0, 255],
  [255, 255, 0],
];
const OPACITY = 0.5;
const BITS = { gt: 2, clusters: 4, classes: 8, errors: 16 };

/** The layers' blend chain on `base` for pixel (x, yFromBottom), as the old single-pass shader did it. */
function reference(base: Rgb, layers: number, highlight: number | null, x: number, yb: number): Rgb {
  let c = base.map((v) => v / 255) as Rgb;
  const over = (col: Rgb, a: number): void => {
    c = c.map((v, i) => v * (1 - a) + (col[i]! / 255) * a) as Rgb;
  };
  const q = Math.floor(x / (W / 4));
  const gt = GT[q]!;
  const cluster = CLUSTER[q]!;
  const pred = CLUSTER_TO_CLASS[cluster]!;
  if (layers & BITS.gt && gt !== 255) over(CLASS_COLOR[gt]!, OPACITY);
  if (layers & BITS.clusters) over(CLUSTER_COLOR[cluster]!, OPACITY);
  if (layers & BITS.classes) over(CLASS_COLOR[pred]!, OPACITY);
  if (layers & BITS.errors && gt !== 255 && pred !== gt) {
    const f = (x + 0.5 + yb + 0.5) / 8;
    const stripe = f - Math.floor(f) >= 0.5 ? 1 : 0;
    over(stripe ? [51, 0, 0] : [255, 38.25, 38.25], OPACITY);
  }
  if (highlight !== null) {
    if (cluster === highlight) over([255, 255, 51], 0.55);
    else c = c.map((v) => v * 0.45) as Rgb;
  }
  return c.map((v) => v * 255) as Rgb;
}

let bundle = '';
test.beforeAll(async () => {
  const out = await build({
    entryPoints: [path.join(REPO_ROOT, 'renderer/src/gl/mask-renderer.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'MaskGL',
    target: 'es2022',
  });
  bundle = out.outputFiles[0]!.text;
});

const CASES: { name: string; layers: number; highlight: number | null }[] = [
  { name: 'ground truth', layers: BITS.gt, highlight: null },
  { name: 'clusters', layers: BITS.clusters, highlight: null },
  { name: 'mapped classes', layers: BITS.classes, highlight: null },
  { name: 'errors', layers: BITS.errors, highlight: null },
  { name: 'all layers', layers: BITS.gt | BITS.clusters | BITS.classes | BITS.errors, highlight: null },
  { name: 'classes with cluster 1 highlighted', layers: BITS.classes, highlight: 1 },
  { name: 'nothing but a highlight', layers: 0, highlight: 0 },
  // No mask layer: the layer must be cleared to transparent, and stay so when asked again (no GL work).
  { name: 'no mask layer', layers: 0, highlight: null },
  { name: 'no mask layer again', layers: 0, highlight: null },
];

test('the mask layer draws every layer as the reference blend', async ({ page }) => {
  await page.setContent(`<canvas id="c" width="${W}" height="${H}"></canvas>`);
  await page.addScriptTag({ content: bundle });
  const got = (await page.evaluate(
    ({ W, H, GT, CLUSTER, CLUSTER_TO_CLASS, CLASS_COLOR, CLUSTER_COLOR, OPACITY, CASES }) => {
      // The bundle's API as far as this test uses it (the e2e project is type-checked without DOM typings).
      interface Renderer {
        setPalette(which: string, rgba: Uint8Array): void;
        setLut(which: string, values: Uint8Array): void;
        setFrameSize(w: number, h: number): void;
        setMask(which: string, mask: { key: string; ids: Uint8Array; width: number; height: number }): void;
        draw(state: {
          layers: number;
          opacity: number;
          highlightCluster: number | null;
          zoom: number;
          panX: number;
          panY: number;
        }): void;
      }
      interface Gl {
        readonly RGBA: number;
        readonly UNSIGNED_BYTE: number;
        readPixels(
          x: number,
          y: number,
          w: number,
          h: number,
          format: number,
          type: number,
          out: Uint8Array,
        ): void;
      }
      const g = globalThis as unknown as {
        MaskGL: { MaskRenderer: new (canvas: unknown, ring: number) => Renderer };
        document: { getElementById(id: string): { getContext(kind: string): Gl | null } };
      };
      const canvas = g.document.getElementById('c');
      const w = g;
      const r = new w.MaskGL.MaskRenderer(canvas, 4);
      const classPalette = new Uint8Array(1024);
      for (const [k, rgb] of Object.entries(CLASS_COLOR)) classPalette.set([...rgb, 255], Number(k) * 4);
      const clusterPalette = new Uint8Array(1024);
      CLUSTER_COLOR.forEach((rgb, k) => clusterPalette.set([...rgb, 255], k * 4));
      r.setPalette('classPalette', classPalette);
      r.setPalette('clusterPalette', clusterPalette);
      const c2c = new Uint8Array(256).fill(255);
      CLUSTER_TO_CLASS.forEach((c, k) => (c2c[k] = c));
      r.setLut('clusterToClass', c2c);
      // Masks at half the frame's resolution: they are stretched over it.
      const mask = (values: number[]) => {
        const ids = new Uint8Array((W / 2) * (H / 2));
        for (let i = 0; i < ids.length; i++) ids[i] = values[Math.floor((i % (W / 2)) / (W / 8))]!;
        return ids;
      };
      r.setFrameSize(W, H);
      r.setMask('gt', { key: 'gt', ids: mask(GT), width: W / 2, height: H / 2 });
      r.setMask('clusters', { key: 'cl', ids: mask(CLUSTER), width: W / 2, height: H / 2 });
      const gl = canvas.getContext('webgl2')!;
      return CASES.map((c) => {
        r.draw({
          layers: 1 | c.layers,
          opacity: OPACITY,
          highlightCluster: c.highlight,
          zoom: 1,
          panX: 0,
          panY: 0,
        });
        const px = new Uint8Array(W * H * 4);
        gl.readPixels(0, 0, W, H, gl.RGBA, gl.UNSIGNED_BYTE, px);
        return Array.from(px);
      });
    },
    { W, H, GT, CLUSTER, CLUSTER_TO_CLASS, CLASS_COLOR, CLUSTER_COLOR, OPACITY, CASES },
  )) as number[][];
  CASES.forEach((c, n) => {
    const px = got[n]!;
    for (const yb of [3, 20]) {
      for (const x of [5, 21, 37, 53, 58]) {
        const black = reference([0, 0, 0], c.layers, c.highlight, x, yb);
        const white = reference([255, 255, 255], c.layers, c.highlight, x, yb);
        const expected = [...black, 255 - (white[0] - black[0])];
        const actual = px.slice((yb * W + x) * 4, (yb * W + x) * 4 + 4);
        for (let i = 0; i < 4; i++) {
          expect(
            Math.abs(actual[i]! - expected[i]!),
            `${c.name} at (${x}, ${yb}) channel ${i}: ${actual} vs ${expected.map(Math.round)}`,
          ).toBeLessThanOrEqual(2);
        }
      }
    }
  });
});
