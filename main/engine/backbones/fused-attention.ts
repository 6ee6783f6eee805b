// The model store's fused-attention variant of an ONNX backbone: at `models add` the export's attention
// blocks are rewritten into ONNX Runtime's MultiHeadAttention (../onnx/attention-fusion.ts) and the
// result is kept beside the model only if it loads and reproduces the original's patch tokens on a
// probe image within FUSED_TOLERANCE. Extraction then runs the variant (measured: ViT-B/8 at 320 runs
// about twice as fast, since the T×T attention scores are never written to memory). The cache key
// stays the original's sha256: the variant computes the same features up to float rounding.
import fs from 'node:fs';
import path from 'node:path';
import { fuseAttention } from '../onnx/attention-fusion.js';
import type { TokenGrid } from './backbone.js';
import { openOnnxBackbone } from './onnx-backbone.js';

export const FUSED_ATTENTION_FILE = 'model.fused-attention.onnx';
/** Largest |difference| allowed between the variant's and the original's tokens (LayerNorm-scale outputs). */
export const FUSED_TOLERANCE = 1e-4;
/** protobuf cannot hold more in one message; larger exports keep their weights in external files anyway. */
const MAX_GRAPH_BYTES = 2 ** 31 - 1;

/** The fused variant's path for a stored model file, when it exists. */
export function fusedVariantOf(modelFile: string): string | null {
  const f = path.join(path.dirname(modelFile), FUSED_ATTENTION_FILE);
  return fs.existsSync(f) ? f : null;
}

/** Which graph extraction runs for a stored model (`file` relative to the workspace root). */
export function storedAttention(workspaceRoot: string, file: string): 'fused' | 'as-exported' {
  return fusedVariantOf(path.join(workspaceRoot, file)) ? 'fused' : 'as-exported';
}

/** A deterministic, non-constant probe image batch (1 × 3 × H × W): every patch differs. */
export function probeImage(height: number, width: number): Float32Array {
  const x = new Float32Array(3 * height * width);
  for (let i = 0; i < x.length; i++) x[i] = 2 * Math.sin(i * 0.7071 + (i % 97) * 0.013);
  return x;
}

export function maxAbsDifference(a: TokenGrid, b: TokenGrid): number {
  if (a.n !== b.n || a.h !== b.h || a.w !== b.w || a.dim !== b.dim) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (!(d <= m)) m = d; // NaN propagates as a mismatch
  }
  return m;
}

export interface FusedVariantResult {
  readonly file: string | null;
  /** Attention blocks fused (0 when the export's layout was not recognised). */
  readonly fused: number;
  /** Why no variant was kept, when none was. */
  readonly reason: string | null;
  readonly maxDifference: number | null;
}

/**
 * Writes `model.fused-attention.onnx` beside `modelFile` (the store's copy, so external weight files
 * resolve from the same folder) when the rewrite applies and checks out against `reference`, the
 * original model's tokens for `probeImage(size)`.
 */
export async function writeFusedVariant(options: {
  readonly modelFile: string;
  readonly label: string;
  readonly patchSize: number;
  readonly size: { readonly width: number; readonly height: number };
  readonly reference: TokenGrid;
}): Promise<FusedVariantResult> {
  const none = (reason: string, fused = 0, maxDifference: number | null = null): FusedVariantResult => ({ file: null, fused, reason, maxDifference });
  const stat = fs.statSync(options.modelFile);
  if (stat.size > MAX_GRAPH_BYTES) return none('the model file is too large to rewrite in memory');
  let rewritten: ReturnType<typeof fuseAttention>;
  try {
    rewritten = fuseAttention(fs.readFileSync(options.modelFile));
  } catch (e) {
    return none(`the graph could not be rewritten (${(e as Error).message})`);
  }
  if (!rewritten.bytes) return none(`no attention block in a recognised layout (${rewritten.skipped} softmax nodes left as exported)`);
  const out = path.join(path.dirname(options.modelFile), FUSED_ATTENTION_FILE);
  fs.writeFileSync(out, rewritten.bytes);
  let diff: number;
  try {
    const bb = await openOnnxBackbone({ model: out, label: out, id: 'fused-probe', family: 'probe', patchSize: options.patchSize, sha256: null, provider: 'cpu' });
    try {
      const { width, height } = options.size;
      diff = maxAbsDifference(await bb.extract({ data: probeImage(height, width), n: 1, height, width }), options.reference);
    } finally {
      await bb.dispose();
    }
  } catch (e) {
    fs.rmSync(out, { force: true });
    return none(`ONNX Runtime did not run the rewritten graph (${(e as Error).message.split('\n')[0]})`, rewritten.fused);
  }
  if (!(diff <= FUSED_TOLERANCE)) {
    fs.rmSync(out, { force: true });
    return none(`the rewritten graph's tokens differ from the original's by ${diff.toExponential(2)} (> ${FUSED_TOLERANCE})`, rewritten.fused, diff);
  }
  return { file: out, fused: rewritten.fused, reason: null, maxDifference: diff };
}
