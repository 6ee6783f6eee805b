// The chaos workload: a small end-to-end run in which every job kind takes part — synth (two worlds),
// import (a Cityscapes folder tree and a video), features, pretraining, training (k-means, CAUSE-MLP,
// CAUSE-TR), predict, eval, video and label export, a bundle and a one-cell study. Each step is
// idempotent: run again after the engine was killed, it adopts the job it had submitted (or one whose
// submission answer was lost with the engine) and waits for it to resume, or submits it if none exists.
import path from 'node:path';
import type { JobSummary } from '../../shared/contract/jobs.js';
import type { StudyVariantSpec } from '../../shared/contract/study.js';
import type { Engine } from '../../main/engine/engine.js';
import { runStudy } from '../../main/engine/study/study-runner.js';
import type { StudioClient } from './served-engine.js';

export const SYNTH = { sequences: 1, frames: 4, size: '128x64' } as const;
export const CLUSTERS = 6;

/** Small CAUSE budgets: a few steps of each stage, a checkpoint every other step so kills land between. */
const CAUSE_OVERRIDES = {
  concepts: 32,
  headDim: 16,
  projDim: 32,
  ffnDim: 64,
  bankPerConcept: 4,
  batchSize: 2,
  checkpointEvery: 2,
  step1: { lr: 4e-3, epochs: 2 },
  step2: { lr: 4e-3, epochs: 2 },
  step3: { lr: 1e-3, epochs: 2, decayEvery: 2, decayFactor: 0.5 },
};
const KMEANS_OVERRIDES = { kmeans: { maxIterations: 20, maxTokens: 4000 } };

export interface WorkloadIds {
  datasets: Record<string, string>;
  experiments: Record<string, string>;
  /** step key → the job it ran (adopted across kills). */
  jobs: Record<string, string>;
}

export interface WorkloadContext {
  /** The client of the engine now running; replaced after every restart. */
  client(): StudioClient;
  readonly home: string;
  readonly ids: WorkloadIds;
  /** Called with every job the workload waits on (the kill scheduler aims at running ones). */
  onJob?(key: string, jobId: string): void;
}

export interface WorkloadStep {
  readonly key: string;
  run(ctx: WorkloadContext): Promise<void>;
}

export const outDir = (home: string) => path.join(home, 'out');
export const workspaceDir = (home: string) => path.join(home, 'ws');

async function waitOk(ctx: WorkloadContext, key: string, jobId: string): Promise<JobSummary> {
  ctx.onJob?.(key, jobId);
  const s = await ctx.client().call<JobSummary>('jobs.wait', { id: jobId });
  if (s.state !== 'succeeded') throw new Error(`${key}: job ${jobId} ${s.state}: ${s.error ?? ''}`);
  return s;
}

/**
 * Runs the step's job exactly once across kills. A submission whose answer was lost is found again as
 * the newest job of its kind that no step has claimed.
 */
async function once(ctx: WorkloadContext, key: string, kind: string, submit: () => Promise<string>): Promise<void> {
  let id = ctx.ids.jobs[key];
  if (!id) {
    const claimed = new Set(Object.values(ctx.ids.jobs));
    const jobs = await ctx.client().call<JobSummary[]>('jobs.list', { limit: 1000 });
    id = jobs.find((j) => j.kind === kind && !claimed.has(j.id))?.id;
    if (!id) id = await submit();
    ctx.ids.jobs[key] = id;
  }
  await waitOk(ctx, key, id);
}

async function datasetByName(ctx: WorkloadContext, name: string): Promise<string | undefined> {
  const all = await ctx.client().call<{ id: string; name: string }[]>('datasets.list', {});
  return all.find((d) => d.name === name)?.id;
}

async function experimentByName(ctx: WorkloadContext, name: string): Promise<{ id: string; trainJobId: string | null } | undefined> {
  const all = await ctx.client().call<{ id: string; name: string; trainJobId: string | null }[]>('experiments.list', {});
  return all.find((e) => e.name === name);
}

