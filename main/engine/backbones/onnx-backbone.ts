// A backbone backed by an ONNX ViT export (DINOv2 /14 ± registers, DINO /8 /16, MAE /16, in the
// `pixel_values → last_hidden_state` form or any [B,3,H,W] → [B,T,D] graph). Names and shapes are
// read from the model; the class and register tokens are dropped by comparing the token count with
// the patch grid; anything that does not fit is refused with the file named.
import * as ort from 'onnxruntime-node';
import { StudioError } from '../../../shared/contract/errors.js';
import type { ExecutionProviderChoice } from '../../../shared/contract/backbones.js';
import { createSession, type ProviderName } from '../onnx/providers.js';
import { IMAGENET_MEAN, IMAGENET_STD, type Backbone, type ImageBatch, type TokenGrid } from './backbone.js';

/** More leading tokens than this is not a CLS + registers layout but a wrong grid. */
const MAX_PREFIX_TOKENS = 17;

export interface OnnxBackboneOptions {
  /** The model file (or its bytes, for models built in memory). */
  readonly model: string | Uint8Array;
  /** How errors name it: the file path, or the model's name. */
  readonly label: string;
  readonly id: string;
  readonly family: string;
  readonly patchSize: number;
  readonly sha256: string | null;
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly provider?: ExecutionProviderChoice;
  readonly threads?: number;
  /** Only for tests: make these providers fail to load. */
  readonly failProviders?: readonly ProviderName[];
  readonly spinning?: boolean;
  readonly onLog?: (message: string) => void;
}

export interface OnnxBackbone extends Backbone {
  readonly inputName: string;
  readonly outputName: string;
  /** Leading tokens dropped at the last extract (1 = CLS, 5 = CLS + 4 registers); null before. */
  readonly prefixTokens: number | null;
  readonly fallbacks: readonly { provider: string; reason: string }[];
  /** Largest batch the model accepts (1 when the export fixed it). */
  readonly maxBatch: number | null;
}

