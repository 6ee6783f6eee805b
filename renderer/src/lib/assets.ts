// Asset types the engine's frame server resolves (main/engine/frames/asset-types.ts). Names only: the
// renderer never builds filesystem paths, it asks for ids.
export const ASSET = {
  frame: 'frame',
  thumb: 'thumb',
  gt: 'gt',
  prediction: 'prediction',
} as const;
