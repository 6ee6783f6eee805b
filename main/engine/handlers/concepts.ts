// concepts.* methods: top patches per cluster, the concept atlas and the similar-patch probe, all answered
// from a per-experiment patch index (main/engine/concepts/).
import { conceptAtlas, conceptIndex } from '../concepts/service.js';
import { similarPatches, topPatches } from '../concepts/patch-queries.js';
import type { HandlerGroup } from './handler-types.js';

export const conceptHandlers: HandlerGroup<'concepts.topPatches' | 'concepts.atlas' | 'concepts.similar'> = {
  'concepts.topPatches': async ({ experimentId, perCluster }, ctx) =>
    topPatches(await conceptIndex(ctx.db, ctx.workspace.root, experimentId), perCluster),

  'concepts.atlas': ({ experimentId, source }, ctx) => conceptAtlas(ctx.db, ctx.workspace.root, experimentId, source),

  'concepts.similar': async ({ experimentId, frameId, u, v, gx, gy, limit }, ctx) => {
    const at = u !== undefined && v !== undefined ? { u, v } : { gx: gx!, gy: gy! };
    return similarPatches(await conceptIndex(ctx.db, ctx.workspace.root, experimentId), frameId, at, limit);
  },
};
