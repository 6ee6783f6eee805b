// Which feature items train, in which order, and how many steps each stage takes. A pure function of the
// config and the item count (no trainer state), so the trainer, the k-means baseline and the scripts
// share it and a resumed run finds its place again without storing the order.
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { Prng } from './prng.js';

export interface Schedule {
  readonly images: Int32Array;
  readonly stepsPerEpoch: number;
  readonly epochs: readonly [number, number, number];
  readonly stageSteps: readonly [number, number, number];
  readonly totalSteps: number;
}

/** Which items train and how many steps each stage takes. */
export function trainSchedule(config: TrainConfig, count: number): Schedule {
  const n = config.maxImages === null ? count : Math.min(count, config.maxImages);
  const images = new Int32Array(n);
  // Evenly spaced so a limited run still sees the whole drive, not only its first sequence.
  for (let i = 0; i < n; i++) images[i] = Math.floor((i * count) / n);
  const stepsPerEpoch = Math.ceil(n / config.batchSize);
  const epochs = [config.step1.epochs, config.step2.epochs, config.step3.epochs] as const;
  const stageSteps = [epochs[0] * stepsPerEpoch, epochs[1] * stepsPerEpoch, epochs[2] * stepsPerEpoch] as const;
  return { images, stepsPerEpoch, epochs, stageSteps, totalSteps: stageSteps[0] + stageSteps[1] + stageSteps[2] };
}

/** The items of one step; the order of an epoch comes from (seed, stage, epoch) only, so resume needs no state. */
export function batchItems(config: TrainConfig, schedule: Schedule, stage: number, stageStep: number): number[] {
  const epoch = Math.floor(stageStep / schedule.stepsPerEpoch);
  const within = stageStep % schedule.stepsPerEpoch;
  const perm = new Prng((config.seed ^ Math.imul(stage + 1, 0x27d4eb2d) ^ Math.imul(epoch + 1, 0x165667b1)) >>> 0).permutation(
    schedule.images.length,
  );
  const out: number[] = [];
  for (let j = within * config.batchSize; j < Math.min(perm.length, (within + 1) * config.batchSize); j++) {
    out.push(schedule.images[perm[j]!]!);
  }
  return out;
}
