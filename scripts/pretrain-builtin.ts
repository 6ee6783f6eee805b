// `npm run pretrain:builtin [-- --out DIR --steps N --stop-after S --threads T --stage2 [--init FILE.onnx]]`:
// reproduces assets/models/builtin-vit.onnx from scratch. Renders the SynthDrive worlds of BUILTIN_WORLD_SEEDS (disjoint from every world used to
// report a score), extracts the filter bank's tokens, pretrains the contextual encoder label-free with
// the committed recipe, and exports the model with the filter bank written as ONNX ops in front of it.
// Deterministic for the recipe's seed; resumes from DIR if interrupted. `--stage2` then continues from
// stage 1's encoder with builtinStage2Recipe in DIR/stage2 (`--init` names stage 1's model when its run
// folder is gone, e.g. the shipped asset); `--steps`/`--stop-after` then apply to stage 2.
import fs from 'node:fs';
import path from 'node:path';
import { readCorpus, writeCorpus } from '../main/engine/pretrain/corpus-file.js';
import type { TokenCorpus } from '../main/engine/pretrain/corpus.js';
import { renderSynthCorpus } from '../main/engine/pretrain/synth-corpus.js';
import { runPretraining } from '../main/engine/pretrain/run.js';
import {
  BUILTIN_CORPUS,
  builtinRecipe,
  builtinStage2Recipe,
} from '../main/engine/pretrain/builtin-recipe.js';
import { readInitModel } from '../main/engine/pretrain/init-model.js';
import { initParams, type ParamMap } from '../main/engine/pretrain/params.js';
import type { PretrainRecipe } from '../main/engine/pretrain/recipe.js';
import { writeBuiltinAsset, type BuiltinVitInfo } from '../main/engine/pretrain/builtin-asset.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = path.resolve(arg('out') ?? 'build/pretrain-builtin');
const assetDir = path.resolve(arg('assets') ?? 'assets/models');
const stage2 = process.argv.includes('--stage2');
// Stage 1's record (its .json beside its .onnx) goes into stage 2's, so the shipped file names both runs.
function stage1Info(init: string | undefined): BuiltinVitInfo {
  const file = init ? path.resolve(init).replace(/\.onnx$/, '.json') : path.join(out, 'stage1', 'builtin-vit.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BuiltinVitInfo;
}
if (process.argv.includes('--export-only')) {
  // The model of the run's latest checkpoint (to evaluate a run while it continues).
  const info = writeBuiltinAsset(stage2 ? path.join(out, 'stage2') : out, assetDir, stage2 ? stage1Info(arg('init')) : undefined);
  console.log(
    `wrote ${path.join(assetDir, 'builtin-vit.onnx')} from step ${info.step} (sha256 ${info.sha256.slice(0, 16)})`,
  );
  process.exit(0);
}
// 1 thread by default: the shipped asset was made with 1, and the bytes are only promised for the same count.
const threads = Number(arg('threads') ?? 1);
const steps = arg('steps');
// Stop after this step (the schedule stays the recipe's): reproduces an asset exported mid-schedule.
const stopAfter = arg('stop-after');
const stageArgs = (r: PretrainRecipe): PretrainRecipe => ({
  ...r,
  ...(steps ? { steps: Number(steps) } : {}),
});
fs.mkdirSync(out, { recursive: true });
const corpusFile = path.join(out, 'corpus.f32');
let corpus: TokenCorpus;
if (fs.existsSync(corpusFile)) {
  corpus = readCorpus(corpusFile).corpus;
  console.log(`corpus: ${corpus.frames.length} frames from ${corpusFile}`);
} else {
  const t0 = Date.now();
  corpus = renderSynthCorpus(BUILTIN_CORPUS, (done, total) => {
    if (done % 10 === 0 || done === total)
      console.log(
        `rendering SynthDrive worlds ${BUILTIN_CORPUS.worldSeeds.join(',')}: ${done}/${total} frames (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
  });
  writeCorpus(corpusFile, corpus, { ...BUILTIN_CORPUS });
}

async function runStage(
  dir: string,
  recipe: PretrainRecipe,
  init: ParamMap | undefined,
  stop: string | undefined,
): Promise<void> {
  const t0 = Date.now();
  let first = -1;
  await runPretraining({
    dir,
    recipe,
    corpus,
    source: 'SynthDrive worlds ' + BUILTIN_CORPUS.worldSeeds.join(','),
    threads,
    checkpointEvery: 20,
    ...(init ? { init } : {}),
    ...(stop ? { stopAfter: Number(stop) } : {}),
    onMetrics(m) {
      if (first < 0) first = m.step;
      const done = m.step + 1 - first;
      const eta = ((Date.now() - t0) / done) * (recipe.steps - m.step - 1);
      if (m.step % 5 === 0 || m.step === recipe.steps - 1)
        console.log(
          `step ${m.step + 1}/${recipe.steps} loss ${m.loss.toFixed(4)} teacher H ${m.teacherEntropy.toFixed(3)} student H ${m.studentEntropy.toFixed(3)} ` +
            `protos ${m.prototypesUsed} std ${m.featureStd.toFixed(3)} |g| ${m.gradNorm.toFixed(2)} lr ${m.lr.toExponential(2)}${m.skipped ? ' SKIPPED' : ''} eta ${(eta / 60000).toFixed(1)} min`,
        );
    },
  });
}

const initArg = arg('init');
if (!stage2) {
  await runStage(out, stageArgs(builtinRecipe()), undefined, stopAfter);
} else {
  // Stage 1 first, unless its model is given.
  if (!initArg) {
    await runStage(out, builtinRecipe(), undefined, undefined);
    writeBuiltinAsset(out, path.join(out, 'stage1'));
  }
  const stage1 = initArg ? path.resolve(initArg) : path.join(out, 'stage1', 'builtin-vit.onnx');
  const recipe = stageArgs(builtinStage2Recipe());
  const w = readInitModel(stage1, stage1);
  const init = initParams(recipe.spec, recipe.seed);
  for (const [k, v] of w.encoder) init.set(k, v);
  await runStage(path.join(out, 'stage2'), recipe, init, stopAfter);
}
const info = writeBuiltinAsset(stage2 ? path.join(out, 'stage2') : out, assetDir, stage2 ? stage1Info(initArg) : undefined);
console.log(
  `done: ${path.join(assetDir, 'builtin-vit.onnx')} (step ${info.step}, ${info.bytes} bytes, sha256 ${info.sha256.slice(0, 16)})`,
);
