// Pure parts of the player's drawing: where the frame sits under zoom/pan, the mask texture ring and its
// prefetch order, palette composition and which shader variant a layer set needs.
import { describe, expect, it } from 'vitest';
import { LAYER_BITS } from '../../../renderer/src/gl/layers.js';
import { composePalette, programKey } from '../../../renderer/src/gl/mask-program.js';
import { prefetchOrder, SlotRing } from '../../../renderer/src/gl/texture-ring.js';
import { canvasToImage, fitScale, imageRect } from '../../../renderer/src/gl/view-geometry.js';

const FIT = { zoom: 1, panX: 0, panY: 0 };

describe('view geometry', () => {
  it('letterboxes a wide frame in a taller canvas and centres it', () => {
    expect(fitScale(1000, 1000, 1024, 512, 1)).toEqual({ sx: 1, sy: 0.5 });
    expect(imageRect(1000, 1000, 1024, 512, FIT)).toEqual({ x: 0, y: 250, width: 1000, height: 500 });
    // A tall frame pillarboxes instead.
    expect(imageRect(1000, 500, 250, 500, FIT)).toEqual({ x: 375, y: 0, width: 250, height: 500 });
  });

  it('zooms about the centre and pans in clip units (2 = one canvas width)', () => {
    expect(imageRect(1000, 500, 1000, 500, { zoom: 2, panX: 0, panY: 0 })).toEqual({
      x: -500,
      y: -250,
      width: 2000,
      height: 1000,
    });
    expect(imageRect(1000, 500, 1000, 500, { zoom: 1, panX: 0.5, panY: -1 })).toEqual({
      x: 250,
      y: -250,
      width: 1000,
      height: 500,
    });
  });

  it('maps canvas pixels back to frame pixels, and outside the frame to null', () => {
    expect(canvasToImage(0, 250, 1000, 1000, 1024, 512, FIT)).toEqual([0, 0]);
    expect(canvasToImage(999.9, 749.9, 1000, 1000, 1024, 512, FIT)).toEqual([1023, 511]);
    expect(canvasToImage(500, 100, 1000, 1000, 1024, 512, FIT)).toBeNull();
    // Zoomed 2× the canvas centre is still the frame centre; the corner shows the frame's inner quarter.
    expect(canvasToImage(500, 250, 1000, 500, 1000, 500, { zoom: 2, panX: 0, panY: 0 })).toEqual([500, 250]);
    expect(canvasToImage(0, 0, 1000, 500, 1000, 500, { zoom: 2, panX: 0, panY: 0 })).toEqual([250, 125]);
  });
});

describe('mask texture ring', () => {
  it('hands out free slots, then evicts the least recently used key', () => {
    const ring = new SlotRing<string>(2);
    expect(ring.acquire('a')).toEqual({ slot: 0, evicted: null });
    expect(ring.acquire('b')).toEqual({ slot: 1, evicted: null });
    expect(ring.get('a')).toBe(0); // a is now the most recent
    expect(ring.acquire('c')).toEqual({ slot: 1, evicted: 'b' });
    expect(ring.has('b')).toBe(false);
    expect(ring.keys()).toEqual(['a', 'c']);
  });

  it('gives a resident key its own slot without evicting anything', () => {
    const ring = new SlotRing<string>(2);
    ring.acquire('a');
    ring.acquire('b');
    expect(ring.acquire('a')).toEqual({ slot: 0, evicted: null });
    expect(ring.keys()).toEqual(['b', 'a']);
  });

  it('never evicts a kept key, and says so when everything is kept', () => {
    const ring = new SlotRing<string>(2);
    ring.acquire('shown-gt');
    ring.acquire('shown-clusters');
    expect(ring.acquire('next', new Set(['shown-gt', 'shown-clusters']))).toBeNull();
    expect(ring.acquire('next', new Set(['shown-gt']))).toEqual({ slot: 1, evicted: 'shown-clusters' });
    expect(ring.has('shown-gt')).toBe(true);
  });

  it('clears back to all-free and rejects an empty ring', () => {
    const ring = new SlotRing<number>(3);
    ring.acquire(1);
    ring.acquire(2);
    ring.clear();
    expect(ring.keys()).toEqual([]);
    expect(ring.acquire(9)).toEqual({ slot: 0, evicted: null });
    expect(() => new SlotRing(0)).toThrow(/at least one slot/);
  });
});

describe('prefetch order', () => {
  it('goes nearest first, ahead before behind, within the sequence', () => {
    expect(prefetchOrder(5, 100, 3, 1)).toEqual([6, 4, 7, 8]);
    expect(prefetchOrder(0, 3, 4, 2)).toEqual([1, 2]);
    expect(prefetchOrder(9, 10, 2, 2)).toEqual([8, 7]);
    expect(prefetchOrder(0, 1, 5, 5)).toEqual([]);
  });
});

describe('palette composition', () => {
  it('looks each id up through the LUT, with 255 (none) transparent', () => {
    const palette = new Uint8Array(1024);
    palette.set([10, 20, 30, 255], 2 * 4);
    palette.set([40, 50, 60, 0], 3 * 4); // a hidden class
    const lut = new Uint8Array(256).fill(255);
    lut[7] = 2;
    lut[8] = 3;
    const out = composePalette(lut, palette);
    expect([...out.subarray(7 * 4, 8 * 4)]).toEqual([10, 20, 30, 255]);
    expect([...out.subarray(8 * 4, 9 * 4)]).toEqual([40, 50, 60, 0]);
    expect([...out.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
  });
});

describe('shader variant per layer set', () => {
  const all = LAYER_BITS.image | LAYER_BITS.gt | LAYER_BITS.clusters | LAYER_BITS.classes | LAYER_BITS.errors;
  it('keeps only layers whose masks are there', () => {
    expect(programKey({ layers: LAYER_BITS.image, highlightCluster: null }, true, true)).toBe(0);
    expect(programKey({ layers: all, highlightCluster: null }, true, false)).toBe(LAYER_BITS.gt);
    expect(programKey({ layers: all, highlightCluster: null }, false, true)).toBe(
      LAYER_BITS.clusters | LAYER_BITS.classes,
    );
    expect(programKey({ layers: all, highlightCluster: 3 }, true, true)).toBe(
      LAYER_BITS.gt | LAYER_BITS.clusters | LAYER_BITS.classes | LAYER_BITS.errors | 32,
    );
    expect(programKey({ layers: LAYER_BITS.image, highlightCluster: 3 }, false, false)).toBe(0);
  });
});
