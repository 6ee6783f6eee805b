// Worker half of 'pretrain.run': frames → filter-bank tokens (cached in the job folder), the
// checkpointed run (run.ts) with progress and live metrics, then the exported model, checked with a real
// forward, written into the store's folder. A killed job resumes from its checkpoint to the same bytes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { openDatabase } from '../db/connection.js';
import type { JobContext } from '../jobs/job-kind.js';
import { openOnnxBackbone } from '../backbones/onnx-backbone.js';
import { probeImage } from '../backbones/fused-attention.js';
import { readCorpus, writeCorpus } from './corpus-file.js';
import { checkCorpus } from './corpus.js';
import { corpusImages, datasetCorpus } from './dataset-corpus.js';
import { buildEncoderModel } from './export-model.js';
import { readInitModel } from './init-model.js';
import { initParams, type ParamMap } from './params.js';
import { defaultRecipe, type PretrainRecipe } from './recipe.js';
import { runPretraining } from './run.js';
import type { PretrainJobParams, PretrainWorkerResult } from './pretrain-job.js';
import { metricValues } from './metrics.js';

export function recipeOf(p: PretrainJobParams, frames: number, init?: PretrainRecipe): PretrainRecipe {
  const steps = p.steps ?? Math.max(1, Math.round(((p.epochs ?? 1) * frames) / p.batch));
  const base = defaultRecipe({
    arch: p.arch,
    depth: p.depth,
    ...(p.heads ? { heads: p.heads } : {}),
    steps,
    batch: p.batch,
    window: p.window,
    crop: p.crop,
    lr: p.lr,
    seed: p.seed,
    warmupSteps: Math.min(50, Math.max(1, Math.round(steps * 0.05))),
  });
  // Continued pretraining keeps the init model's architecture; --patch 14/16 is a raw-pixel ViT.
  if (init)
    return {
      ...base,
      spec: {
        ...init.spec,
        headHidden: base.spec.headHidden,
        bottleneck: base.spec.bottleneck,
        prototypes: base.spec.prototypes,
      },
    };
  return p.patch !== 8
    ? { ...base, spec: { ...base.spec, inDim: 3 * p.patch * p.patch, patch: p.patch } }
    : base;
}

