// What every builder shares: setting the brush, and the few shapes the rasteriser has no call for
// (box shadows, rods between two points, wheels).
import type { Rasterizer } from '../../raster.js';

/** Scratch for shadow and wheel points; filled and handed to the rasteriser (which copies it). */
const pts = new Float64Array(96);

export function setBrush(
  r: Rasterizer,
  cls: number,
  inst: number,
  mat: number,
  seed: number,
  c: readonly number[],
  c2?: readonly number[],
): void {
  const b = r.brush;
  b.cls = cls;
  b.inst = inst;
  b.mat = mat;
  b.seed = seed;
  b.params.fill(0);
  b.params[0] = c[0]!;
  b.params[1] = c[1]!;
  b.params[2] = c[2]!;
  if (c2) {
    b.params[3] = c2[0]!;
    b.params[4] = c2[1]!;
    b.params[5] = c2[2]!;
  }
}

export function boxShadow(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  w: number,
  len: number,
  h: number,
): void {
  const rx = Math.cos(yaw) * (w / 2);
  const rz = -Math.sin(yaw) * (w / 2);
  const fx = Math.sin(yaw) * (len / 2);
  const fz = Math.cos(yaw) * (len / 2);
  let n = 0;
  for (const a of [-1, 1]) {
    for (const b of [-1, 1]) {
      for (const y of [0, h]) {
        pts[n++] = x + a * rx + b * fx;
        pts[n++] = y;
        pts[n++] = z + a * rz + b * fz;
      }
    }
  }
  r.shadowCaster(pts, 8);
}

/** A thin box between two world points (bicycle frames, handlebars). */
export function rod(
  r: Rasterizer,
  x0: number,
  y0: number,
  z0: number,
  x1: number,
  y1: number,
  z1: number,
  half: number,
): void {
  const bx = (x1 - x0) / 2;
  const by = (y1 - y0) / 2;
  const bz = (z1 - z0) / 2;
  const l = Math.hypot(bx, by, bz);
  if (l === 0) return;
  // any two axes perpendicular to the rod
  let ax = -bz;
  let ay = 0;
  let az = bx;
  let al = Math.hypot(ax, ay, az);
  if (al < 1e-6) {
    ax = 1;
    ay = 0;
    az = 0;
    al = 1;
  }
  ax = (ax / al) * half;
  az = (az / al) * half;
  const cx = by * az - bz * ay;
  const cy = bz * ax - bx * az;
  const cz = bx * ay - by * ax;
  const cl = Math.hypot(cx, cy, cz) || 1;
  r.box(
    x0 + bx,
    y0 + by,
    z0 + bz,
    ax,
    ay,
    az,
    bx,
    by,
    bz,
    (cx / cl) * half,
    (cy / cl) * half,
    (cz / cl) * half,
  );
}

export function wheel(
  r: Rasterizer,
  cx: number,
  cy: number,
  cz: number,
  fx: number,
  fz: number,
  radius: number,
): void {
  const n = 12;
  for (let i = 0; i < n; i++) {
    const a = (i / n) * Math.PI * 2;
    const along = Math.cos(a) * radius;
    pts[i * 3] = cx + fx * along;
    pts[i * 3 + 1] = cy + Math.sin(a) * radius;
    pts[i * 3 + 2] = cz + fz * along;
  }
  r.setFrame(cx, cy, cz, fx, 0, fz, 0, 1, 0);
  r.polygon(pts, n);
}
