// Writing the shipped `builtin-vit` asset from a finished run: the ONNX model (filter bank + EMA teacher
// encoder) and, beside it, its recipe, seed, world seeds, sha256 and loss curve.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readCheckpoint } from './checkpoint.js';
import { buildEncoderModel } from './export-model.js';
import { BUILTIN_CORPUS } from './builtin-recipe.js';
import type { StepMetrics } from './trainer.js';

export interface BuiltinVitInfo {
  readonly name: 'builtin-vit';
  readonly sha256: string;
  readonly bytes: number;
  readonly dim: number;
  readonly patchSize: 8;
  readonly step: number;
  readonly recipe: unknown;
  readonly corpus: typeof BUILTIN_CORPUS;
  readonly lossCurve: readonly {
    step: number;
    loss: number;
    teacherEntropy: number;
    prototypesUsed: number;
    featureStd: number;
  }[];
  /** When this run continued an earlier one (stage 2): that run's record (recipe, sha256, loss curve). */
  readonly continuedFrom?: Omit<BuiltinVitInfo, 'continuedFrom'>;
}

export function writeBuiltinAsset(
  runDir: string,
  outDir: string,
  continuedFrom?: Omit<BuiltinVitInfo, 'continuedFrom'>,
): BuiltinVitInfo {
  const { recipe, state } = readCheckpoint(path.join(runDir, 'checkpoint.bin'));
  const bytes = buildEncoderModel(recipe, state.teacher, {
    name: 'builtin-vit',
    world_seeds: BUILTIN_CORPUS.worldSeeds.join(','),
  });
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const metrics = fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepMetrics)
    .filter((m) => m.step < state.step);
  const info: BuiltinVitInfo = {
    name: 'builtin-vit',
    sha256,
    bytes: bytes.byteLength,
    dim: recipe.spec.dim,
    patchSize: 8,
    step: state.step,
    recipe,
    corpus: BUILTIN_CORPUS,
    lossCurve: metrics.map((m) => ({
      step: m.step,
      loss: +m.loss.toFixed(5),
      teacherEntropy: +m.teacherEntropy.toFixed(4),
      prototypesUsed: m.prototypesUsed,
      featureStd: +m.featureStd.toFixed(4),
    })),
    ...(continuedFrom ? { continuedFrom } : {}),
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'builtin-vit.onnx'), bytes);
  fs.writeFileSync(path.join(outDir, 'builtin-vit.json'), JSON.stringify(info, null, 1) + '\n');
  return info;
}
