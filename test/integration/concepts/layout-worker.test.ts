// The atlas layout of a large point set runs in a worker thread (so the engine keeps answering); it must
// lay out exactly as the in-thread function does, seed for seed.
import { describe, expect, it } from 'vitest';
import { layout2d, layoutInWorker } from '../../../main/engine/concepts/atlas.js';
import { mulberry32 } from '../../../shared/random.js';

describe('layoutInWorker', () => {
  it('returns the same seeded UMAP layout as layout2d', async () => {
    const rand = mulberry32(11);
    const rows = Array.from({ length: 80 }, () => Float32Array.from({ length: 16 }, () => rand() - 0.5));
    const inWorker = await layoutInWorker(rows, 5);
    expect(inWorker.layout).toBe('umap');
    expect(inWorker.xy).toHaveLength(80);
    expect(inWorker).toEqual(layout2d(rows, 5));
  }, 120_000);
});
