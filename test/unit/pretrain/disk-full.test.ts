// A full disk mid-run, for real: the next checkpoint's temporary file is a link to /dev/full, so the
// kernel answers the write with ENOSPC. The run stops with "disk full" and the file named, the previous
// checkpoint is still the one on disk, and once there is space again the run resumes from it to the
// same bytes as a run that never hit the full disk. (Linux only: skipped where /dev/full is absent.)
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint, readCheckpoint } from '../../../main/engine/pretrain/checkpoint.js';
import { defaultRecipe, type PretrainRecipe } from '../../../main/engine/pretrain/recipe.js';
import { CHECKPOINT_FILE, runPretraining } from '../../../main/engine/pretrain/run.js';
import { mulberry32 } from '../../../shared/random.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const r = mulberry32(4);
const corpus = {
  frames: Array.from({ length: 3 }, () => Float32Array.from({ length: 6 * 6 * 10 }, () => r() * 2 - 1)),
  h: 6,
  w: 6,
  dim: 10,
};
const base = defaultRecipe({
  steps: 6,
  batch: 2,
  cropsPerImage: 1,
  window: 5,
  crop: 3,
  warmupSteps: 1,
  seed: 2,
});
const recipe: PretrainRecipe = {
  ...base,
  spec: { inDim: 10, dim: 8, depth: 1, heads: 2, ffnDim: 16, headHidden: 12, bottleneck: 6, prototypes: 8 },
};
const run = (dir: string) =>
  runPretraining({ dir, recipe, corpus, source: 'test', threads: 1, checkpointEvery: 2 });

describe.skipIf(!fs.existsSync('/dev/full'))('pretraining on a full disk', () => {
  it('stops naming the cause, keeps the last checkpoint, and resumes to the same bytes once there is space', async () => {
    const dir = path.join(tmp.dir, 'full');
    await runPretraining({
      dir,
      recipe,
      corpus,
      source: 'test',
      threads: 1,
      checkpointEvery: 2,
      stopAfter: 2,
    });
    const ckpt = path.join(dir, CHECKPOINT_FILE);
    const before = fs.readFileSync(ckpt);
    fs.symlinkSync('/dev/full', `${ckpt}.tmp`);
    await expect(run(dir)).rejects.toThrow(
      /disk full while writing the checkpoint .*checkpoint\.bin; the previous checkpoint \(if any\) is intact — free space and resume/,
    );
    expect(fs.readFileSync(ckpt).equals(before)).toBe(true);
    expect(readCheckpoint(ckpt).state.step).toBe(2);
    // Space again (the failed write removed its temporary link): resume.
    const resumed = await run(dir);
    const straight = await run(path.join(tmp.dir, 'straight'));
    expect(encodeCheckpoint(recipe, resumed).equals(encodeCheckpoint(recipe, straight))).toBe(true);
  });
});
