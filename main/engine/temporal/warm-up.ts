// A helper thread's first links cost up to ten times a warm one's (V8 compiles the flow's loops as they
// get hot: a predict job's first eight links took 1.9 s against ~0.45 s warm, on the path every frame of
// the first stretch waits on). So the link helper runs the flow once over a few synthetic frames when it
// starts — while the predict job initialises TensorFlow and loads its model — before any real frame.
import { Linker } from './link.js';

const W = 256;
const H = 128;

/** A street-like frame at time t: texture that drifts sideways above, a ground that stretches below. */
function syntheticFrame(t: number): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const ground = y > H / 2;
      const s = ground ? 1 + (0.08 * t * (y - H / 2)) / H : 1;
      const X = (x - W / 2) / s + (ground ? 0 : 1.2 * t);
      const Y = ground ? H / 2 + (y - H / 2) / s : y;
      const v = 0.5 + 0.2 * Math.sin(X * 0.31 + Y * 0.13) + 0.15 * Math.cos(Y * 0.27 - X * 0.11) + 0.1 * Math.sin(X * 0.9) * Math.cos(Y * 0.7);
      const g = Math.max(0, Math.min(255, Math.round(v * 255)));
      const o = (y * W + x) * 3;
      rgb[o] = g;
      rgb[o + 1] = g;
      rgb[o + 2] = Math.max(0, g - 20);
    }
  }
  return rgb;
}

/** Runs the flow mode's Linker (both ways, as temporal prediction both ways does) over `frames` synthetic frames. */
export function warmUpFlow(frames = 4): void {
  const linker = new Linker('flow', { reverse: true });
  const grid = new Float32Array(4 * 8 * 2).fill(1);
  for (let t = 0; t < frames; t++) {
    linker.link({ sequence: 'warm-up', grid, h: 4, w: 8, dim: 2, outW: W, outH: H, region: { x: 0, y: 0, width: W, height: H }, rgb: syntheticFrame(t) });
  }
}
