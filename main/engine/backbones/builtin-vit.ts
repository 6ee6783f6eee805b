// `builtin-vit`: the learned built-in backbone the studio pretrained itself (`npm run pretrain:builtin`,
// label-free, on SynthDrive worlds disjoint from every scored world): the filter bank as ONNX operators
// feeding a small Transformer encoder, shipped as assets/models/builtin-vit.onnx with its recipe and
// loss curve in builtin-vit.json. It runs through the ONNX backbone like any export; its cache id is
// the asset's sha256, so a re-trained asset never reuses stale features.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { IMAGENET_MEAN, IMAGENET_STD, type Backbone, type BackboneDescriptor } from './backbone.js';
import { openOnnxBackbone, type OnnxBackboneOptions } from './onnx-backbone.js';

export const BUILTIN_VIT_ID = 'builtin-vit';

export function builtinVitFiles(root = PACKAGE_ROOT): { model: string; info: string } {
  const dir = path.join(root, 'assets', 'models');
  return { model: path.join(dir, 'builtin-vit.onnx'), info: path.join(dir, 'builtin-vit.json') };
}

let cached: BackboneDescriptor | null | undefined;

/** The descriptor, or null when the asset is not there (a checkout without it). */
export function builtinVitDescriptor(): BackboneDescriptor | null {
  if (cached !== undefined) return cached;
  const files = builtinVitFiles();
  if (!fs.existsSync(files.model) || !fs.existsSync(files.info)) return (cached = null);
  const info = JSON.parse(fs.readFileSync(files.info, 'utf8')) as { sha256: string; dim: number };
  cached = {
    id: BUILTIN_VIT_ID,
    // 'onnx': it runs as an ONNX model, and feature extraction sizes its batches by attention memory.
    kind: 'onnx',
    family: 'builtin-vit',
    patchSize: 8,
    dim: info.dim,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    fixedSize: null,
    cacheId: `builtin-vit@${info.sha256.slice(0, 16)}`,
  };
  return cached;
}

export async function openBuiltinVit(options: Pick<OnnxBackboneOptions, 'provider' | 'threads' | 'onLog'> = {}): Promise<Backbone> {
  const d = builtinVitDescriptor();
  if (!d) throw new StudioError('not_found', `backbone ${BUILTIN_VIT_ID}: ${builtinVitFiles().model} is missing (run \`npm run pretrain:builtin\` to make it)`);
  const b = await openOnnxBackbone({
    model: builtinVitFiles().model,
    label: BUILTIN_VIT_ID,
    id: BUILTIN_VIT_ID,
    family: d.family,
    patchSize: 8,
    sha256: null,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    ...options,
  });
  // The ONNX backbone under the built-in's identity (id and cache id).
  return {
    ...d,
    get dim() {
      return b.dim;
    },
    provider: b.provider,
    extract: (batch) => b.extract(batch),
    dispose: () => b.dispose(),
  };
}
