// 'pretrain.start' checks everything it can before a job exists (datasets, the model name, the views
// against the frame size, the --init model's layout) so bad input is an immediate, named error;
// 'pretrain.export' writes a stored model as a plain .onnx file.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { findDatasetRow } from '../db/queries/datasets.js';
import { getModelByName } from '../db/queries/models.js';
import { readInitModel } from '../pretrain/init-model.js';
import { PRETRAIN_JOB_KIND } from '../pretrain/pretrain-job.js';
import { readMetricSeries } from '../pretrain/metrics.js';
import type { HandlerGroup } from './handler-types.js';

export const pretrainHandlers: HandlerGroup<'pretrain.start' | 'pretrain.metrics' | 'pretrain.export'> = {
  'pretrain.start': (args, ctx) => {
    const datasetIds = args.datasets.map((d) => {
      const row = findDatasetRow(ctx.db, d);
      if (!row) throw new StudioError('not_found', `no dataset '${d}' (see \`cause-studio datasets list\`)`);
      return row.id;
    });
    if (getModelByName(ctx.db, args.name))
      throw new StudioError('conflict', `a model named '${args.name}' already exists; pick another --name`);
    let initFile: string | undefined;
    let patch = args.patch;
    if (args.init) {
      const row = getModelByName(ctx.db, args.init);
      if (!row)
        throw new StudioError(
          'not_found',
          `--init ${args.init}: no such model in the store (see \`cause-studio models list\`)`,
        );
      initFile = path.join(ctx.workspace.root, row.file);
      // Refuses unsupported layouts now, not in the job; the init model's patch size is the run's.
      patch = readInitModel(initFile, `--init ${args.init}`, args.heads).recipe.spec.patch ?? 8;
    }
    const [w, h] = args.size.split('x').map(Number) as [number, number];
    if (w % patch !== 0 || h % patch !== 0)
      throw new StudioError(
        'bad_request',
        `--size ${args.size}: sides must be multiples of the patch size ${patch}`,
      );
    if (w / patch < args.window || h / patch < args.window) {
      throw new StudioError(
        'bad_request',
        `--size ${args.size} gives a ${w / patch}×${h / patch} token grid (patch ${patch}), smaller than the teacher window ${args.window}×${args.window}; use a larger --size or a smaller --window`,
      );
    }
    if (args.crop > args.window)
      throw new StudioError('bad_request', `--crop ${args.crop} is larger than --window ${args.window}`);
    return {
      jobId: ctx.jobs.submit(PRETRAIN_JOB_KIND, { ...args, datasetIds, ...(initFile ? { initFile } : {}) })
        .id,
    };
  },
  'pretrain.metrics': ({ jobId }, ctx) => {
    if (ctx.jobs.summary(jobId).kind !== PRETRAIN_JOB_KIND)
      throw new StudioError('not_found', `no pretraining job '${jobId}'`);
    return readMetricSeries(ctx.jobs.jobDir(jobId));
  },
  'pretrain.export': (args, ctx) => {
    const row = getModelByName(ctx.db, args.name);
    if (!row) throw new StudioError('not_found', `no model '${args.name}' in the store`);
    const src = path.join(ctx.workspace.root, row.file);
    const out = path.resolve(args.out);
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.copyFileSync(src, out);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new StudioError(
        'io_error',
        `cannot write ${out}: ${err.code === 'ENOSPC' ? 'disk full' : err.message}`,
        { file: out },
      );
    }
    return { file: out, bytes: fs.statSync(out).size };
  },
};
