// pretrain.start's arguments: defaults of the tiny arch, and the patch size the filter bank fixes.
import { describe, expect, it } from 'vitest';
import { pretrainStartArgs } from '../../../shared/contract/pretrain.js';
import { ARCHS, defaultRecipe } from '../../../main/engine/pretrain/recipe.js';
import { recipeOf } from '../../../main/engine/pretrain/pretrain-worker.js';

describe('pretrain.start arguments', () => {
  it('defaults to the tiny arch and dense distillation; steps follow --epochs', () => {
    const a = pretrainStartArgs.parse({ datasets: ['d'], name: 'm' });
    expect(a).toMatchObject({
      arch: 'tiny',
      depth: 2,
      patch: 8,
      objective: 'dense-distill',
      batch: 4,
      window: 32,
      crop: 20,
    });
    const r = recipeOf({ ...a, epochs: 2, datasetIds: ['d'] }, 100);
    expect(r.steps).toBe(50);
    expect(r.spec.dim).toBe(ARCHS.tiny.dim);
    expect(recipeOf({ ...a, arch: 'small', steps: 7, datasetIds: ['d'] }, 100).spec).toMatchObject({
      dim: 384,
      heads: 6,
    });
  });

  it('takes patch 8 (filter bank tokens) or 14 / 16 (a raw-pixel ViT) and refuses others, saying why', () => {
    const r = pretrainStartArgs.safeParse({ datasets: ['d'], name: 'm', patch: 12 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(
      /--patch is 8 \(the filter bank's 8×8 tokens\) or 14 \/ 16/,
    );
    const px = pretrainStartArgs.parse({ datasets: ['d'], name: 'm', steps: 5, patch: 16 });
    expect(recipeOf({ ...px, datasetIds: ['d'] }, 10).spec).toMatchObject({ patch: 16, inDim: 3 * 16 * 16 });
    expect(
      recipeOf(
        { ...pretrainStartArgs.parse({ datasets: ['d'], name: 'm', steps: 5 }), datasetIds: ['d'] },
        10,
      ).spec.patch,
    ).toBeUndefined();
  });

  it('continued pretraining keeps the init model’s architecture', () => {
    const a = pretrainStartArgs.parse({ datasets: ['d'], name: 'm', steps: 5 });
    const init = defaultRecipe({ arch: 'small', depth: 3 });
    expect(recipeOf({ ...a, datasetIds: ['d'] }, 10, init).spec).toMatchObject({ dim: 384, depth: 3 });
  });
});
