// The high-pass the ground-plane fit runs on (image-ops.ts): it removes what a box mean sees — a constant,
// a ramp away from the edges — and keeps what stands out of it.
import { describe, expect, it } from 'vitest';
import { gradients, highPass } from '../../../main/engine/temporal/image-ops.js';

const W = 24;
const H = 16;

describe('highPass', () => {
  it('takes a constant to zero everywhere, edges included', () => {
    const out = new Float32Array(W * H);
    highPass(new Float32Array(W * H).fill(0.7), W, H, 3, out, new Float64Array((W + 1) * (H + 1)));
    for (const x of out) expect(Math.abs(x)).toBeLessThan(1e-6);
  });

  it('takes a ramp to zero away from the edges and keeps a spot on it', () => {
    const ramp = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ramp[y * W + x] = 0.02 * x + 0.01 * y;
    const out = new Float32Array(W * H);
    highPass(ramp, W, H, 2, out, new Float64Array((W + 1) * (H + 1)));
    for (let y = 2; y < H - 2; y++) for (let x = 2; x < W - 2; x++) expect(Math.abs(out[y * W + x]!)).toBeLessThan(1e-5);
    const spot = ramp.slice();
    spot[8 * W + 12] = spot[8 * W + 12]! + 1;
    highPass(spot, W, H, 2, out, new Float64Array((W + 1) * (H + 1)));
    expect(out[8 * W + 12]!).toBeCloseTo(1 - 1 / 25, 5);
    expect(out[8 * W + 13]!).toBeCloseTo(-1 / 25, 5);
  });
});

describe('gradients', () => {
  it('are central differences inside and one-sided at the edges', () => {
    const im = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) im[y * W + x] = 3 * x + 2 * y;
    const ix = new Float32Array(W * H);
    const iy = new Float32Array(W * H);
    gradients(im, W, H, ix, iy);
    for (const i of [0, 5 * W + 7, W * H - 1]) {
      expect(ix[i]!).toBeCloseTo(3, 5);
      expect(iy[i]!).toBeCloseTo(2, 5);
    }
  });
});
