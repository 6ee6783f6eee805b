// The pretrained encoder as a backbone file: the filter bank (as ONNX ops) feeding the encoder, one
// model `pixel_values` [B,3,H,W] → `last_hidden_state` [B, h·w, D]. Its input is normalised with the
// ImageNet mean and std like every ViT export (the graph undoes it before the filter bank, which reads
// RGB in [0,1]), so `models add` of the exported file needs no special case. It has no class
// token and needs no fixed size; the store reads its patch size (8) from the filter bank's patch-mean
// convolution and runs it like any ViT export. The projection head is not part of it.
// A raw-pixel spec (`patch`, e.g. continued from a DINOv2 export) is written in that export's layout
// instead: patch Conv, the fixed position embedding resized to the input's grid, CLS + register tokens
// in front, so the output is [B, prefix + h·w, D] and the store drops the prefix as for DINOv2.
import { GraphBuilder, ints } from '../onnx/graph-builder.js';
import { resizePos } from './pos-embed.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../backbones/backbone.js';
import { filterBankGraph, tokensOf } from '../onnx/filter-bank-graph.js';
import { encoderForward, encoderOps } from './encoder-graph.js';
import { encoderParamNames, paramShape, type ParamMap } from './params.js';
import type { PretrainRecipe } from './recipe.js';

export function buildEncoderModel(
  recipe: PretrainRecipe,
  params: ReadonlyMap<string, Float32Array> | ParamMap,
  metadata: Record<string, string> = {},
): Uint8Array {
  const g = new GraphBuilder();
  const o = encoderOps(g);
  const image = g.input('pixel_values', ['batch', 3, 'height', 'width']);
  const spec = recipe.spec;
  // The filter bank's nodes come before the parameters, as when the shipped asset was written: the
  // initializer numbering, and so the bytes, stay those `npm run pretrain:builtin` reproduces.
  const tokens0 = spec.patch
    ? null
    : tokensOf(
        g,
        filterBankGraph(
          g,
          o.add(
            o.mul(image, g.floats('std', [1, 3, 1, 1], Float32Array.from(IMAGENET_STD))),
            g.floats('mean', [1, 3, 1, 1], Float32Array.from(IMAGENET_MEAN)),
          ),
        ),
      );
  const names = new Map<string, string>();
  for (const name of encoderParamNames(spec))
    names.set(name, g.floats(name.replace(/\./g, '_'), paramShape(spec, name), params.get(name)!));
  const P = (n: string) => names.get(n)!;
  // Which initializer holds which parameter: what `pretrain --init` reads to continue from this model.
  const paramMap = JSON.stringify(Object.fromEntries(names));
  let enc;
  if (spec.patch) {
    const p = spec.patch;
    const D = spec.dim;
    const kernel = o.reshape(o.transpose(P('embed.w'), [1, 0]), D, 3, p, p);
    const conv = g.op('Conv', [image, kernel, P('embed.b')], {
      kernel_shape: ints([p, p]),
      strides: ints([p, p]),
    });
    const tokens = o.transpose(o.reshape(conv, 0, D, -1), [0, 2, 1]);
    const hw = o.slice(g.op('Shape', [conv]), 2, 4, 0);
    const pos = spec.posGrid ? resizePos(o, P('pos'), spec.posGrid[0], spec.posGrid[1], D, hw) : undefined;
    enc = encoderForward(o, spec, P, tokens, null, { embedded: true, ...(pos ? { pos } : {}) });
  } else {
    enc = encoderForward(o, spec, P, tokens0!, null);
  }
  o.identity(enc.y, 'last_hidden_state');
  g.output('last_hidden_state', ['batch', 'tokens', recipe.spec.dim]);
  return g.toBytes({
    producer: 'cause-studio pretrain',
    metadata: {
      patch_size: String(spec.patch ?? 8),
      recipe: JSON.stringify(recipe),
      params: paramMap,
      ...metadata,
    },
  });
}
