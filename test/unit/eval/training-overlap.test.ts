// The evaluation counts training frames with its own copy of the trainer's image choice (the host does
// not load TensorFlow.js): the two must pick the same items.
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../shared/contract/experiments.js';
import { trainSchedule } from '../../../main/engine/cause/trainer.js';
import { trainedItemIndices } from '../../../main/engine/eval/training-overlap.js';

describe('trainedItemIndices', () => {
  it('picks the items trainSchedule trains on', () => {
    for (const count of [1, 7, 90, 451]) {
      for (const maxImages of [null, 1, 5, 64, 1000]) {
        const config = { ...presetConfig('fast', 'kmeans', 8, 4), maxImages };
        expect(trainedItemIndices(count, maxImages)).toEqual(Array.from(trainSchedule(config, count).images));
      }
    }
  });
});
