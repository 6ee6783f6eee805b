// What every backbone is: a frozen dense feature extractor turning a normalised image batch into a
// grid of patch tokens. Built-in backbones and ONNX models implement the same interface; the feature
// cache and the benchmark only see this.

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
/** Built-in backbones take plain RGB in [0, 1]. */
export const IDENTITY_MEAN: [number, number, number] = [0, 0, 0];
export const IDENTITY_STD: [number, number, number] = [1, 1, 1];

export interface BackboneDescriptor {
  /** 'rgb', 'builtin', or a model name in the store. */
  readonly id: string;
  readonly kind: 'builtin' | 'onnx';
  /** dinov2, dino, mae, vit, rgb, builtin */
  readonly family: string;
  readonly patchSize: number;
  readonly dim: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** A fixed input size the model insists on, if any. */
  readonly fixedSize: { readonly width: number; readonly height: number } | null;
  /**
   * Identifies the weights and code version in the cache key: 'rgb@1', 'builtin@1', 'onnx:<sha256>'.
   * Changing a built-in's maths must bump its version so stale cached features are not reused.
   */
  readonly cacheId: string;
}

/** Images as the network takes them: n × 3 × height × width, already normalised, float32. */
export interface ImageBatch {
  readonly data: Float32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
}

/** Patch tokens: n × h × w × dim, row-major (y, x, channel). */
export interface TokenGrid {
  readonly data: Float32Array;
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly dim: number;
}

export interface Backbone extends BackboneDescriptor {
  /** Execution provider in use ('cpu', 'cuda', ... for ONNX; 'js' for built-ins). */
  readonly provider: string;
  extract(batch: ImageBatch): Promise<TokenGrid>;
  dispose(): Promise<void>;
}

/** The reference input side of the method for a patch size: 322 for /14 (23×23), else 320. */
export function referenceSize(patchSize: number): number {
  return patchSize === 14 ? 322 : Math.round(320 / patchSize) * patchSize;
}
