// Layer bits shared by the shader and the player's controls (pure: also used by unit tests).
export const LAYER_BITS = { image: 1, gt: 2, clusters: 4, classes: 8, errors: 16 } as const;
export type LayerName = keyof typeof LAYER_BITS;