const synth = (key: string, split: 'train' | 'val', seed: number): WorkloadStep => ({
  key,
  run: (ctx) =>
    once(ctx, key, 'synth.generate', async () => {
      const r = await ctx.client().call<{ jobId: string }>('synth.generate', { out: path.join(outDir(ctx.home), key), ...SYNTH, seed, split });
      return r.jobId;
    }),
});

const importStep = (name: string, source: (home: string) => string, args: Record<string, unknown>): WorkloadStep => ({
  key: `import-${name}`,
  run: async (ctx) => {
    const key = `import-${name}`;
    let jobId = ctx.ids.jobs[key];
    if (!jobId) {
      // The dataset row and its import job are written together, so a found dataset names its job.
      const existing = await datasetByName(ctx, name);
      if (existing) {
        const jobs = await ctx.client().call<JobSummary[]>('jobs.list', { limit: 1000 });
        const claimed = new Set(Object.values(ctx.ids.jobs));
        jobId = jobs.find((j) => j.kind === 'datasets.import' && !claimed.has(j.id))!.id;
        ctx.ids.datasets[name] = existing;
      } else {
        const r = await ctx.client().call<{ jobId: string; datasetId: string }>('datasets.import', { path: source(ctx.home), name, ...args });
        jobId = r.jobId;
        ctx.ids.datasets[name] = r.datasetId;
      }
      ctx.ids.jobs[key] = jobId;
    }
    await waitOk(ctx, key, jobId);
  },
});

const features = (dataset: string, backbone: string): WorkloadStep => {
  const key = `features-${backbone}-${dataset}`;
  return {
    key,
    run: (ctx) =>
      once(ctx, key, 'features.extract', async () => {
        const r = await ctx.client().call<{ id: string }>('features.extract', { datasetId: ctx.ids.datasets[dataset]!, backbone });
        return r.id;
      }),
  };
};

const train = (name: string, method: string, overrides: Record<string, unknown>, backbone = 'rgb'): WorkloadStep => ({
  key: `train-${name}`,
  run: async (ctx) => {
    const key = `train-${name}`;
    let jobId = ctx.ids.jobs[key];
    if (!jobId) {
      let exp = await experimentByName(ctx, name);
      if (!exp) {
        const r = await ctx.client().call<{ experimentId: string; jobId: string }>('experiments.create', {
          datasetId: ctx.ids.datasets.train!,
          backbone,
          method,
          clusters: CLUSTERS,
          preset: 'fast',
          seed: 7,
          backend: 'wasm',
          name,
          overrides,
        });
        exp = { id: r.experimentId, trainJobId: r.jobId };
      }
      ctx.ids.experiments[name] = exp.id;
      jobId = exp.trainJobId ?? (await ctx.client().call<{ jobId: string }>('experiments.train', { id: exp.id })).jobId;
      ctx.ids.jobs[key] = jobId;
    }
    await waitOk(ctx, key, jobId);
  },
});

const predict = (exp: string, dataset: string): WorkloadStep => {
  const key = `predict-${exp}-${dataset}`;
  return {
    key,
    run: (ctx) =>
      once(ctx, key, 'experiments.predict', async () => {
        const r = await ctx.client().call<{ jobId: string }>('experiments.predict', { id: ctx.ids.experiments[exp]!, datasetId: ctx.ids.datasets[dataset]! });
        return r.jobId;
      }),
  };
};

const evaluate = (exp: string): WorkloadStep => {
  const key = `eval-${exp}`;
  return {
    key,
    run: (ctx) =>
      once(ctx, key, 'eval.histogram', async () => {
        const r = await ctx.client().call<{ jobId: string | null }>('eval.run', {
          experimentId: ctx.ids.experiments[exp]!,
          datasetId: ctx.ids.datasets.train!,
          protocol: 'cityscapes-27',
          geometry: 'full',
          force: true,
        });
        if (!r.jobId) throw new Error(`${key}: eval.run started no job`);
        return r.jobId;
      }),
  };
};

export const VIDEO_NAME = 'video.mp4';
export const LABELS_NAME = 'labels';
export const BUNDLE_NAME = 'mlp.bundle';

