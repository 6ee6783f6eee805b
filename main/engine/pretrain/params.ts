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
export function encoderParamNames(spec: Pick<EncoderSpec, 'depth'>): string[] {
  const names = ['embed.w', 'embed.b'];
  for (let l = 0; l < spec.depth; l++) {
    const b = `blk${l}`;
    names.push(`${b}.ln1.g`, `${b}.ln1.b`);
    for (const m of ['q', 'k', 'v', 'o']) names.push(`${b}.${m}.w`, `${b}.${m}.b`);
    names.push(`${b}.ln2.g`, `${b}.ln2.b`, `${b}.ffn1.w`, `${b}.ffn1.b`, `${b}.ffn2.w`, `${b}.ffn2.b`);
  }
  names.push('lnf.g', 'lnf.b');
  return names;
}

export const HEAD_PARAM_NAMES = ['head1.w', 'head1.b', 'head2.w', 'head2.b', 'protos'] as const;

export function allParamNames(spec: Pick<EncoderSpec, 'depth'>): string[] {
  return [...encoderParamNames(spec), ...HEAD_PARAM_NAMES];
}

export function paramShape(spec: PretrainSpec, name: string): number[] {
  const { inDim, dim: D, ffnDim: F, headHidden: Hh, bottleneck: Bn, prototypes: K } = spec;
  if (name === 'embed.w') return [inDim, D];
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
