import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import { openOnnxBackbone } from '../../../main/engine/backbones/onnx-backbone.js';
import { GraphBuilder, int, ints } from '../../../main/engine/onnx/graph-builder.js';
import { inspectOnnx } from '../../../main/engine/onnx/onnx-inspect.js';
import { planProviders } from '../../../main/engine/onnx/providers.js';
import { buildVitModel, type VitSpec } from '../../../main/engine/onnx/vit-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-bb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tiny: VitSpec = { patchSize: 8, dim: 32, depth: 2, heads: 4, seed: 7 };

function image(n: number, h: number, w: number, seed = 1): Float32Array {
  const a = new Float32Array(n * 3 * h * w);
  let s = seed;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s / 2 ** 32) * 2 - 1;
  }
  return a;
}

async function rawOutput(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ pixel_values: new ort.Tensor('float32', x, dims) });
  const t = r.last_hidden_state as ort.Tensor;
  const out = { data: new Float32Array(t.data as Float32Array), dims: t.dims };
  await s.release();
  return out;
}

async function expectError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StudioError);
  expect((e as StudioError).code).toBe(code);
  expect((e as StudioError).message).toMatch(pattern);
}

describe('ONNX backbone on a ViT written by our own ONNX writer', () => {
  it('reads names and shapes and returns the patch grid, dropping the class token', async () => {
    const bytes = buildVitModel(tiny);
    const bb = await openOnnxBackbone({ model: bytes, label: 'tiny.onnx', id: 'tiny', family: 'vit', patchSize: 8, sha256: null, provider: 'cpu' });
    expect(bb.inputName).toBe('pixel_values');
    expect(bb.outputName).toBe('last_hidden_state');
    expect(bb.fixedSize).toBeNull();
    const x = image(2, 32, 48);
    const grid = await bb.extract({ data: x, n: 2, height: 32, width: 48 });
    expect([grid.n, grid.h, grid.w, grid.dim]).toEqual([2, 4, 6, 32]);
    expect(bb.prefixTokens).toBe(1);
    const raw = await rawOutput(bytes, x, [2, 3, 32, 48]);
    expect(raw.dims).toEqual([2, 25, 32]);
    // Image 1, patch (row 2, col 3) is token 1 + 2*6 + 3 of the raw output.
    const t = 1 + 2 * 6 + 3;
    const fromRaw = raw.data.subarray((25 + t) * 32, (25 + t + 1) * 32);
    const fromGrid = grid.data.subarray(24 * 32 + (2 * 6 + 3) * 32, 24 * 32 + (2 * 6 + 4) * 32);
    expect(Array.from(fromGrid)).toEqual(Array.from(fromRaw));
    // Last LayerNorm (unit gains, zero bias): each token is normalised.
    let mean = 0;
    for (const v of fromGrid) mean += v / 32;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    await bb.dispose();
  });

  it('infers and drops register tokens (DINOv2 with registers)', async () => {
    const bytes = buildVitModel({ ...tiny, registers: 4 });
    const bb = await openOnnxBackbone({ model: bytes, label: 'reg.onnx', id: 'reg', family: 'dinov2', patchSize: 8, sha256: null, provider: 'cpu' });
    const x = image(1, 16, 24, 3);
    const grid = await bb.extract({ data: x, n: 1, height: 16, width: 24 });
    expect(bb.prefixTokens).toBe(5);
    const raw = await rawOutput(bytes, x, [1, 3, 16, 24]);
    expect(raw.dims).toEqual([1, 5 + 6, 32]);
    expect(Array.from(grid.data)).toEqual(Array.from(raw.data.subarray(5 * 32)));
    await bb.dispose();
  });

  it('finds the patch size in the graph', () => {
    expect(inspectOnnx('vit14.onnx', buildVitModel({ ...tiny, patchSize: 14 })).patchSize).toBe(14);
    expect(inspectOnnx('vit8.onnx', buildVitModel(tiny)).patchSize).toBe(8);
  });

  it('refuses a grid that does not fit the token count (wrong patch size)', async () => {
    const bytes = buildVitModel({ ...tiny, patchSize: 16 });
    const bb = await openOnnxBackbone({ model: bytes, label: 'p16.onnx', id: 'p16', family: 'vit', patchSize: 8, sha256: null, provider: 'cpu' });
    await expectError(bb.extract({ data: image(1, 32, 32), n: 1, height: 32, width: 32 }), 'invalid_input', /p16\.onnx: 5 output tokens do not fit a 4×4 patch grid/);
    await expectError(bb.extract({ data: image(1, 30, 32), n: 1, height: 30, width: 32 }), 'invalid_input', /not a multiple of the patch size 8/);
    await bb.dispose();
  });

  it('refuses a size other than a fixed-size model’s', async () => {
    const bytes = buildVitModel({ ...tiny, fixedSize: { height: 32, width: 32 } });
    const bb = await openOnnxBackbone({ model: bytes, label: 'fixed.onnx', id: 'fixed', family: 'vit', patchSize: 8, sha256: null, provider: 'cpu' });
    expect(bb.fixedSize).toEqual({ width: 32, height: 32 });
    const ok = await bb.extract({ data: image(1, 32, 32), n: 1, height: 32, width: 32 });
    expect([ok.h, ok.w]).toEqual([4, 4]);
    await expectError(bb.extract({ data: image(1, 48, 48), n: 1, height: 48, width: 48 }), 'invalid_input', /fixed\.onnx: the model has a fixed input size 32×32, but 48×48 was asked/);
    await bb.dispose();
  });

  it('refuses a model whose output is not a token sequence', async () => {
    const g = new GraphBuilder();
    const x = g.input('pixel_values', ['batch', 3, 'height', 'width']);
    g.op('Conv', [x, g.floats('w', [4, 3, 8, 8], new Float32Array(4 * 3 * 64).fill(0.01))], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) }, 'features');
    g.output('features', ['batch', 4, 'h', 'w']);
    await expectError(
      openOnnxBackbone({ model: g.toBytes(), label: 'spatial.onnx', id: 's', family: 'vit', patchSize: 8, sha256: null, provider: 'cpu' }),
      'invalid_input',
      /spatial\.onnx: output 'features' has shape \[batch, 4, h, w\]; expected a token sequence/,
    );
  });

  it('refuses NaN outputs', async () => {
    const g = new GraphBuilder();
    const x = g.input('pixel_values', ['batch', 3, 'height', 'width']);
    const conv = g.op('Conv', [x, g.floats('w', [4, 3, 8, 8], new Float32Array(4 * 3 * 64).fill(0.01))], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) });
    const seq = g.op('Transpose', [g.op('Reshape', [conv, g.int64s('shape', [0, 4, -1])])], { perm: ints([0, 2, 1]) });
    // log(-(|x| + 1)) is NaN everywhere: a broken export.
    const bad = g.op('Log', [g.op('Neg', [g.op('Add', [g.op('Abs', [seq]), g.floats('one', [], new Float32Array([1]))])])]);
    const withCls = g.op('Concat', [g.op('Slice', [bad, g.int64s('s', [0]), g.int64s('e', [1]), g.int64s('a', [1])]), bad], { axis: int(1) }, 'last_hidden_state');
    void withCls;
    g.output('last_hidden_state', ['batch', 'tokens', 4]);
    const bb = await openOnnxBackbone({ model: g.toBytes(), label: 'nan.onnx', id: 'nan', family: 'vit', patchSize: 8, sha256: null, provider: 'cpu' });
    await expectError(bb.extract({ data: image(1, 16, 16), n: 1, height: 16, width: 16 }), 'invalid_input', /nan\.onnx: the model produced non-finite values/);
    await bb.dispose();
  });

  it('refuses a truncated file, naming it', async () => {
    const bytes = buildVitModel(tiny);
    const file = path.join(tmp, 'truncated.onnx');
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectError(
      openOnnxBackbone({ model: file, label: file, id: 't', family: 'vit', patchSize: 8, sha256: null, provider: 'cpu' }),
      'invalid_input',
      /truncated\.onnx: not a readable ONNX model \(the file is truncated/,
    );
    expect(() => inspectOnnx(file)).toThrow(/truncated\.onnx: not a readable ONNX model/);
  });
});

