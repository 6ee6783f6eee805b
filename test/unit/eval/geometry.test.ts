import { describe, expect, it } from 'vitest';
import { applySampler, fullSampler, pairSamplers, referenceResizedSize, referenceSampler } from '../../../main/engine/eval/geometry.js';

describe('reference geometry (short side 320, centre crop 320, nearest)', () => {
  it('resizes the short side like torchvision Resize(320)', () => {
    expect(referenceResizedSize(2048, 1024)).toEqual({ width: 640, height: 320 });
    expect(referenceResizedSize(1242, 375)).toEqual({ width: 1059, height: 320 }); // KITTI: floor(1059.84)
    expect(referenceResizedSize(300, 500)).toEqual({ width: 320, height: 533 });
  });

  it('samples the centre crop with PIL-style nearest (x → floor((x + 0.5)·scale))', () => {
    const s = referenceSampler(2048, 1024);
    expect(s.width).toBe(320);
    expect(s.index!.length).toBe(320 * 320);
    // Crop left = (640 − 320) / 2 = 160; scale 3.2. Output (0,0) ← source (floor(160.5·3.2), floor(0.5·3.2)).
    expect(s.index![0]).toBe(1 * 2048 + 513);
    // Output (319, 319) ← source (floor(479.5·3.2), floor(319.5·3.2)) = (1534, 1022).
    expect(s.index![319 * 320 + 319]).toBe(1022 * 2048 + 1534);
  });

  it('rounds a half-pixel crop offset to even like Python round()', () => {
    // KITTI: (1059 − 320) / 2 = 369.5 → 370 (round half to even), not 369.
    const s = referenceSampler(1242, 375);
    const scale = 1242 / 1059;
    expect(s.index![0]! % 1242).toBe(Math.floor((370 + 0.5) * scale));
  });

  it('gathers maps and leaves full geometry at identity when sizes agree', () => {
    const f = fullSampler(4, 2, 4, 2);
    expect(f.index).toBeNull();
    const up = fullSampler(2, 1, 4, 2); // prediction at half resolution
    const src = Uint8Array.from([7, 9]);
    expect(Array.from(applySampler(up, src))).toEqual([7, 7, 9, 9, 7, 7, 9, 9]);
  });

  it('refuses to pair a prediction and a label of different aspect ratio at reference geometry', () => {
    expect(() => pairSamplers('reference', { width: 100, height: 100 }, { width: 200, height: 100 }, 'x_labelIds.png')).toThrow(
      /x_labelIds\.png.*aspect ratios differ/,
    );
    const p = pairSamplers('reference', { width: 1024, height: 512 }, { width: 2048, height: 1024 }, 'y');
    expect(p.pred.width).toBe(320);
    expect(p.label.width).toBe(320);
  });
});
