// Pure parts of the concept index: per-cell majority/score from cluster+confidence maps, quantised
// cosine, top-k selection, even frame sampling, patch ids and crops, and the 2-D layout.
import { describe, expect, it } from 'vitest';
import { layout2d, pca2 } from '../../../main/engine/concepts/atlas.js';
import { parsePatchId, patchCrop } from '../../../main/engine/concepts/patch-asset.js';
import { cellStats, evenSample, Q, quantiseRows } from '../../../main/engine/concepts/patch-index.js';
import { TopK } from '../../../main/engine/concepts/patch-queries.js';

describe('cellStats', () => {
  it('takes the majority cluster of each cell and scores it by mean confidence × share', () => {
    // 4×2 map, grid 1×2: left cell = cols 0-1, right cell = cols 2-3.
    const ids = Uint8Array.from([0, 0, 2, 2, 0, 1, 2, 1]);
    const conf = Uint8Array.from([255, 51, 102, 102, 255, 0, 204, 255]);
    const s = cellStats(ids, conf, 4, 2, { x: 0, y: 0, width: 4, height: 2 }, 1, 2, 3);
    expect(Array.from(s.cluster)).toEqual([0, 2]);
    // left: cluster 0 has 3 of 4 pixels, confidences 255, 51, 255 → mean 561/3/255
    expect(s.score[0]).toBeCloseTo((561 / 3 / 255) * 0.75, 6);
    // right: cluster 2 has 3 of 4, confidences 102, 102, 204
    expect(s.score[1]).toBeCloseTo((408 / 3 / 255) * 0.75, 6);
  });

  it('handles 16-bit cluster ids of a large K and cells split unevenly by a fractional region', () => {
    const ids = Uint16Array.from([59999, 59999, 7, 7, 7, 59999]);
    const conf = new Uint8Array(6).fill(255);
    // 6×1 frame, region x 0.5..5.5 over 2 cells: pixel centres 0.5..2.5 → cell 0 (px 0,1,2), 3.5..5.5 → cell 1.
    const s = cellStats(ids, conf, 6, 1, { x: 0.5, y: 0, width: 5, height: 1 }, 1, 2, 60000);
    expect(Array.from(s.cluster)).toEqual([59999, 7]);
    expect(s.score[0]).toBeCloseTo(2 / 3, 6);
    expect(s.score[1]).toBeCloseTo(2 / 3, 6);
  });

  it('ignores pixels outside the grid region and ids ≥ K', () => {
    const ids = Uint8Array.from([1, 1, 1, 9, 1, 1, 0, 0]);
    const conf = new Uint8Array(8).fill(255);
    // Region = the left 2 columns only → one cell, cluster 1 everywhere.
    const s = cellStats(ids, conf, 4, 2, { x: 0, y: 0, width: 2, height: 2 }, 1, 1, 3);
    expect(Array.from(s.cluster)).toEqual([1]);
    expect(s.score[0]).toBeCloseTo(1, 6);
  });
});

describe('quantised cosine', () => {
  it('quantiseRows writes unit vectors scaled to ±127', () => {
    const out = new Int8Array(6);
    quantiseRows(Float32Array.from([3, 4, 0, 0, 0, -2]), 2, 3, out, 0);
    expect(Array.from(out)).toEqual([Math.round(0.6 * Q), Math.round(0.8 * Q), 0, 0, 0, -Q]);
  });
});

describe('TopK', () => {
  it('keeps the k best offers in descending order', () => {
    const t = new TopK(3);
    [5, 1, 9, 7, 3, 9.5, 2].forEach((s, i) => t.offer(s, i));
    expect(t.items()).toEqual([
      { score: 9.5, id: 5 },
      { score: 9, id: 2 },
      { score: 7, id: 3 },
    ]);
  });
});

