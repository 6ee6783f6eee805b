// What training and prediction read: feature grids, nothing else. There is deliberately no label field:
// a training function cannot receive ground truth through this interface.
export interface FeatureSource {
  readonly count: number;
  readonly h: number;
  readonly w: number;
  readonly dim: number;
  /** Item i: h·w·dim float32, row-major (y, x, channel). */
  read(i: number): Float32Array;
  /** The item `offset` frames later in the same sequence (earlier at its end), or null: temporal positives. */
  neighbour?(i: number, offset: number): number | null;
}
