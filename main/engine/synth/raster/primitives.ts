// The primitives of a frame, as a struct of arrays indexed by the id the depth test writes per pixel.
// The arrays grow by doubling and are reused, so a frame allocates nothing once the largest is seen.
import { PARAM_STRIDE } from '../materials.js';

export class PrimitiveTable {
  private cap = 0;
  count = 0;
  cls = new Uint8Array(0);
  inst = new Uint16Array(0);
  mat = new Uint8Array(0);
  seed = new Int32Array(0);
  /** bit 0: ground (receives cast shadows) */
  flags = new Uint8Array(0);
  /** PARAM_STRIDE material parameters per primitive. */
  params = new Float32Array(0);
  /** per primitive: Ux Uy Uz cu Vx Vy Vz cv sunDot */
  geom = new Float32Array(0);

  constructor() {
    this.grow(1024);
  }

  /** A new primitive id, growing the arrays when full. */
  next(): number {
    if (this.count >= this.cap) this.grow(this.count + 1);
    return this.count++;
  }

  private grow(min: number): void {
    let cap = Math.max(this.cap * 2, min);
    while (cap < min) cap *= 2;
    const copy = <T extends Uint8Array | Uint16Array | Int32Array | Float32Array>(a: T, n: T): T => {
      n.set(a);
      return n;
    };
    this.cls = copy(this.cls, new Uint8Array(cap));
    this.inst = copy(this.inst, new Uint16Array(cap));
    this.mat = copy(this.mat, new Uint8Array(cap));
    this.seed = copy(this.seed, new Int32Array(cap));
    this.flags = copy(this.flags, new Uint8Array(cap));
    this.params = copy(this.params, new Float32Array(cap * PARAM_STRIDE));
    this.geom = copy(this.geom, new Float32Array(cap * 9));
    this.cap = cap;
  }
}