describe('evenSample', () => {
  it('keeps everything under budget and spreads the sample otherwise', () => {
    expect(evenSample(4, 10)).toEqual([0, 1, 2, 3]);
    expect(evenSample(11, 3)).toEqual([0, 5, 10]);
    expect(evenSample(5, 1)).toEqual([0]);
  });
});

describe('patch ids and crops', () => {
  it('parses <featureSetId>:<frameId>:<gy>:<gx>, frame ids may hold colons', () => {
    expect(parsePatchId('fs1:ds-a:f:7:3:12')).toEqual({ featureSetId: 'fs1', frameId: 'ds-a:f:7', gy: 3, gx: 12 });
    for (const bad of ['fs1', 'fs1:frame', 'fs1:frame:1', ':f:1:2', 'fs1::1:2', 'fs1:f:-1:2', 'fs1:f:1:x']) {
      expect(() => parsePatchId(bad), bad).toThrow(/not <featureSetId>:<frameId>:<gy>:<gx>/);
    }
  });

  it('crops the cell with one cell of context, clamped to the frame', () => {
    // 200×100 frame, 100×50 input → scale 0.5, whole frame; 4×8 grid → 25×25 px cells.
    const mid = patchCrop(200, 100, { width: 100, height: 50 }, { h: 4, w: 8 }, 3, 1);
    expect(mid.crop).toEqual({ left: 50, top: 0, width: 75, height: 75 });
    expect(mid.cell).toEqual({ left: 25, top: 25, width: 25, height: 25 });
    const corner = patchCrop(200, 100, { width: 100, height: 50 }, { h: 4, w: 8 }, 7, 3);
    expect(corner.crop).toEqual({ left: 150, top: 50, width: 50, height: 50 });
    expect(corner.cell).toEqual({ left: 25, top: 25, width: 25, height: 25 });
    // Centre crop: a 300×100 frame seen as 100×50 → the grid covers x 50..250.
    const cc = patchCrop(300, 100, { width: 100, height: 50 }, { h: 4, w: 8 }, 0, 0);
    expect(cc.crop).toEqual({ left: 25, top: 0, width: 75, height: 50 }); // the context left of the grid is still frame
    expect(cc.cell).toEqual({ left: 25, top: 0, width: 25, height: 25 });
  });
});

describe('layout2d', () => {
  it('separates two groups of directions, scales to 0..1 and is deterministic per seed', () => {
    const rows: Float32Array[] = [];
    for (let i = 0; i < 20; i++) rows.push(Float32Array.from([1, 0.02 * i, 0, 0]));
    for (let i = 0; i < 20; i++) rows.push(Float32Array.from([0, 0, 1, 0.02 * i]));
    const a = layout2d(rows, 3);
    expect(a.layout).toBe('umap');
    const b = layout2d(rows, 3);
    expect(b.xy).toEqual(a.xy);
    for (const [x, y] of a.xy) for (const v of [x, y]) expect(v >= 0 && v <= 1).toBe(true);
    // Every point's nearest neighbour in the layout comes from its own group.
    const group = (i: number) => (i < 20 ? 0 : 1);
    a.xy.forEach((p, i) => {
      let best = -1;
      let bestD = Infinity;
      a.xy.forEach((q, j) => {
        const d = Math.hypot(p[0] - q[0], p[1] - q[1]);
        if (j !== i && d < bestD) {
          best = j;
          bestD = d;
        }
      });
      expect(group(best), `point ${i}`).toBe(group(i));
    });
  });

  it('falls back to PCA for a handful of points, along the direction of largest variance', () => {
    const xy = pca2([Float32Array.from([0, 0, 0]), Float32Array.from([10, 0, 1]), Float32Array.from([20, 0, 0])]);
    expect(Math.abs(xy[2]![0] - xy[0]![0])).toBeCloseTo(20, 3);
    expect(layout2d([Float32Array.from([1, 0]), Float32Array.from([0, 1])], 1).layout).toBe('pca');
  });
});
