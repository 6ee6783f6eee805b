// `cause-studio pretrain --dataset D [--dataset D2 ...] --name N [--arch tiny|small] [--depth L]
//  [--heads H] [--patch 8|14|16] [--objective dense-distill] [--steps S | --epochs E] [--seed S] [--init MODEL]`
// pretrains a backbone label-free on the datasets' frames as a durable job (Ctrl+C cancels; `--resume
// JOB` continues a killed or cancelled run to the same bytes) and registers it in the model store.
// `pretrain export <model> --out FILE.onnx` writes a stored model as a plain ONNX file.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import {
  PRETRAIN_ARCHS,
  PRETRAIN_OBJECTIVES,
  type PretrainResult,
} from '../../../shared/contract/pretrain.js';
import type { CliRuntime } from '../runtime.js';

function num(flag: string, v: string | undefined, integer = true): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new StudioError('bad_request', `${flag} ${v}: expected ${integer ? 'an integer' : 'a number'}`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new StudioError('bad_request', `${flag} ${v}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

interface Flags {
  dataset: string[];
  name?: string;
  arch: string;
  depth?: string;
  heads?: string;
  patch?: string;
  objective: string;
  steps?: string;
  epochs?: string;
  batch?: string;
  window?: string;
  crop?: string;
  lr?: string;
  seed?: string;
  size?: string;
  maxFrames?: string;
  init?: string;
  threads?: string;
  resume?: string;
}

export function register(program: Command, rt: CliRuntime): void {
  const cmd = program
    .command('pretrain')
    .description(
      'pretrain a backbone label-free on your own frames (filter bank + contextual Transformer); registers it as a model',
    )
    .option(
      '--dataset <id>',
      'dataset id or name (repeat for several)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--name <name>', 'name of the model to register')
    .option('--arch <a>', `${PRETRAIN_ARCHS.join(' | ')} (D 192 | 384)`, 'tiny')
    .option('--depth <L>', 'Transformer blocks (default 2)')
    .option('--heads <H>', 'attention heads (default 3 tiny, 6 small)')
    .option('--patch <p>', 'patch size: 8 (the filter bank tokens) or 14 / 16 (a raw-pixel ViT)')
    .option('--objective <o>', PRETRAIN_OBJECTIVES.join(' | '), 'dense-distill')
    .option('--steps <n>', 'optimiser steps')
    .option(
      '--epochs <e>',
      'passes over the frames (steps = epochs × frames / batch), when --steps is not given',
    )
    .option('--batch <n>', 'images per step (default 4)')
    .option('--window <n>', 'teacher window in 8-px tokens (default 32)')
    .option('--crop <n>', 'student crop in 8-px tokens (default 20)')
    .option('--lr <x>', 'peak learning rate (default 5e-4)')
    .option('--seed <s>', 'seed (same seed and threads = same weights)')
    .option('--size <WxH>', 'frames are resized to this before the filter bank (default 640x320)')
    .option('--max-frames <n>', 'use at most this many frames (default 400)')
    .option(
      '--init <model>',
      'continue pretraining this store model (made by pretrain, or a Hugging Face DINOv2 / DINO export)',
    )
    .option('--threads <n>', 'onnxruntime threads')
    .option('--resume <job>', 'resume an interrupted or cancelled pretraining job')
    .action(async (o: Flags) => {
      await rt.withEngine({ runJobs: true }, async (engine) => {
        let jobId: string;
        if (o.resume) {
          jobId = (await engine.call('jobs.resume', { id: o.resume })).id;
        } else {
          if (o.dataset.length === 0)
            throw new StudioError(
              'bad_request',
              'pretrain: --dataset is required (repeat it for several datasets)',
            );
          if (!o.name)
            throw new StudioError(
              'bad_request',
              'pretrain: --name is required (the model is registered under it)',
            );
          const opt = <K extends string>(k: K, v: number | undefined) =>
            v === undefined ? {} : ({ [k]: v } as Record<K, number>);
          ({ jobId } = await engine.call('pretrain.start', {
            datasets: o.dataset,
            name: o.name,
            arch: oneOf('--arch', o.arch, PRETRAIN_ARCHS),
            objective: oneOf('--objective', o.objective, PRETRAIN_OBJECTIVES),
            ...opt('depth', num('--depth', o.depth)),
            ...opt('heads', num('--heads', o.heads)),
            ...opt('patch', num('--patch', o.patch)),
            ...opt('steps', num('--steps', o.steps)),
            ...opt('epochs', num('--epochs', o.epochs, false)),
            ...opt('batch', num('--batch', o.batch)),
            ...opt('window', num('--window', o.window)),
            ...opt('crop', num('--crop', o.crop)),
            ...opt('lr', num('--lr', o.lr, false)),
            ...opt('seed', num('--seed', o.seed)),
            ...opt('maxFrames', num('--max-frames', o.maxFrames)),
            ...opt('threads', num('--threads', o.threads)),
            ...(o.size ? { size: o.size } : {}),
            ...(o.init ? { init: o.init } : {}),
          }));
        }
        await rt.runJob(engine, jobId, 'pretrain');
        const r = (await engine.call('jobs.get', { id: jobId })).result as PretrainResult;
        rt.print(
          { jobId, ...r },
          () =>
            `model '${r.model}' registered (D ${r.dim}, ${r.steps} steps on ${r.frames} frames, final loss ${r.finalLoss.toFixed(4)}): ${r.file}`,
        );
      });
    });
  cmd
    .command('export <model>')
    .description('write a stored model as a plain .onnx file ([B,3,H,W] → [B,T,D])')
    .option('--out <file>', 'the .onnx file to write')
    .action(async (model: string, o: { out?: string }) => {
      if (!o.out) throw new StudioError('bad_request', 'pretrain export: --out FILE.onnx is required');
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const r = await engine.call('pretrain.export', { name: model, out: o.out! });
        rt.print(r, () => `${model} written to ${r.file} (${r.bytes} bytes)`);
      });
    });
}
