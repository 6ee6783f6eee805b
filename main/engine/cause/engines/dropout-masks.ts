// Step 2's dropout masks, drawn in JS from the trainer's one stream for both engines: onnxruntime feeds
// them to its graph, tfjs multiplies them in (tfjs-step2.ts), so a fallback to tfjs trains the same
// model, and a resumed run repeats an unbroken one. Masks exist only at the sampled rows, the only rows
// the loss sees (every head computes a row from that row alone, beyond constants).
// A new head lists its dropout sites in HEAD_DROPOUT here, in the order its seeds are drawn.
import { maskWidth, TR_DROPOUT_SITES } from '../ort/tr-step2-graph.js';
import type { HeadKind, HeadSpec } from '../heads.js';
import { Prng } from '../prng.js';

/** Keep flags (1 keep, 0 drop) of one network, per dropout site, [T, width(site)] row-major. */
export type SiteMasks = Readonly<Record<string, Uint8Array>>;

export interface Step2Masks {
  readonly teacher: SiteMasks;
  readonly student: SiteMasks;
}

/** Keep flags from one seed, by comparing one draw per element with p (exactly next() ≥ p). */
export function bernoulliKeepFlags(seed: number, count: number, p: number): Uint8Array {
  const out = new Uint8Array(count);
  // Prng's sfc32 step inlined on local state (millions of draws per step; a method call per draw
  // cost ~25 ns): the same sequence as Prng(seed).nextUint32(), compared as u ≥ p·2³².
  let [a, b, c, d] = new Prng(seed >>> 0).state();
  const threshold = p * 4294967296;
  for (let i = 0; i < count; i++) {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    out[i] = t >= threshold ? 1 : 0;
  }
  return out;
}

/**
 * Keep flags from one seed, drawn by skipping: the gap to the next dropped element is geometric,
 * ⌊log u / log(1−p)⌋, which gives exactly i.i.d. Bernoulli(p) drops with one draw per dropped element
 * instead of one per element. The TR step needs ~23 M flags per step at 40×40 (attention rows are
 * [T, N]); one draw each cost ~0.55 s of a ~2 s step (measured).
 */
export function dropoutKeepFlags(seed: number, count: number, p: number): Uint8Array {
  const out = new Uint8Array(count).fill(1);
  if (!(p > 0)) return out;
  const rng = new Prng(seed >>> 0);
  const logKeep = Math.log1p(-p);
  for (let i = -1; ; ) {
    i += 1 + Math.floor(Math.log(1 - rng.next()) / logKeep); // 1 − next() ∈ (0, 1]
    if (i >= count) break;
    out[i] = 0;
  }
  return out;
}

/** Inverted-dropout multipliers (0 or 1/(1−p)) of keep flags. */
export function keepMultipliers(flags: Uint8Array, p: number): Float32Array {
  const keep = 1 / (1 - p);
  const out = new Float32Array(flags.length);
  for (let i = 0; i < flags.length; i++) out[i] = flags[i] ? keep : 0;
  return out;
}

/** Inverted-dropout multipliers from one seed, one draw per element (the MLP head's masks). */
export function dropoutMultipliers(seed: number, count: number, p: number): Float32Array {
  return keepMultipliers(bernoulliKeepFlags(seed, count, p), p);
}

interface HeadDropout {
  /** Dropout sites in seed order, with their width per sampled row. */
  readonly sites: (spec: HeadSpec) => readonly { readonly site: string; readonly width: number }[];
  readonly draw: (seed: number, count: number, p: number) => Uint8Array;
}

/** Per head: its dropout sites and how a site's flags are drawn (the MLP head's draws predate the skipping). */
export const HEAD_DROPOUT: Readonly<Record<HeadKind, HeadDropout>> = {
  // The two output branches f1(drop(x)) and f2(drop(x)).
  mlp: { sites: (spec) => [{ site: 'o1', width: spec.dim }, { site: 'o2', width: spec.dim }], draw: bernoulliKeepFlags },
  // Both attention maps, the attention outputs, the FFN hidden and output, and the two output branches.
  tr: { sites: (spec) => TR_DROPOUT_SITES.map((site) => ({ site, width: maskWidth(spec, site) })), draw: dropoutKeepFlags },
};

/** One network's masks for T sampled rows, one seed per site from `seeds`. */
export function drawSiteMasks(spec: HeadSpec, T: number, p: number, seeds: () => number): SiteMasks {
  const head = HEAD_DROPOUT[spec.kind];
  return Object.fromEntries(head.sites(spec).map(({ site, width }) => [site, head.draw(seeds(), T * width, p)]));
}

/** Dropout seeds of one network for micro-batch `chunk`, derived from the step's base seed. */
export function chunkSeeds(base: number, chunk: number): () => number {
  const r = new Prng((base ^ Math.imul(chunk + 1, 0x9e3779b1)) >>> 0);
  return () => r.nextUint32();
}

/**
 * Step 2's masks of both networks for T sampled rows: one base seed per network from the trainer's
 * stream (always drawn, dropout on or off, so the stream advances alike), then one seed per site.
 */
export function drawStep2Masks(spec: HeadSpec, T: number, rng: Prng): Step2Masks | null {
  const teacherSeeds = chunkSeeds(rng.nextUint32(), 0);
  const studentSeeds = chunkSeeds(rng.nextUint32(), 0);
  const p = spec.dropout;
  if (!(p > 0)) return null;
  return { teacher: drawSiteMasks(spec, T, p, teacherSeeds), student: drawSiteMasks(spec, T, p, studentSeeds) };
}