export async function run(ctx: JobContext, p: PretrainJobParams): Promise<PretrainWorkerResult> {
  const [width, height] = p.size.split('x').map(Number) as [number, number];
  let initW: ReturnType<typeof readInitModel> | undefined;
  if (p.initFile) initW = readInitModel(p.initFile, p.init ?? p.initFile, p.heads);
  const patch = initW ? initW.recipe.spec.patch : p.patch !== 8 ? p.patch : undefined;
  const side = patch ?? 8;
  const corpusFile = path.join(ctx.jobDir, 'corpus.f32');
  let corpus;
  if (fs.existsSync(corpusFile)) {
    corpus = readCorpus(corpusFile).corpus;
    ctx.log(`resuming: ${corpus.frames.length} frames' tokens from the previous attempt`);
  } else {
    const db = openDatabase(ctx.databasePath, { readonly: true });
    let images: string[];
    try {
      images = corpusImages(db, { datasetIds: p.datasetIds, maxFrames: p.maxFrames });
    } finally {
      db.close();
    }
    if (images.length === 0)
      throw new StudioError(
        'invalid_input',
        `datasets ${p.datasets.join(', ')} hold no frames to pretrain on`,
      );
    checkCorpus(
      { frames: [new Float32Array(0)], h: Math.floor(height / side), w: Math.floor(width / side), dim: 74 },
      p.window,
      p.crop,
      `--size ${p.size}`,
      side,
    );
    corpus = await datasetCorpus(images, {
      datasetIds: p.datasetIds,
      width,
      height,
      maxFrames: p.maxFrames,
      ...(patch ? { patch } : {}),
      signal: ctx.signal,
      onFrame: (done, total) =>
        ctx.progress({
          fraction: 0.1 * (done / total),
          stage: 'tokens',
          message: `filter bank ${done}/${total} frames`,
        }),
    });
    writeCorpus(corpusFile, corpus, { datasets: p.datasetIds });
  }
  let init: ParamMap | undefined;
  if (initW) {
    init = initParams(recipeOf(p, corpus.frames.length, initW.recipe).spec, p.seed);
    for (const [k, v] of initW.encoder) init.set(k, v);
  }
  const recipe = recipeOf(p, corpus.frames.length, initW?.recipe);
  ctx.log(
    `pretraining ${recipe.steps} steps on ${corpus.frames.length} frames (${corpus.w}×${corpus.h} tokens each), D ${recipe.spec.dim}, depth ${recipe.spec.depth}`,
  );
  const runDir = path.join(ctx.jobDir, 'run');
  const t0 = Date.now();
  let startStep = -1;
  let lastLoss = NaN;
  const state = await runPretraining({
    dir: runDir,
    recipe,
    corpus,
    source: p.datasets.join(', '),
    ...(p.threads ? { threads: p.threads } : {}),
    ...(init ? { init } : {}),
    signal: ctx.signal,
    checkpointEvery: 10,
    onMetrics(m, s) {
      if (startStep < 0) startStep = m.step;
      lastLoss = m.loss;
      for (const [name, value] of metricValues(m)) {
        ctx.metric(name, m.step, value);
      }
      if (m.skipped)
        ctx.log(`step ${m.step}: non-finite loss or gradient; step skipped, weights kept`, 'warn');
      ctx.progress({
        fraction: 0.1 + 0.85 * (s.step / recipe.steps),
        step: s.step,
        totalSteps: recipe.steps,
        stage: 'pretrain',
        message: `step ${s.step}/${recipe.steps} loss ${m.loss.toFixed(4)}`,
      });
      if (s.step % 10 === 0) ctx.saveCheckpoint(s.step, { step: s.step });
    },
  });
  void t0;
  ctx.progress({ fraction: 0.96, stage: 'export', message: 'writing the model' });
  const bytes = buildEncoderModel(recipe, state.teacher, {
    source: `pretrain job ${ctx.jobId}`,
    datasets: p.datasets.join(','),
  });
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const dir = path.join(ctx.workspaceRoot, 'models', sha256.slice(0, 16));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.onnx');
  try {
    fs.writeFileSync(`${file}.tmp`, bytes);
    fs.renameSync(`${file}.tmp`, file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new StudioError(
      'internal',
      `${err.code === 'ENOSPC' ? 'disk full' : 'cannot write'} ${file}; the run's checkpoint in ${runDir} is intact — resume the job`,
      { file },
    );
  }
  // The store's check: a real forward at the reference size (320 px at patch 8, 20 tokens a side for
  // raw-pixel models) gives a finite grid of the expected side.
  const probeSide = patch ? 20 : 40;
  const probe = await openOnnxBackbone({
    model: file,
    label: file,
    id: p.name,
    family: 'pretrain',
    patchSize: side,
    sha256,
    provider: 'cpu',
  });
  try {
    const grid = await probe.extract({
      data: probeImage(probeSide * side, probeSide * side),
      n: 1,
      height: probeSide * side,
      width: probeSide * side,
    });
    if (grid.h !== probeSide || grid.w !== probeSide || grid.dim !== recipe.spec.dim)
      throw new StudioError('internal', `${file}: probe forward gave ${grid.w}×${grid.h}×${grid.dim}`);
  } finally {
    await probe.dispose();
  }
  return {
    model: p.name,
    file,
    relFile: path.relative(ctx.workspaceRoot, file),
    sha256,
    bytes: bytes.byteLength,
    steps: recipe.steps,
    frames: corpus.frames.length,
    finalLoss: lastLoss,
    dim: recipe.spec.dim,
    patchSize: side,
    registers: Math.max(0, (recipe.spec.prefix ?? 0) - 1),
  };
}
