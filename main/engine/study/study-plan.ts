// A study's plan: which variants, backbones and seeds, and the train config of every cell. Variants
// come as names (`release,kmeans,balanced,overcluster`, each a Step 3 spec such as
// `overcluster:merge=modularity`, or `kmeans-features` for the k-means baseline on the backbone features)
// or as a JSON file: [{ "name": "...", "method": "cause-mlp", "step3": "balanced:balance=0.5",
// "overrides": { "step2": { "epochs": 10 } } }, ...].
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StudioError } from '../../../shared/contract/errors.js';
import { EXPERIMENT_METHODS, presetConfig, REFINE_MODES, type RefineMode, type TrainPreset } from '../../../shared/contract/experiments.js';
import type { StudyVariantSpec } from '../../../shared/contract/study.js';
import { parseStep3Spec, splitStep3Specs } from '../cause/step3/spec.js';

/** The k-means baseline on the backbone's features: every study can carry it as a row. */
export const BASELINE_VARIANT = 'kmeans-features';

const variantFileSchema = z
  .array(
    z
      .object({
        name: z.string().min(1).max(80),
        method: z.enum(EXPERIMENT_METHODS).default('cause-mlp'),
        step3: z.string().min(1).optional(),
        overrides: z.record(z.string(), z.unknown()).default({}),
      })
      .strict(),
  )
  .min(1);

/** Overrides over a preset, with step1/2/3 merged field by field (the engine merges top-level keys only). */
export function mergeOverrides(preset: TrainPreset, method: StudyVariantSpec['method'], base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const p = presetConfig(preset, method, 27) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base, ...extra };
  for (const k of ['step1', 'step2', 'step3', 'kmeans']) {
    if (base[k] === undefined && extra[k] === undefined) continue;
    out[k] = { ...(p[k] as object), ...((base[k] as object | undefined) ?? {}), ...((extra[k] as object | undefined) ?? {}) };
  }
  return out;
}

function fromSpec(text: string, method: 'cause-mlp' | 'cause-tr'): StudyVariantSpec {
  if (text === BASELINE_VARIANT) return { name: text, method: 'kmeans', overrides: {} };
  let step3: Record<string, unknown>;
  try {
    step3 = parseStep3Spec(text);
  } catch (e) {
    throw new StudioError('bad_request', `--variants: ${(e as Error).message} (or '${BASELINE_VARIANT}' for the k-means baseline)`);
  }
  return { name: text, method, overrides: { step3 } };
}

/** Variants from `--variants` text (names / specs) or a JSON file path (ends in .json). */
export function parseVariants(text: string, method: 'cause-mlp' | 'cause-tr' = 'cause-mlp'): StudyVariantSpec[] {
  if (text.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(text, 'utf8'));
    } catch (e) {
      throw new StudioError('bad_request', `${text}: cannot read the variants file (${(e as Error).message})`);
    }
    const r = variantFileSchema.safeParse(json);
    if (!r.success) throw new StudioError('bad_request', `${text}: invalid variants file: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return r.data.map((v) => {
      let step3: Record<string, unknown> | undefined;
      if (v.step3) {
        try {
          step3 = parseStep3Spec(v.step3);
        } catch (e) {
          throw new StudioError('bad_request', `${text}: variant '${v.name}': ${(e as Error).message}`);
        }
      }
      return { name: v.name, method: v.method, overrides: { ...v.overrides, ...(step3 ? { step3: { ...((v.overrides.step3 as object | undefined) ?? {}), ...step3 } } : {}) } };
    });
  }
  const specs = splitStep3Specs(text);
  if (!specs.length) throw new StudioError('bad_request', '--variants: give at least one variant');
  const out = specs.map((s) => fromSpec(s, method));
  const names = new Set<string>();
  for (const v of out) {
    if (names.has(v.name)) throw new StudioError('bad_request', `--variants: '${v.name}' is listed twice`);
    names.add(v.name);
  }
  return out;
}

export interface StudyPlanInput {
  readonly trainDatasetId: string;
  readonly evalDatasetId: string;
  readonly variants: readonly StudyVariantSpec[];
  readonly backbones: readonly string[];
  readonly seeds: readonly number[];
  readonly preset: TrainPreset;
  readonly clusters: number;
  /** Overrides applied to every CAUSE cell (e.g. a shorter Step 2), under each variant's own. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /**
   * How each trained cell's predictions are post-processed before scoring, one measured row per mode
   * (default ['none']). Not part of planName or the experiment names: a model is trained once and
   * scored under every mode, and `--refine none,crf` continues the study `--refine none` started.
   */
  readonly refine?: readonly RefineMode[];
}

/** `--refine` text ('none', 'crf', 'none,crf'): the modes in the order given, each once. */
export function parseRefineModes(text: string): RefineMode[] {
  const out: RefineMode[] = [];
  for (const s of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(REFINE_MODES as readonly string[]).includes(s)) throw new StudioError('bad_request', `--refine: '${s}' is not one of ${REFINE_MODES.join(', ')}`);
    if (out.includes(s as RefineMode)) throw new StudioError('bad_request', `--refine: '${s}' is listed twice`);
    out.push(s as RefineMode);
  }
  if (!out.length) throw new StudioError('bad_request', `--refine: give at least one of ${REFINE_MODES.join(', ')}`);
  return out;
}

/** The refine modes of a plan (absent or empty = just 'none'). */
export function planRefine(p: Pick<StudyPlanInput, 'refine'>): readonly RefineMode[] {
  return p.refine?.length ? p.refine : ['none'];
}

export interface StudyCellPlan {
  readonly variant: StudyVariantSpec;
  readonly backbone: string;
  readonly seed: number;
  /** The experiment name that identifies the cell in the workspace (a rerun finds it by name). */
  readonly experimentName: string;
  readonly overrides: Record<string, unknown>;
}

/** A stable name for a plan (the default study name): the same arguments give the same study. */
export function planName(p: StudyPlanInput): string {
  const h = createHash('sha256').update(JSON.stringify([p.trainDatasetId, p.evalDatasetId, p.variants, p.backbones, p.seeds, p.preset, p.clusters, p.overrides])).digest('hex');
  return `study-${h.slice(0, 10)}`;
}

export function planCells(name: string, p: StudyPlanInput): StudyCellPlan[] {
  if (p.trainDatasetId === p.evalDatasetId) {
    throw new StudioError('bad_request', 'study: --eval-dataset must be a different world from --dataset (scores come from held-out worlds)');
  }
  if (!p.seeds.length || !p.backbones.length) throw new StudioError('bad_request', 'study: give at least one backbone and one seed');
  const cells: StudyCellPlan[] = [];
  // Seed-major: a study stopped early still has every variant on its first seeds.
  for (const backbone of p.backbones)
    for (const seed of p.seeds)
      for (const variant of p.variants) {
        const overrides = variant.method === 'kmeans' ? {} : mergeOverrides(p.preset, variant.method, { ...p.overrides }, { ...variant.overrides });
        cells.push({ variant, backbone, seed, experimentName: `${name} · ${variant.name} · ${backbone} · seed ${seed}`, overrides });
      }
  return cells;
}
