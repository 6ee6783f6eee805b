// The per-pixel buffers of one image size. Allocated once and reused frame after frame, so memory stays
// flat over long sequences.
import * as noise from '../noise.js';

/** Length of the sensor-noise table: a prime, so the noise pattern does not line up with rows. */
export const NOISE_TABLE = 262139;

export class PixelBuffers {
  readonly width: number;
  readonly height: number;
  /** Final RGB image, 3 bytes per pixel. */
  readonly rgb: Uint8Array;
  readonly labels: Uint8Array;
  readonly instances: Uint16Array;
  /** Depth test: 1/z of the nearest primitive so far (0 = nothing). */
  readonly invz: Float32Array;
  /** Id of the visible primitive, −1 for sky. */
  readonly prim: Int32Array;
  /** 1 where a cast shadow falls on the ground. */
  readonly shadow: Uint8Array;
  /** Shaded colour before anti-aliasing; a clamped array rounds and clamps on store, in native code. */
  readonly shaded: Uint8ClampedArray;
  readonly vignette: Float32Array;
  /** The vignetting strength `vignette` was computed for (it is only recomputed when that changes). */
  vignetteOf = -1;
  /** Fixed table of sensor noise (uniform in [-0.5, 0.5) × 256), read from a per-frame offset. */
  readonly noiseTable: Int8Array;
  /** Covered span [spanX0, spanX1) of each row for the polygon being scanned. */
  readonly spanX0: Int32Array;
  readonly spanX1: Int32Array;
  /** Normalised x of each column's pixel centre. */
  readonly colXn: Float64Array;
  /** Pixels on a primitive boundary, listed by the shading pass for the anti-aliasing. */
  readonly edges: Int32Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    const n = width * height;
    this.rgb = new Uint8Array(n * 3);
    this.shaded = new Uint8ClampedArray(n * 3);
    this.labels = new Uint8Array(n);
    this.instances = new Uint16Array(n);
    this.invz = new Float32Array(n);
    this.prim = new Int32Array(n);
    this.shadow = new Uint8Array(n);
    this.vignette = new Float32Array(n);
    this.spanX0 = new Int32Array(height);
    this.spanX1 = new Int32Array(height);
    this.colXn = new Float64Array(width);
    this.edges = new Int32Array(n);
    this.noiseTable = new Int8Array(NOISE_TABLE + 3);
    for (let i = 0; i < this.noiseTable.length; i++) this.noiseTable[i] = (noise.hash3(i, 7, 99) & 255) - 128;
  }

  /** Empties the depth, id and shadow buffers for a new frame. */
  clear(): void {
    this.invz.fill(0);
    this.prim.fill(-1);
    this.shadow.fill(0);
  }

  /** Darkening towards the corners, as 1 − vig·r²/r²max per pixel. */
  setVignette(vig: number): void {
    if (vig === this.vignetteOf) return;
    this.vignetteOf = vig;
    const { width: W, height: H } = this;
    const rx = W / 2;
    const ry = H / 2;
    const norm = 1 / (rx * rx + ry * ry);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const dx = x + 0.5 - rx;
        const dy = y + 0.5 - ry;
        this.vignette[y * W + x] = 1 - vig * (dx * dx + dy * dy) * norm;
      }
    }
  }
}