export async function openOnnxBackbone(options: OnnxBackboneOptions): Promise<OnnxBackbone> {
  const { label } = options;
  const created = await createSession(options.model, label, {
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.failProviders ? { failProviders: options.failProviders } : {}),
    ...(options.spinning !== undefined ? { spinning: options.spinning } : {}),
  });
  for (const f of created.fallbacks) options.onLog?.(`${label}: provider ${f.provider} unavailable (${f.reason}); using ${created.provider}`);
  const session = created.session;
  const fail = (what: string): never => {
    void session.release();
    throw new StudioError('invalid_input', `${label}: ${what}`, { file: label });
  };

  const inputs = session.inputMetadata;
  if (inputs.length !== 1) fail(`expected one image input, the model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  const input = inputs[0]!;
  if (!input.isTensor || input.type !== 'float32') fail(`input '${input.name}' is not a float32 tensor`);
  const inShape = input.isTensor ? input.shape : [];
  if (inShape.length !== 4 || (typeof inShape[1] === 'number' && inShape[1] !== 3)) {
    fail(`input '${input.name}' has shape [${inShape.join(', ')}]; expected an image batch [batch, 3, height, width]`);
  }
  const outputs = session.outputMetadata;
  const output = outputs.find((o) => o.name === 'last_hidden_state') ?? outputs[0];
  if (!output) return fail('the model has no outputs');
  const outShape = output.isTensor ? output.shape : [];
  if (!output.isTensor || (outShape.length !== 0 && outShape.length !== 3)) {
    fail(
      `output '${output.name}' has shape [${outShape.join(', ')}]; expected a token sequence [batch, tokens, dim] ` +
        '(export the encoder’s last_hidden_state, not pooled or spatial outputs)',
    );
  }
  const fixedH = typeof inShape[2] === 'number' ? inShape[2] : null;
  const fixedW = typeof inShape[3] === 'number' ? inShape[3] : null;
  const fixedSize = fixedH !== null && fixedW !== null ? { width: fixedW, height: fixedH } : null;
  const maxBatch = typeof inShape[0] === 'number' ? inShape[0] : null;
  let dim = typeof outShape[2] === 'number' ? outShape[2] : 0;
  const p = options.patchSize;
  if (fixedSize && (fixedSize.width % p !== 0 || fixedSize.height % p !== 0)) {
    fail(`fixed input ${fixedSize.width}×${fixedSize.height} is not a multiple of the patch size ${p}`);
  }

  let prefixTokens: number | null = null;
  let disposed = false;

  const backbone: OnnxBackbone = {
    id: options.id,
    kind: 'onnx',
    family: options.family,
    patchSize: p,
    get dim() {
      return dim;
    },
    mean: options.mean ?? IMAGENET_MEAN,
    std: options.std ?? IMAGENET_STD,
    fixedSize,
    cacheId: options.sha256 ? `onnx:${options.sha256}` : `onnx-unhashed:${options.id}`,
    provider: created.provider,
    inputName: input.name,
    outputName: output.name,
    get prefixTokens() {
      return prefixTokens;
    },
    fallbacks: created.fallbacks,
    maxBatch,
    async extract(batch: ImageBatch): Promise<TokenGrid> {
      if (disposed) throw new StudioError('internal', `${label}: backbone used after dispose()`);
      const { n, height, width } = batch;
      if (fixedSize && (fixedSize.width !== width || fixedSize.height !== height)) {
        throw new StudioError(
          'invalid_input',
          `${label}: the model has a fixed input size ${fixedSize.width}×${fixedSize.height}, but ${width}×${height} was asked ` +
            `(use --size ${fixedSize.width}x${fixedSize.height} or re-export the model with dynamic height/width)`,
          { file: label },
        );
      }
      if (height % p !== 0 || width % p !== 0) {
        throw new StudioError('invalid_input', `${label}: input ${width}×${height} is not a multiple of the patch size ${p}`);
      }
      if (maxBatch !== null && n !== maxBatch) {
        // Exports with a fixed batch: run item by item (maxBatch is 1 in practice).
        if (maxBatch !== 1) throw new StudioError('invalid_input', `${label}: the model takes batches of exactly ${maxBatch}`);
        const parts: TokenGrid[] = [];
        const per = 3 * height * width;
        for (let i = 0; i < n; i++) {
          parts.push(await backbone.extract({ data: batch.data.subarray(i * per, (i + 1) * per), n: 1, height, width }));
        }
        const first = parts[0]!;
        const out = new Float32Array(n * first.h * first.w * first.dim);
        parts.forEach((g, i) => out.set(g.data, i * g.data.length));
        return { data: out, n, h: first.h, w: first.w, dim: first.dim };
      }
      const h = height / p;
      const w = width / p;
      const feeds = { [input.name]: new ort.Tensor('float32', batch.data, [n, 3, height, width]) };
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        result = await session.run(feeds, [output.name]);
      } catch (e) {
        throw new StudioError('invalid_input', `${label}: inference failed at ${width}×${height}: ${(e as Error).message.split('\n')[0]}`, {
          file: label,
        });
      }
      const out = result[output.name] as ort.Tensor;
      try {
        const dims = out.dims;
        if (dims.length !== 3 || dims[0] !== n) {
          throw new StudioError(
            'invalid_input',
            `${label}: output '${output.name}' came back as [${dims.join(', ')}]; expected a token sequence [${n}, tokens, dim]`,
            { file: label },
          );
        }
        const tokens = dims[1]!;
        const d = dims[2]!;
        const extra = tokens - h * w;
        if (extra < 0 || extra > MAX_PREFIX_TOKENS) {
          throw new StudioError(
            'invalid_input',
            `${label}: ${tokens} output tokens do not fit a ${h}×${w} patch grid (${width}×${height} at patch ${p}) ` +
              `plus class/register tokens; is the patch size right?`,
            { file: label },
          );
        }
        const data = out.data as Float32Array;
        for (let i = 0; i < data.length; i++) {
          const v = data[i]!;
          if (v !== v || v === Infinity || v === -Infinity) {
            throw new StudioError('invalid_input', `${label}: the model produced non-finite values (NaN/Inf) at ${width}×${height}`, {
              file: label,
            });
          }
        }
        dim = d;
        prefixTokens = extra;
        const n1 = h * w * d;
        const grid = new Float32Array(n * n1);
        for (let b = 0; b < n; b++) {
          const start = (b * tokens + extra) * d;
          grid.set(data.subarray(start, start + n1), b * n1);
        }
        return { data: grid, n, h, w, dim: d };
      } finally {
        out.dispose();
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
  return backbone;
}