/** Every step, in order; a study is the last (its cells reuse the datasets and features above). */
export function workloadSteps(): WorkloadStep[] {
  return [
    synth('train', 'train', 11),
    synth('val', 'val', 11),
    importStep('train', (h) => path.join(outDir(h), 'train'), { format: 'cityscapes' }),
    importStep('val', (h) => path.join(outDir(h), 'val'), { format: 'cityscapes' }),
    importStep('clip', (h) => path.join(outDir(h), 'clip.mp4'), { width: 128, cacheFormat: 'png' }),
    features('train', 'rgb'),
    features('val', 'rgb'),
    features('clip', 'rgb'),
    {
      key: 'pretrain',
      run: (ctx) =>
        once(ctx, 'pretrain', 'pretrain.run', async () => {
          const r = await ctx.client().call<{ jobId: string }>('pretrain.start', {
            datasets: [ctx.ids.datasets.train!],
            name: 'chaos-pt',
            depth: 1,
            steps: 6,
            batch: 2,
            window: 8,
            crop: 6,
            size: '128x64',
            maxFrames: 8,
            threads: 1,
          });
          return r.jobId;
        }),
    },
    features('train', 'chaos-pt'),
    train('kmeans', 'kmeans', KMEANS_OVERRIDES),
    train('mlp', 'cause-mlp', CAUSE_OVERRIDES),
    train('tr', 'cause-tr', CAUSE_OVERRIDES),
    train('mlp-pt', 'cause-mlp', CAUSE_OVERRIDES, 'chaos-pt'),
    predict('kmeans', 'train'),
    predict('mlp', 'train'),
    predict('tr', 'train'),
    predict('mlp-pt', 'train'),
    predict('mlp', 'clip'),
    evaluate('kmeans'),
    evaluate('mlp'),
    evaluate('tr'),
    {
      key: 'export-video',
      run: async (ctx) => {
        const seq = (await ctx.client().call<{ id: string }[]>('datasets.sequences', { id: ctx.ids.datasets.train! }))[0]!;
        await once(ctx, 'export-video', 'exports.video', async () => {
          const r = await ctx.client().call<{ jobId: string }>('exports.video', {
            experimentId: ctx.ids.experiments.mlp!,
            sequenceId: seq.id,
            mode: 'side-by-side',
            fps: 5,
            out: path.join(outDir(ctx.home), VIDEO_NAME),
            force: true,
          });
          return r.jobId;
        });
      },
    },
    {
      key: 'export-labels',
      run: (ctx) =>
        once(ctx, 'export-labels', 'exports.labels', async () => {
          const r = await ctx.client().call<{ jobId: string }>('exports.labels', {
            experimentId: ctx.ids.experiments.mlp!,
            format: 'cityscapes',
            out: path.join(outDir(ctx.home), LABELS_NAME),
            force: true,
          });
          return r.jobId;
        }),
    },
    {
      key: 'bundle',
      // Not a job: a kill mid-call is answered by calling again (force replaces what a dead call left).
      run: async (ctx) => {
        await ctx.client().call('bundles.export', { experimentId: ctx.ids.experiments.mlp!, out: path.join(outDir(ctx.home), BUNDLE_NAME), force: true });
      },
    },
    {
      key: 'study',
      run: async (ctx) => {
        const variant: StudyVariantSpec = { name: 'mini', method: 'cause-mlp', overrides: { ...CAUSE_OVERRIDES, backend: 'wasm', step3: { ...CAUSE_OVERRIDES.step3, variant: 'kmeans' } } };
        // The runner needs only `call` and the workspace root from its engine; here both come over the socket.
        const engine = {
          call: (m: string, a: unknown) => ctx.client().call(m, a),
          workspace: { root: workspaceDir(ctx.home) },
        } as unknown as Engine;
        await runStudy(engine, {
          name: 'chaos',
          trainDatasetId: ctx.ids.datasets.train!,
          evalDatasetId: ctx.ids.datasets.val!,
          variants: [variant],
          backbones: ['rgb'],
          seeds: [3],
          preset: 'fast',
          clusters: CLUSTERS,
          overrides: {},
          waitJob: (jobId, label) => waitOk(ctx, `study ${label}`, jobId),
        });
      },
    },
  ];
}

