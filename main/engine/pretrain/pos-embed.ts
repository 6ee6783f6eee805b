// The fixed position embedding of a DINOv2/DINO export, resized to a frame's patch grid as Hugging Face's
// interpolate_pos_encoding does (bicubic, a = −0.75, half-pixel centres, no antialias). One ONNX node
// serves both sides: the exported model resizes to the input's grid at run time, and pretraining resizes
// once to the corpus's grid with the same node (run on ORT), so training and inference add the same values.
import * as ort from 'onnxruntime-node';
import { GraphBuilder, float, int } from '../onnx/graph-builder.js';
import { encoderOps } from './encoder-graph.js';

type Ops = ReturnType<typeof encoderOps>;

/** pos [gh0·gw0, D] → [1, h·w, D], with `hw` an int64 [2] value holding (h, w). */
export function resizePos(o: Ops, pos: string, gh0: number, gw0: number, dim: number, hw: string): string {
  const g = o.g;
  const grid = o.transpose(o.reshape(pos, 1, gh0, gw0, dim), [0, 3, 1, 2]);
  const sizes = o.concat([g.int64s('nc', [1, dim]), hw], 0);
  const resized = g.op('Resize', [grid, '', '', sizes], {
    mode: { string: 'cubic' },
    cubic_coeff_a: float(-0.75),
    coordinate_transformation_mode: { string: 'half_pixel' },
    exclude_outside: int(0),
  });
  return o.transpose(o.reshape(resized, 1, dim, -1), [0, 2, 1]);
}

/** The position embedding resized to an h × w grid, row-major [h·w, D]. */
export async function posForGrid(
  pos: Float32Array,
  grid: readonly [number, number],
  dim: number,
  h: number,
  w: number,
): Promise<Float32Array> {
  const g = new GraphBuilder();
  const o = encoderOps(g);
  const p = g.input('pos', [grid[0] * grid[1], dim]);
  o.identity(resizePos(o, p, grid[0], grid[1], dim, g.int64s('hw', [h, w])), 'out');
  g.output('out', [1, h * w, dim]);
  const session = await ort.InferenceSession.create(g.toBytes({ producer: 'cause-studio pretrain pos' }));
  try {
    const out = await session.run({ pos: new ort.Tensor('float32', pos, [grid[0] * grid[1], dim]) });
    return Float32Array.from(out.out!.data as Float32Array);
  } finally {
    await session.release();
  }
}