describe('execution providers', () => {
  it('auto tries the platform accelerator first, then CPU', () => {
    expect(planProviders('auto', 'linux')).toEqual({ candidates: ['cuda', 'cpu'], forced: false });
    expect(planProviders('auto', 'win32')).toEqual({ candidates: ['dml', 'cuda', 'cpu'], forced: false });
    expect(planProviders('auto', 'darwin')).toEqual({ candidates: ['coreml', 'cpu'], forced: false });
    expect(planProviders('cpu', 'linux')).toEqual({ candidates: ['cpu'], forced: true });
  });

  it('refuses a provider of another platform', () => {
    expect(() => planProviders('dml', 'linux')).toThrow(/'dml' is not available on linux \(it needs win32\)/);
    expect(() => planProviders('coreml', 'win32')).toThrow(/'coreml' is not available on win32/);
  });

  it('falls back to CPU with the reason when the accelerator fails to load', async () => {
    const logs: string[] = [];
    const bb = await openOnnxBackbone({
      model: buildVitModel(tiny),
      label: 'tiny.onnx',
      id: 'tiny',
      family: 'vit',
      patchSize: 8,
      sha256: null,
      provider: 'auto',
      // On a CUDA box the real library loads; make the failure certain for the test.
      failProviders: ['cuda', 'dml', 'coreml'],
      onLog: (m) => logs.push(m),
    });
    expect(bb.provider).toBe('cpu');
    expect(bb.fallbacks.length).toBeGreaterThan(0);
    expect(logs.join('\n')).toMatch(/provider (cuda|dml|coreml) unavailable .*; using cpu/);
    await bb.dispose();
  });

  it('falls back for real here when CUDA is not installed, and a forced CUDA fails clearly', async () => {
    const cudaLib = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
    if (process.platform !== 'linux' || fs.existsSync(cudaLib)) return; // a CUDA machine: nothing to fall back from
    const bb = await openOnnxBackbone({ model: buildVitModel(tiny), label: 'tiny.onnx', id: 'tiny', family: 'vit', patchSize: 8, sha256: null });
    expect(bb.provider).toBe('cpu');
    expect(bb.fallbacks[0]?.provider).toBe('cuda');
    await bb.dispose();
    await expectError(
      openOnnxBackbone({ model: buildVitModel(tiny), label: 'tiny.onnx', id: 'tiny', family: 'vit', patchSize: 8, sha256: null, provider: 'cuda' }),
      'unavailable',
      /tiny\.onnx: execution provider 'cuda' could not be used: .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
  });
});
