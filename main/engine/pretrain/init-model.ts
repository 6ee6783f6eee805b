// `pretrain --init <model>`: reads the encoder weights back from a store model made by `pretrain` (its
// metadata holds the recipe and which initializer is which parameter) or from a Hugging Face DINOv2 /
// DINO export (hf-import.ts). Other layouts are refused with the reason, before a job starts.
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { modelType } from '../onnx/onnx-schema.js';
import { importHfVit, type OnnxTensor as TensorMsg } from './hf-import.js';
import { encoderParamNames, paramSize, type ParamMap } from './params.js';
import { defaultRecipe, type PretrainRecipe } from './recipe.js';

export interface InitWeights {
  readonly recipe: PretrainRecipe;
  readonly encoder: ParamMap;
}

export function readInitModel(file: string, label: string, heads?: number): InitWeights {
  let model: { graph?: { initializer?: TensorMsg[] }; metadataProps?: { key: string; value: string }[] };
  try {
    model = modelType().decode(fs.readFileSync(file)) as unknown as typeof model;
  } catch (e) {
    throw new StudioError(
      'invalid_input',
      `${label}: cannot read ${file} as ONNX (${(e as Error).message})`,
      { file },
    );
  }
  const meta = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value]));
  if (!meta.recipe || !meta.params) {
    const hf = importHfVit(
      new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t])),
      label,
      heads,
    );
    if (hf) {
      // The encoder's architecture is the export's; the head and the schedule come from the job's options.
      const base = defaultRecipe();
      return { recipe: { ...base, spec: { ...base.spec, ...hf.spec } }, encoder: hf.encoder };
    }
    throw new StudioError(
      'invalid_input',
      `${label}: unsupported layout for --init — continued pretraining reads models made by \`cause-studio pretrain\` ` +
        '(with their recipe in the metadata) and Hugging Face DINOv2 / DINO exports (initializers named embeddings.patch_embeddings.projection.weight, ' +
        'encoder.layer.N.attention.attention.query.weight, ...); this model is neither (an MAE export or a timm/fused-qkv export is not supported)',
      { file },
    );
  }
  const recipe = JSON.parse(meta.recipe) as PretrainRecipe;
  const names = JSON.parse(meta.params) as Record<string, string>;
  const inits = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const encoder: ParamMap = new Map();
  for (const name of encoderParamNames(recipe.spec)) {
    const t = inits.get(names[name] ?? '');
    const n = paramSize(recipe.spec, name);
    const raw = t?.rawData;
    if (!raw || raw.byteLength !== 4 * n)
      throw new StudioError(
        'invalid_input',
        `${label}: parameter ${name} is missing or has the wrong size in ${file}`,
        { file },
      );
    encoder.set(name, new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  }
  return { recipe, encoder };
}
