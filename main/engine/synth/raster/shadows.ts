// Cast shadows: a convex caster's points are projected along the sun onto the ground plane, and their
// convex hull, rasterised with the polygons' fill rule, marks the ground pixels in shadow. Only
// primitives drawn as ground read the mask, so a shadow never darkens the object casting it.
import type { Lighting } from './lighting.js';
import type { PixelBuffers } from './pixel-buffers.js';
import { NEAR, type CameraPose } from './camera.js';
import { scanSpans } from './scanline.js';

/** Most caster points used; more are ignored. */
const MAX_CASTER = 32;
/**
 * Hull points the world-space scratch holds (the rasteriser's polygon limit). A hull with more would be
 * cut short; the builders' casters have at most 9 points.
 */
const MAX_HULL = 24;

export class ShadowProjector {
  // scratch: the caster on the ground, its hull, then the hull in camera space, clipped and projected
  private readonly hullX = new Float64Array(64);
  private readonly hullZ = new Float64Array(64);
  private readonly hullIdx = new Int32Array(64);
  private readonly wx = new Float64Array(MAX_HULL);
  private readonly wy = new Float64Array(MAX_HULL);
  private readonly wz = new Float64Array(MAX_HULL);
  private readonly cxs = new Float64Array(MAX_HULL * 2);
  private readonly cys = new Float64Array(MAX_HULL * 2);
  private readonly czs = new Float64Array(MAX_HULL * 2);
  private readonly tx = new Float64Array(MAX_HULL * 2);
  private readonly ty = new Float64Array(MAX_HULL * 2);
  private readonly tz = new Float64Array(MAX_HULL * 2);
  private readonly sx = new Float64Array(MAX_HULL * 2);
  private readonly sy = new Float64Array(MAX_HULL * 2);

  /**
   * Cast shadow of a convex caster given by its points (flat [x,y,z,...]): projected along the sun onto
   * the ground plane, its convex hull darkens the ground pixels it covers.
   */
  cast(
    pts: ArrayLike<number>,
    n: number,
    light: Lighting,
    cam: CameraPose,
    R: Float64Array,
    px: PixelBuffers,
  ): void {
    const L = light.sun;
    if (!light.shadows || L[1] <= 0.02) return;
    const m = Math.min(n, MAX_CASTER);
    const hx = this.hullX;
    const hz = this.hullZ;
    for (let i = 0; i < m; i++) {
      const y = pts[i * 3 + 1]!;
      hx[i] = pts[i * 3]! - (L[0] * y) / L[1];
      hz[i] = pts[i * 3 + 2]! - (L[2] * y) / L[1];
    }
    const k = convexHull(hx, hz, m, this.hullIdx);
    if (k < 3) return;
    const { wx, wy, wz } = this;
    const { cxs, cys, czs, tx, ty, tz, sx, sy } = this;
    for (let i = 0; i < k; i++) {
      wx[i] = hx[this.hullIdx[i]!]!;
      wy[i] = 0;
      wz[i] = hz[this.hullIdx[i]!]!;
    }
    let anyFront = false;
    for (let i = 0; i < k; i++) {
      const dx = wx[i]! - cam.x;
      const dy = -cam.y;
      const dz = wz[i]! - cam.z;
      cxs[i] = R[0]! * dx + R[1]! * dy + R[2]! * dz;
      cys[i] = R[3]! * dx + R[4]! * dy + R[5]! * dz;
      czs[i] = R[6]! * dx + R[7]! * dy + R[8]! * dz;
      if (czs[i]! > NEAR) anyFront = true;
    }
    if (!anyFront) return;
    let m2 = 0;
    for (let i = 0; i < k; i++) {
      const j = i + 1 === k ? 0 : i + 1;
      const zi = czs[i]!;
      const zj = czs[j]!;
      if (zi >= NEAR) {
        tx[m2] = cxs[i]!;
        ty[m2] = cys[i]!;
        tz[m2] = zi;
        m2++;
      }
      if (zi >= NEAR !== zj >= NEAR) {
        const t = (NEAR - zi) / (zj - zi);
        tx[m2] = cxs[i]! + (cxs[j]! - cxs[i]!) * t;
        ty[m2] = cys[i]! + (cys[j]! - cys[i]!) * t;
        tz[m2] = NEAR;
        m2++;
      }
    }
    if (m2 < 3) return;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < m2; i++) {
      sx[i] = cam.cx + (cam.f * tx[i]!) / tz[i]!;
      sy[i] = cam.cy + (cam.f * ty[i]!) / tz[i]!;
      if (sy[i]! < minY) minY = sy[i]!;
      if (sy[i]! > maxY) maxY = sy[i]!;
    }
    const shadow = px.shadow;
    const rows = scanSpans(px, sx, sy, m2, minY, maxY);
    for (let y = rows >> 16, yEnd = rows & 0xffff; y <= yEnd; y++) {
      if (px.spanX1[y]! > px.spanX0[y]!)
        shadow.fill(1, y * px.width + px.spanX0[y]!, y * px.width + px.spanX1[y]!);
    }
  }
}

/** Andrew's monotone chain; writes hull indices (counter-clockwise) into idx and returns their count. */
function convexHull(x: Float64Array, z: Float64Array, n: number, idx: Int32Array): number {
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  order.sort((a, b) => x[a]! - x[b]! || z[a]! - z[b]!);
  const cross = (o: number, a: number, b: number) =>
    (x[a]! - x[o]!) * (z[b]! - z[o]!) - (z[a]! - z[o]!) * (x[b]! - x[o]!);
  let k = 0;
  for (const p of order) {
    while (k >= 2 && cross(idx[k - 2]!, idx[k - 1]!, p) <= 0) k--;
    idx[k++] = p;
  }
  const lower = k + 1;
  for (let t = order.length - 2; t >= 0; t--) {
    const p = order[t]!;
    while (k >= lower && cross(idx[k - 2]!, idx[k - 1]!, p) <= 0) k--;
    idx[k++] = p;
  }
  return k - 1;
}
