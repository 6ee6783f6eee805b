// The pretrained encoder as a backbone file: the filter bank (as ONNX ops) feeding the encoder, one
// model `pixel_values` [B,3,H,W] → `last_hidden_state` [B, h·w, D]. Its input is normalised with the
// ImageNet mean and std like every ViT export (the graph undoes it before the filter bank, which reads
// RGB in [0,1]), so `models add` of the exported file needs no special case. It has no class
// token and needs no fixed size; the store reads its patch size (8) from the filter bank's patch-mean
// convolution and runs it like any ViT export. The projection head is not part of it.
import { GraphBuilder } from '../onnx/graph-builder.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../backbones/backbone.js';
import { filterBankGraph, tokensOf } from '../onnx/filter-bank-graph.js';
import { encoderForward, encoderOps } from './encoder-graph.js';
import { encoderParamNames, paramShape, type ParamMap } from './params.js';
import type { PretrainRecipe } from './recipe.js';

export function buildEncoderModel(recipe: PretrainRecipe, params: ReadonlyMap<string, Float32Array> | ParamMap, metadata: Record<string, string> = {}): Uint8Array {
  const g = new GraphBuilder();
  const o = encoderOps(g);
  const image = g.input('pixel_values', ['batch', 3, 'height', 'width']);
  const rgb = o.add(o.mul(image, g.floats('std', [1, 3, 1, 1], Float32Array.from(IMAGENET_STD))), g.floats('mean', [1, 3, 1, 1], Float32Array.from(IMAGENET_MEAN)));
  const tokens = tokensOf(g, filterBankGraph(g, rgb));
  const names = new Map<string, string>();
  for (const name of encoderParamNames(recipe.spec)) names.set(name, g.floats(name.replace(/\./g, '_'), paramShape(recipe.spec, name), params.get(name)!));
  // Which initializer holds which parameter: what `pretrain --init` reads to continue from this model.
  const paramMap = JSON.stringify(Object.fromEntries(names));
  const enc = encoderForward(o, recipe.spec, (n) => names.get(n)!, tokens, null);
  o.identity(enc.y, 'last_hidden_state');
  g.output('last_hidden_state', ['batch', 'tokens', recipe.spec.dim]);
  return g.toBytes({
    producer: 'cause-studio pretrain',
    metadata: { patch_size: '8', recipe: JSON.stringify(recipe), params: paramMap, ...metadata },
  });
}
