// What pretraining reads: token grids of frames (the filter bank's, h × w × dim each), nothing else.
// There is no field for labels: the objective is label-free by construction.
import { StudioError } from '../../../shared/contract/errors.js';

export interface TokenCorpus {
  /** One grid per frame, h × w × dim row-major. */
  readonly frames: readonly Float32Array[];
  readonly h: number;
  readonly w: number;
  readonly dim: number;
}

/** Refuses a corpus too small for the views: the teacher window and the student crop must fit the grid. */
export function checkCorpus(c: TokenCorpus, window: number, crop: number, source: string, patch = 8): void {
  if (c.frames.length === 0) throw new StudioError('invalid_input', `${source}: no frames to pretrain on`);
  if (c.h < window || c.w < window) {
    throw new StudioError(
      'invalid_input',
      `${source}: frames give a ${c.w}×${c.h} token grid, smaller than the teacher window ${window}×${window} ` +
        `(${window * patch}×${window * patch} px); use larger frames or a smaller --window`,
    );
  }
  if (crop > window)
    throw new StudioError(
      'bad_request',
      `the student crop (${crop}) is larger than the teacher window (${window})`,
    );
}
