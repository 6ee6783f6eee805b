import { describe, expect, it } from 'vitest';
import { defaultBatchFrames } from '../../../main/engine/features/extract.js';
import type { Preprocessing } from '../../../shared/contract/backbones.js';

const prep = (size: number): Preprocessing => ({ width: size, height: size, crops: 'none', resize: 'short-side-center-crop', mean: [0, 0, 0], std: [1, 1, 1] });

describe('default extraction batch', () => {
  it('keeps attention maps bounded: ViT-S/14 batches 8, ViT-B/8 one image at a time', () => {
    expect(defaultBatchFrames({ kind: 'onnx', dim: 384, patchSize: 14 }, prep(322), 1)).toBe(8);
    expect(defaultBatchFrames({ kind: 'onnx', dim: 768, patchSize: 14 }, prep(322), 1)).toBe(4);
    expect(defaultBatchFrames({ kind: 'onnx', dim: 768, patchSize: 8 }, prep(320), 1)).toBe(1);
  });

  it('counts five crops as five images, never below one frame', () => {
    expect(defaultBatchFrames({ kind: 'builtin', dim: 74, patchSize: 8 }, prep(320), 5)).toBe(1);
    expect(defaultBatchFrames({ kind: 'builtin', dim: 74, patchSize: 8 }, prep(320), 1)).toBe(8);
    expect(defaultBatchFrames({ kind: 'onnx', dim: 768, patchSize: 8 }, prep(320), 5)).toBe(1);
  });
});
