// The built-in filter bank (../backbones/builtin.ts) written as ONNX operators, so a model whose first
// layers are the filter bank is one ONNX file, `[B,3,H,W] → [B, h·w, 74]`, that runs wherever ONNX
// Runtime does and can be exported as it is. Op for op it follows filterBankFeatures (a unit test
// compares the two within 1e-4):
//   Lab        Clip → sRGB decode (Where/Pow) → XYZ (1×1 Conv) → f(t) (Where/Pow) → L, a, b (1×1 Conv)
//   blurs      edge Pad + separable Conv with the same float32 kernels (clamped borders)
//   gradients  edge Pad + central-difference Conv; orientation mod π from Atan(gy/gx); the linear soft
//              binning as max(0, 1 − circular distance) to each of the 6 bin centres
//   per patch  a depthwise 8×8 stride-8 Conv of weight 1/64 (the patch embedding model-store finds the
//              patch size from); spreads as mean((x − patch mean)²) over a [.., h, 8, w, 8] reshape,
//              which avoids E[x²] − E[x]²'s float32 cancellation
//   context    AveragePool with count_include_pad = 0: the clamped-border neighbourhood mean of poolGrid
import { GraphBuilder, int, ints } from './graph-builder.js';
import { DataType } from './onnx-schema.js';

const P = 8;
const SCALES = [1, 2, 4] as const;
const ORIENTATIONS = 6;

