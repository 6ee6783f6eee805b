// The pretrained encoder as a backbone file: the filter bank (as ONNX ops) feeding the encoder, one
// model `pixel_values` [B,3,H,W] (RGB in [0,1]) → `last_hidden_state` [B, h·w, D]. It has no class
// token and needs no fixed size; the store reads its patch size (8) from the filter bank's patch-mean
// convolution and runs it like any ViT export. The projection head is not part of it.
import { GraphBuilder } from '../onnx/graph-builder.js';
import { filterBankGraph, tokensOf } from '../onnx/filter-bank-graph.js';
import { encoderForward, encoderOps } from './encoder-graph.js';
import { encoderParamNames, paramShape, type ParamMap } from './params.js';
import type { PretrainRecipe } from './recipe.js';

export function buildEncoderModel(recipe: PretrainRecipe, params: ReadonlyMap<string, Float32Array> | ParamMap, metadata: Record<string, string> = {}): Uint8Array {
  const g = new GraphBuilder();
  const o = encoderOps(g);
  const image = g.input('pixel_values', ['batch', 3, 'height', 'width']);
  const tokens = tokensOf(g, filterBankGraph(g, image));
  const names = new Map<string, string>();
  for (const name of encoderParamNames(recipe.spec)) names.set(name, g.floats(name.replace(/\./g, '_'), paramShape(recipe.spec, name), params.get(name)!));
  const enc = encoderForward(o, recipe.spec, (n) => names.get(n)!, tokens, null);
  o.identity(enc.y, 'last_hidden_state');
  g.output('last_hidden_state', ['batch', 'tokens', recipe.spec.dim]);
  return g.toBytes({
    producer: 'cause-studio pretrain',
    metadata: { patch_size: '8', recipe: JSON.stringify(recipe), ...metadata },
  });
}
