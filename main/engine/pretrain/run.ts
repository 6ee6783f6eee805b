// A pretraining run in a folder: `checkpoint.bin` (resumable state, every `checkpointEvery` steps and at
// the end) and `metrics.jsonl` (one line per step). Started again on the same folder it resumes from the
// checkpoint, drops the metric lines after it, and continues to the same bytes as an uninterrupted run.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import type { TokenCorpus } from './corpus.js';
import { checkCorpus } from './corpus.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { ParamMap } from './params.js';
import type { PretrainRecipe } from './recipe.js';
import {
  freshState,
  openStepSessions,
  pretrainStep,
  type PretrainState,
  type StepMetrics,
} from './trainer.js';

export interface RunOptions {
  readonly dir: string;
  readonly recipe: PretrainRecipe;
  readonly corpus: TokenCorpus;
  /** Names the data in errors. */
  readonly source: string;
  readonly threads?: number;
  readonly checkpointEvery?: number;
  /** Starting weights (continued pretraining); ignored when resuming. */
  readonly init?: ParamMap;
  readonly signal?: AbortSignal;
  readonly onMetrics?: (m: StepMetrics, state: PretrainState) => void;
  /** Stop (as if killed) after this step, for tests. */
  readonly stopAfter?: number;
}

export const CHECKPOINT_FILE = 'checkpoint.bin';
export const METRICS_FILE = 'metrics.jsonl';

/** One metrics line; a full disk is named, and the checkpoint (written before this step) is intact. */
function appendMetrics(file: string, m: StepMetrics, ckpt: string): void {
  try {
    fs.appendFileSync(file, JSON.stringify(m) + '\n');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'disk full' : err.message;
    throw new StudioError(
      'internal',
      `${why} while writing ${file} at step ${m.step}; the checkpoint ${ckpt} is intact — free space and resume`,
      { file },
    );
  }
}

function sameRecipe(a: PretrainRecipe, b: PretrainRecipe): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function runPretraining(o: RunOptions): Promise<PretrainState> {
  const { recipe, corpus, dir } = o;
  checkCorpus(corpus, recipe.window, recipe.crop, o.source, recipe.spec.patch ?? 8);
  fs.mkdirSync(dir, { recursive: true });
  const ckpt = path.join(dir, CHECKPOINT_FILE);
  const metricsFile = path.join(dir, METRICS_FILE);
  let state: PretrainState;
  if (fs.existsSync(ckpt)) {
    const saved = readCheckpoint(ckpt);
    if (!sameRecipe(saved.recipe, recipe)) {
      throw new StudioError(
        'conflict',
        `${ckpt} was written by a different recipe; use a new run folder or the same options to resume`,
        { file: ckpt },
      );
    }
    state = saved.state;
    // Metric lines after the checkpoint belong to steps that will run again.
    const lines = fs.existsSync(metricsFile)
      ? fs
          .readFileSync(metricsFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
      : [];
    const kept = lines.filter((l) => (JSON.parse(l) as StepMetrics).step < state.step);
    fs.writeFileSync(metricsFile, kept.map((l) => l + '\n').join(''));
  } else {
    state = freshState(recipe, o.init);
    fs.writeFileSync(metricsFile, '');
  }
  const sessions = await openStepSessions(recipe, o.threads);
  const every = o.checkpointEvery ?? 25;
  try {
    while (state.step < recipe.steps) {
      if (o.signal?.aborted) {
        writeCheckpoint(ckpt, recipe, state);
        throw new StudioError(
          'cancelled',
          `pretraining cancelled at step ${state.step}; resume with the same folder`,
        );
      }
      const m = await pretrainStep(recipe, corpus, state, sessions);
      appendMetrics(metricsFile, m, ckpt);
      o.onMetrics?.(m, state);
      if (state.step % every === 0 || state.step === recipe.steps) writeCheckpoint(ckpt, recipe, state);
      if (o.stopAfter !== undefined && state.step >= o.stopAfter) break;
    }
  } finally {
    await Promise.all([sessions.teacher.release(), sessions.student.release()]);
  }
  return state;
}