/** The JS implementation's blur kernel, computed the same way (float32 taps, normalised in place). */
function gaussianTaps(sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/**
 * Appends the filter bank to `g`: `image` [B,3,H,W] (RGB in [0,1]) → returns [B, 74, h, w].
 */
export function filterBankGraph(g: GraphBuilder, image: string): string {
  const c = (v: number) => g.floats('c', [], new Float32Array([v]));
  const op = (t: string, i: string[], a = {}) => g.op(t, i, a);
  const mul = (a: string, b: string) => op('Mul', [a, b]);
  const add = (a: string, b: string) => op('Add', [a, b]);
  const sub = (a: string, b: string) => op('Sub', [a, b]);
  const pad = (t: string, top: number, left: number) => op('Pad', [t, g.int64s('pads', [0, 0, top, left, 0, 0, top, left])], { mode: { string: 'edge' } });
  const conv1 = (t: string, w: Float32Array, kh: number, kw: number) => op('Conv', [t, g.floats('k', [1, 1, kh, kw], w)]);
  const avgPool = (t: string, k: number, r: number) =>
    op('AveragePool', [t], { kernel_shape: ints([k, k]), strides: ints([1, 1]), pads: ints([r, r, r, r]), count_include_pad: int(0) });
  const patchMean = (t: string, channels: number) =>
    op('Conv', [t, g.floats('pm', [channels, 1, P, P], new Float32Array(channels * P * P).fill(1 / (P * P)))], {
      kernel_shape: ints([P, P]),
      strides: ints([P, P]),
      group: int(channels),
    });
  const log1p = (t: string) => op('Log', [add(t, c(1))]);

  // Dynamic sizes: B, H, W, h = H/8, w = W/8 as 1-D int64 tensors.
  const shape = op('Shape', [image]);
  const dim = (i: number) => op('Gather', [shape, g.int64s('i', [i])], { axis: int(0) });
  const [Bd, Hd, Wd] = [dim(0), dim(2), dim(3)];
  const eight = g.int64s('p', [P]);
  const hd = op('Div', [Hd, eight]);
  const wd = op('Div', [Wd, eight]);

  // Lab.
  const x = op('Clip', [image, c(0), c(1)]);
  const lin = op('Where', [op('LessOrEqual', [x, c(0.04045)]), mul(x, c(1 / 12.92)), op('Pow', [mul(add(x, c(0.055)), c(1 / 1.055)), c(2.4)])]);
  const xyz = op('Conv', [
    lin,
    g.floats('xyz', [3, 3, 1, 1], Float32Array.from([0.4124 / 0.95047, 0.3576 / 0.95047, 0.1805 / 0.95047, 0.2126, 0.7152, 0.0722, 0.0193 / 1.08883, 0.1192 / 1.08883, 0.9505 / 1.08883])),
  ]);
  const f = op('Where', [op('Greater', [xyz, c(0.008856)]), op('Pow', [op('Max', [xyz, c(0)]), c(1 / 3)]), add(mul(xyz, c(7.787)), c(16 / 116))]);
  const lab = op('Conv', [f, g.floats('lab', [3, 3, 1, 1], Float32Array.from([0, 116, 0, 500, -500, 0, 0, 200, -200])), g.floats('labb', [3], Float32Array.from([-16, 0, 0]))]);
  const L = op('Slice', [lab, g.int64s('s', [0]), g.int64s('e', [1]), g.int64s('a', [1])]);

  // Colour: patch mean and spread, normalised; context means at radius 1 and 3.
  const norm = (t: string) => mul(add(t, g.floats('shift', [1, 3, 1, 1], Float32Array.from([-50, 0, 0]))), g.floats('scale', [1, 3, 1, 1], Float32Array.from([1 / 25, 1 / 20, 1 / 20])));
  const mean = patchMean(lab, 3); // [B,3,h,w]
  const six = op('Concat', [Bd, g.int64s('c3', [3]), hd, eight, wd, eight], { axis: int(0) });
  const blocks = op('Reshape', [lab, six]); // [B,3,h,8,w,8]
  const centred = sub(blocks, op('Unsqueeze', [op('Unsqueeze', [mean, g.int64s('ax', [3])]), g.int64s('ax', [5])]));
  const variance = op('ReduceMean', [mul(centred, centred)], { axes: ints([3, 5]), keepdims: int(0) });
  const std = mul(op('Sqrt', [variance]), c(1 / 8));
  const parts: string[] = [norm(mean), std, norm(avgPool(mean, 3, 1)), norm(avgPool(mean, 7, 3))];

  // Oriented gradient energy at three scales.
  const blurred: string[] = [];
  const gradCells: string[] = [];
  const binCentres = g.floats('bins', [1, ORIENTATIONS, 1, 1], Float32Array.from({ length: ORIENTATIONS }, (_, k) => k));
  for (const sigma of SCALES) {
    const k = gaussianTaps(sigma);
    const r = (k.length - 1) / 2;
    const bx = conv1(pad(L, 0, r), k, 1, k.length);
    const Ls = conv1(pad(bx, r, 0), k, k.length, 1);
    blurred.push(Ls);
    const d = Float32Array.from([-0.5 * sigma, 0, 0.5 * sigma]);
    const gx = conv1(pad(Ls, 0, 1), d, 1, 3);
    const gy = conv1(pad(Ls, 1, 0), d, 3, 1);
    const mag = op('Sqrt', [add(mul(gx, gx), mul(gy, gy))]);
    // θ = atan2(gy, gx) mod π = atan(gy/gx) mod π; 0/0 where the magnitude is 0 (weighted by 0 below).
    const safeGx = op('Where', [op('Equal', [gx, c(0)]), c(1e-30), gx]);
    const at = op('Atan', [op('Div', [gy, safeGx])]);
    const theta = op('Where', [op('Less', [at, c(0)]), add(at, c(Math.PI)), at]);
    const fpos = mul(theta, c(ORIENTATIONS / Math.PI)); // [B,1,H,W] in [0, 6]
    const dist = op('Abs', [sub(fpos, binCentres)]); // [B,6,H,W]
    const circ = op('Min', [dist, sub(c(ORIENTATIONS), dist)]);
    const w = op('Relu', [sub(c(1), circ)]);
    const energy = mul(op('Where', [op('Equal', [mag, c(0)]), c(0), w]), mag);
    parts.push(sub(log1p(patchMean(energy, ORIENTATIONS)), c(0.5)));
    gradCells.push(log1p(patchMean(mag, 1)));
  }
  // Band-pass energy.
  const levels = [L, ...blurred];
  for (let s = 0; s < SCALES.length; s++) {
    const dd = sub(levels[s]!, levels[s + 1]!);
    parts.push(sub(log1p(patchMean(mul(dd, dd), 1)), c(0.5)));
  }
  // Neighbourhood gradient energy, finest and coarsest scale.
  parts.push(sub(avgPool(gradCells[0]!, 3, 1), c(0.5)), sub(avgPool(gradCells[SCALES.length - 1]!, 3, 1), c(0.5)));
  // Position: ((i + 0.5)/n − 0.5)·2 along rows and columns, expanded to [B,1,h,w] each.
  const coords = (n: string) => {
    const nf = op('Cast', [n], { to: int(DataType.FLOAT) });
    const idx = op('Cast', [op('Range', [g.int64s('z', [0], []), op('Squeeze', [n]), g.int64s('one', [1], [])])], { to: int(DataType.FLOAT) });
    return mul(sub(op('Div', [add(idx, c(0.5)), nf]), c(0.5)), c(2));
  };
  const full = op('Concat', [Bd, g.int64s('c1', [1]), hd, wd], { axis: int(0) });
  const ys = op('Expand', [op('Reshape', [coords(hd), g.int64s('sh', [1, 1, -1, 1])]), full]);
  const xs = op('Expand', [op('Reshape', [coords(wd), g.int64s('sh', [1, 1, 1, -1])]), full]);
  parts.push(ys, xs);
  const base = op('Concat', parts, { axis: int(1) }); // [B,37,h,w]
  return op('Concat', [base, avgPool(base, 5, 2)], { axis: int(1) }); // [B,74,h,w]
}

/** A model of the filter bank alone: `pixel_values` [B,3,H,W] → `last_hidden_state` [B, h·w, 74]. */
export function buildFilterBankModel(): Uint8Array {
  const g = new GraphBuilder();
  const image = g.input('pixel_values', ['batch', 3, 'height', 'width']);
  tokensOf(g, filterBankGraph(g, image), 'last_hidden_state');
  g.output('last_hidden_state', ['batch', 'tokens', 74]);
  return g.toBytes({ producer: 'cause-studio filter bank', metadata: { patch_size: String(P) } });
}

/** [B,C,h,w] → [B, h·w, C] under `name` (or a fresh name). */
export function tokensOf(g: GraphBuilder, grid: string, name?: string): string {
  const flat = g.op('Reshape', [grid, g.int64s('shape', [0, 0, -1])]);
  return g.op('Transpose', [flat], { perm: ints([0, 2, 1]) }, name);
}
