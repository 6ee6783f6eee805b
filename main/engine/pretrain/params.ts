// The contextual encoder's parameters: names, shapes, seeded initialisation. The encoder reads the
// built-in filter bank's tokens (74 values per 8×8 patch) and adds learned context with a small
// pre-LayerNorm Transformer; the projection head and prototypes exist only while pretraining.
import { mulberry32 } from '../../../shared/random.js';

export interface EncoderSpec {
  /** Input token width (the filter bank's 74). */
  readonly inDim: number;
  /** Model width D. */
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  /** FFN hidden width. */
  readonly ffnDim: number;
  /**
   * Raw-pixel input (a ViT's patch embedding): tokens are `patch`×`patch` patches of the ImageNet-
   * normalised image, flattened channel-major (inDim = 3·patch²). Absent: the filter bank's tokens.
   */
  readonly patch?: number;
  /** Leading tokens (CLS + registers) that take part in attention and are dropped from the output. */
  readonly prefix?: number;
  /** DINOv2's layer scale: each residual branch is multiplied by a learned per-channel vector. */
  readonly layerScale?: boolean;
  /**
   * A position embedding grid [gh, gw] (a DINOv2/DINO export's), bicubically resized to the frame's
   * grid and added after the patch embedding. Kept fixed while pretraining (parameter `pos`).
   */
  readonly posGrid?: readonly [number, number];
  /** LayerNorm ε (DINOv2 1e-6, Hugging Face ViT 1e-12; default 1e-5). */
  readonly lnEps?: number;
}

export interface HeadSpec {
  /** Hidden width of the projection head. */
  readonly headHidden: number;
  /** Bottleneck (L2-normalised) width. */
  readonly bottleneck: number;
  /** Number of prototypes K. */
  readonly prototypes: number;
}

export type PretrainSpec = EncoderSpec & HeadSpec;

export type ParamMap = Map<string, Float32Array>;

/** Encoder parameter names in a fixed order (checkpoints and the exported model follow it). */
type NameSpec = Pick<EncoderSpec, 'depth' | 'prefix' | 'layerScale' | 'posGrid'>;

export function encoderParamNames(spec: NameSpec): string[] {
  const names = ['embed.w', 'embed.b'];
  if (spec.posGrid) names.push('pos');
  if (spec.prefix) names.push('prefix');
  for (let l = 0; l < spec.depth; l++) {
    const b = `blk${l}`;
    names.push(`${b}.ln1.g`, `${b}.ln1.b`);
    for (const m of ['q', 'k', 'v', 'o']) names.push(`${b}.${m}.w`, `${b}.${m}.b`);
    if (spec.layerScale) names.push(`${b}.ls1`);
    names.push(`${b}.ln2.g`, `${b}.ln2.b`, `${b}.ffn1.w`, `${b}.ffn1.b`, `${b}.ffn2.w`, `${b}.ffn2.b`);
    if (spec.layerScale) names.push(`${b}.ls2`);
  }
  names.push('lnf.g', 'lnf.b');
  return names;
}

export const HEAD_PARAM_NAMES = ['head1.w', 'head1.b', 'head2.w', 'head2.b', 'protos'] as const;

/** Every stored parameter (checkpoints hold these). */
export function allParamNames(spec: NameSpec): string[] {
  return [...encoderParamNames(spec), ...HEAD_PARAM_NAMES];
}

/** The parameters the step graphs take and train: all but the fixed position embedding. */
export function trainedParamNames(spec: NameSpec): string[] {
  return allParamNames(spec).filter((n) => n !== 'pos');
}

export function paramShape(spec: PretrainSpec, name: string): number[] {
  const { inDim, dim: D, ffnDim: F, headHidden: Hh, bottleneck: Bn, prototypes: K } = spec;
  if (name === 'embed.w') return [inDim, D];
  if (name === 'pos') return [spec.posGrid![0] * spec.posGrid![1], D];
  if (name === 'prefix') return [spec.prefix!, D];
  if (name === 'head1.w') return [D, Hh];
  if (name === 'head1.b') return [Hh];
  if (name === 'head2.w') return [Hh, Bn];
  if (name === 'head2.b') return [Bn];
  if (name === 'protos') return [K, Bn];
  if (name.endsWith('ffn1.w')) return [D, F];
  if (name.endsWith('ffn1.b')) return [F];
  if (name.endsWith('ffn2.w')) return [F, D];
  if (name.endsWith('.w')) return [D, D];
  return [D];
}

export function paramSize(spec: PretrainSpec, name: string): number {
  return paramShape(spec, name).reduce((a, b) => a * b, 1);
}

/** True for weights that get weight decay (matrices); biases, LayerNorm and prototypes do not. */
export function decays(name: string): boolean {
  return name.endsWith('.w');
}

/**
 * Seeded initialisation: truncated-normal-like uniform weights (std 0.02 as timm's ViT, the embedding
 * 1/√inDim so unit-spread filter-bank inputs give unit-spread tokens), zero biases, unit LayerNorm gains.
 */
export function initParams(spec: PretrainSpec, seed: number): ParamMap {
  const rand = mulberry32(seed);
  const uniform = (n: number, std: number) => {
    const a = new Float32Array(n);
    const s = std * Math.sqrt(3);
    for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * s;
    return a;
  };
  const out: ParamMap = new Map();
  for (const name of allParamNames(spec)) {
    const n = paramSize(spec, name);
    if (name.endsWith('.g')) out.set(name, new Float32Array(n).fill(1));
    else if (/\.ls[12]$/.test(name))
      out.set(name, new Float32Array(n).fill(1)); // fresh layer scale starts neutral
    else if (name === 'pos' || name === 'prefix') out.set(name, uniform(n, 0.02));
    else if (name === 'embed.w') out.set(name, uniform(n, 1 / Math.sqrt(spec.inDim)));
    else if (name === 'protos') out.set(name, uniform(n, 1));
    else if (name.endsWith('.w')) out.set(name, uniform(n, 0.02));
    else out.set(name, new Float32Array(n));
  }
  return out;
}

export function cloneParams(p: ReadonlyMap<string, Float32Array>): ParamMap {
  return new Map([...p].map(([k, v]) => [k, Float32Array.from(v)]));
}
