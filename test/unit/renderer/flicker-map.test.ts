import { describe, expect, it } from 'vitest';
import { FLICKER_RGBA, flickerCaption, flickerMap } from '../../../renderer/src/views/player/flicker-map.js';

describe('flicker map', () => {
  it('marks exactly the pixels whose cluster changed and captions their share', () => {
    const prev = new Uint8Array([0, 1, 2, 3]);
    const cur = new Uint8Array([0, 2, 2, 1]);
    const m = flickerMap(prev, cur, 2, 2)!;
    expect(m.changed).toBe(2);
    expect(Array.from(m.rgba.subarray(4, 8))).toEqual([...FLICKER_RGBA]);
    expect(Array.from(m.rgba.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(flickerCaption(m, 1)).toBe('50.0 % of pixels changed cluster since the previous frame');
    expect(flickerCaption(null, 0)).toContain('First frame');
    expect(flickerMap(prev, new Uint8Array(3), 2, 2)).toBeNull();
  });
});
