// SynthDrive's rasteriser: convex planar polygons in world space → a depth (1/z) buffer and a primitive-id
// buffer, then one deferred shading pass over the visible primitive of each pixel. Because a pixel's
// label is read from the id buffer at the pixel centre, occlusion in the labels is exact; anti-aliasing is
// applied to the RGB image only, at primitive boundaries. All buffers are typed arrays allocated once per
// image size and reused frame after frame, so memory stays flat over long sequences.
//
// This file is the drawing API and the polygon path (project, clip, register, fill); the buffers, the
// primitive table, the fill rule, cast shadows, shading and anti-aliasing are in raster/.
import { MAT, PARAM_STRIDE as PARAM_STRIDE_IMPORTED } from './materials.js';
import { antialiasEdges } from './raster/antialias.js';
import { cameraRotation, NEAR, type CameraPose } from './raster/camera.js';
import type { Lighting } from './raster/lighting.js';
import { PixelBuffers } from './raster/pixel-buffers.js';
import { PrimitiveTable } from './raster/primitives.js';
import { scanSpans } from './raster/scanline.js';
import { shadePixels } from './raster/shading.js';
import { ShadowProjector } from './raster/shadows.js';

export type { CameraPose } from './raster/camera.js';
export type { Lighting } from './raster/lighting.js';

// a local copy, as the per-pixel helpers keep theirs (see materials.ts)
const PARAM_STRIDE = PARAM_STRIDE_IMPORTED;
const MAX_POLY = 24;

/** The state polygons are drawn with: class, instance value, material, parameters. */
export interface Brush {
  /** Cityscapes labelId written to the label map. */
  cls: number;
  /** Value written to the instanceIds map (labelId*1000+n for instance classes, else labelId). */
  inst: number;
  mat: number;
  seed: number;
  /** Flat ground receives the cast-shadow mask. */
  ground: boolean;
  readonly params: Float32Array;
}

export class Rasterizer {
  readonly width: number;
  readonly height: number;
  /** Final RGB image, 3 bytes per pixel. */
  readonly rgb: Uint8Array;
  readonly labels: Uint8Array;
  readonly instances: Uint16Array;
  readonly brush: Brush = {
    cls: 0,
    inst: 0,
    mat: MAT.plain,
    seed: 0,
    ground: false,
    params: new Float32Array(PARAM_STRIDE),
  };

  private readonly px: PixelBuffers;
  private readonly prims = new PrimitiveTable();
  private readonly shadows = new ShadowProjector();

  // texture frame of the next polygons (world)
  private fo = new Float64Array(3);
  private fu = new Float64Array(3);
  private fv = new Float64Array(3);

  // camera
  private cam: CameraPose = { x: 0, y: 1.5, z: 0, yaw: 0, pitch: 0, f: 100, cx: 0, cy: 0 };
  private R = new Float64Array(9);
  private light!: Lighting;
  private time = 0;
  private lights: number[] = [];

  // scratch of the polygon path
  private readonly wx = new Float64Array(MAX_POLY);
  private readonly wy = new Float64Array(MAX_POLY);
  private readonly wz = new Float64Array(MAX_POLY);
  private readonly cxs = new Float64Array(MAX_POLY * 2);
  private readonly cys = new Float64Array(MAX_POLY * 2);
  private readonly czs = new Float64Array(MAX_POLY * 2);
  private readonly sx = new Float64Array(MAX_POLY * 2);
  private readonly sy = new Float64Array(MAX_POLY * 2);
  private readonly tx = new Float64Array(MAX_POLY * 2);
  private readonly ty = new Float64Array(MAX_POLY * 2);
  private readonly tz = new Float64Array(MAX_POLY * 2);
  private readonly shadeOut = new Float32Array(6);

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.px = new PixelBuffers(width, height);
    this.rgb = this.px.rgb;
    this.labels = this.px.labels;
    this.instances = this.px.instances;
  }

  get primitiveCount(): number {
    return this.prims.count;
  }

  /** 1/z of the visible surface per pixel (0 = sky) and its primitive id (−1 = sky): the motion channel reads them. */
  get depth(): { readonly invz: Float32Array; readonly prim: Int32Array } {
    return { invz: this.px.invz, prim: this.px.prim };
  }

  beginFrame(cam: CameraPose, light: Lighting, time: number): void {
    this.cam = cam;
    this.light = light;
    this.time = time;
    this.prims.count = 0;
    this.lights.length = 0;
    this.px.clear();
    cameraRotation(cam, this.R);
    this.px.setVignette(light.vignette);
  }

  /** Texture frame for the following polygons: u = (p − o)·U, v = (p − o)·V (world, metres). */
  setFrame(
    ox: number,
    oy: number,
    oz: number,
    ux: number,
    uy: number,
    uz: number,
    vx: number,
    vy: number,
    vz: number,
  ): void {
    this.fo[0] = ox;
    this.fo[1] = oy;
    this.fo[2] = oz;
    this.fu[0] = ux;
    this.fu[1] = uy;
    this.fu[2] = uz;
    this.fv[0] = vx;
    this.fv[1] = vy;
    this.fv[2] = vz;
  }

  /** A night light (street lamp, headlight) that brightens nearby surfaces. */
  addLight(x: number, y: number, z: number, r: number, g: number, b: number, radius: number): void {
    const R = this.R;
    const dx = x - this.cam.x;
    const dy = y - this.cam.y;
    const dz = z - this.cam.z;
    const cz = R[6]! * dx + R[7]! * dy + R[8]! * dz;
    if (cz < -radius * 2) return;
    this.lights.push(
      R[0]! * dx + R[1]! * dy + R[2]! * dz,
      R[3]! * dx + R[4]! * dy + R[5]! * dz,
      cz,
      r,
      g,
      b,
      radius * radius,
    );
  }

  /** Quad from four world points (in order around the face). */
  quad(
    x0: number,
    y0: number,
    z0: number,
    x1: number,
    y1: number,
    z1: number,
    x2: number,
    y2: number,
    z2: number,
    x3: number,
    y3: number,
    z3: number,
  ): void {
    const { wx, wy, wz } = this;
    wx[0] = x0;
    wy[0] = y0;
    wz[0] = z0;
    wx[1] = x1;
    wy[1] = y1;
    wz[1] = z1;
    wx[2] = x2;
    wy[2] = y2;
    wz[2] = z2;
    wx[3] = x3;
    wy[3] = y3;
    wz[3] = z3;
    this.polygonFromScratch(4);
  }

  /** Convex polygon from flat [x,y,z,...] world coordinates. */
  polygon(pts: ArrayLike<number>, n: number): void {
    const m = Math.min(n, MAX_POLY);
    for (let i = 0; i < m; i++) {
      this.wx[i] = pts[i * 3]!;
      this.wy[i] = pts[i * 3 + 1]!;
      this.wz[i] = pts[i * 3 + 2]!;
    }
    this.polygonFromScratch(m);
  }

  /**
   * Oriented box: centre c, half-axis vectors a (local x), b (local y, up for most objects), d (local z).
   * `onFace(face, uLen, vLen)` may adjust the brush before each visible face: faces 0/1 = ±a (u along d),
   * 2/3 = ±b (u along a, v along d), 4/5 = ±d (u along a); v runs along b from the bottom.
   */
  box(
    cx: number,
    cy: number,
    cz: number,
    ax: number,
    ay: number,
    az: number,
    bx: number,
    by: number,
    bz: number,
    dx: number,
    dy: number,
    dz: number,
    onFace?: (face: number, uLen: number, vLen: number) => void,
  ): void {
    const la = Math.hypot(ax, ay, az);
    const lb = Math.hypot(bx, by, bz);
    const ld = Math.hypot(dx, dy, dz);
    if (la === 0 || lb === 0 || ld === 0) return;
    for (let face = 0; face < 6; face++) {
      const sgn = face & 1 ? -1 : 1;
      let nx: number, ny: number, nz: number; // face normal (half-axis)
      let px: number, py: number, pz: number; // in-face axis 1 (u)
      let qx: number, qy: number, qz: number; // in-face axis 2 (v)
      let lu: number, lv: number;
      if (face < 2) {
        nx = ax * sgn;
        ny = ay * sgn;
        nz = az * sgn;
        px = dx;
        py = dy;
        pz = dz;
        lu = ld;
        qx = bx;
        qy = by;
        qz = bz;
        lv = lb;
      } else if (face < 4) {
        nx = bx * sgn;
        ny = by * sgn;
        nz = bz * sgn;
        px = ax;
        py = ay;
        pz = az;
        lu = la;
        qx = dx;
        qy = dy;
        qz = dz;
        lv = ld;
      } else {
        nx = dx * sgn;
        ny = dy * sgn;
        nz = dz * sgn;
        px = ax;
        py = ay;
        pz = az;
        lu = la;
        qx = bx;
        qy = by;
        qz = bz;
        lv = lb;
      }
      const fcx = cx + nx;
      const fcy = cy + ny;
      const fcz = cz + nz;
      // back-face test against the camera before doing anything else
      if ((fcx - this.cam.x) * nx + (fcy - this.cam.y) * ny + (fcz - this.cam.z) * nz >= 0) continue;
      const ox = fcx - px - qx;
      const oy = fcy - py - qy;
      const oz = fcz - pz - qz;
      this.setFrame(ox, oy, oz, px / lu, py / lu, pz / lu, qx / lv, qy / lv, qz / lv);
      if (onFace) onFace(face, 2 * lu, 2 * lv);
      this.quad(
        fcx - px - qx,
        fcy - py - qy,
        fcz - pz - qz,
        fcx + px - qx,
        fcy + py - qy,
        fcz + pz - qz,
        fcx + px + qx,
        fcy + py + qy,
        fcz + pz + qz,
        fcx - px + qx,
        fcy - py + qy,
        fcz - pz + qz,
      );
    }
  }

  /** Axis-aligned-in-yaw box standing on y0: footprint centre (x, z), heading yaw, sizes w (across) × len (along). */
  uprightBox(
    x: number,
    z: number,
    yaw: number,
    w: number,
    len: number,
    y0: number,
    y1: number,
    onFace?: (face: number, uLen: number, vLen: number) => void,
  ): void {
    const c = Math.cos(yaw);
    const s = Math.sin(yaw);
    const hw = w / 2;
    const hl = len / 2;
    const hh = (y1 - y0) / 2;
    this.box(x, y0 + hh, z, c * hw, 0, -s * hw, 0, hh, 0, s * hl, 0, c * hl, onFace);
  }

  private polygonFromScratch(n: number): void {
    if (n < 3) return;
    const { wx, wy, wz, R, cam } = this;
    // Newell normal in world space (robust for any planar polygon)
    let nx = 0;
    let ny = 0;
    let nz = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      nx += (wy[i]! - wy[j]!) * (wz[i]! + wz[j]!);
      ny += (wz[i]! - wz[j]!) * (wx[i]! + wx[j]!);
      nz += (wx[i]! - wx[j]!) * (wy[i]! + wy[j]!);
    }
    const nl = Math.hypot(nx, ny, nz);
    if (nl < 1e-12) return;
    nx /= nl;
    ny /= nl;
    nz /= nl;
    // facing: the camera must be on the normal's side
    const side = (cam.x - wx[0]!) * nx + (cam.y - wy[0]!) * ny + (cam.z - wz[0]!) * nz;
    // every polygon is two-sided (boxes cull their own back faces); the normal is turned to the camera
    if (side === 0) return;
    if (side < 0) {
      nx = -nx;
      ny = -ny;
      nz = -nz;
    }
    // to camera space
    const { cxs, cys, czs } = this;
    let anyFront = false;
    for (let i = 0; i < n; i++) {
      const dx = wx[i]! - cam.x;
      const dy = wy[i]! - cam.y;
      const dz = wz[i]! - cam.z;
      cxs[i] = R[0]! * dx + R[1]! * dy + R[2]! * dz;
      cys[i] = R[3]! * dx + R[4]! * dy + R[5]! * dz;
      czs[i] = R[6]! * dx + R[7]! * dy + R[8]! * dz;
      if (czs[i]! > NEAR) anyFront = true;
    }
    if (!anyFront) return;
    // clip against the near plane (Sutherland–Hodgman, one plane)
    const { tx, ty, tz } = this;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const zi = czs[i]!;
      const zj = czs[j]!;
      const inI = zi >= NEAR;
      const inJ = zj >= NEAR;
      if (inI) {
        tx[m] = cxs[i]!;
        ty[m] = cys[i]!;
        tz[m] = zi;
        m++;
      }
      if (inI !== inJ) {
        const t = (NEAR - zi) / (zj - zi);
        tx[m] = cxs[i]! + (cxs[j]! - cxs[i]!) * t;
        ty[m] = cys[i]! + (cys[j]! - cys[i]!) * t;
        tz[m] = NEAR;
        m++;
      }
    }
    if (m < 3) return;
    const { sx, sy, width: W, height: H } = this;
    const f = cam.f;
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < m; i++) {
      const px = cam.cx + (f * tx[i]!) / tz[i]!;
      const py = cam.cy + (f * ty[i]!) / tz[i]!;
      sx[i] = px;
      sy[i] = py;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    if (maxX < 0 || minX > W || maxY < 0 || minY > H) return;
    // plane in camera space: n_c · p = dd; 1/z is affine in screen coordinates
    const ncx = R[0]! * nx + R[1]! * ny + R[2]! * nz;
    const ncy = R[3]! * nx + R[4]! * ny + R[5]! * nz;
    const ncz = R[6]! * nx + R[7]! * ny + R[8]! * nz;
    const dd = ncx * tx[0]! + ncy * ty[0]! + ncz * tz[0]!;
    if (Math.abs(dd) < 1e-9) return;
    const A = ncx / (f * dd);
    const B = ncy / (f * dd);
    const C = (ncz - (ncx * cam.cx) / f - (ncy * cam.cy) / f) / dd;

    // register the primitive
    const prims = this.prims;
    const id = prims.next();
    const br = this.brush;
    prims.cls[id] = br.cls;
    prims.inst[id] = br.inst;
    prims.mat[id] = br.mat;
    prims.seed[id] = br.seed;
    prims.flags[id] = br.ground ? 1 : 0;
    prims.params.set(br.params, id * PARAM_STRIDE);
    const g = id * 9;
    const fu = this.fu;
    const fv = this.fv;
    const Ux = R[0]! * fu[0]! + R[1]! * fu[1]! + R[2]! * fu[2]!;
    const Uy = R[3]! * fu[0]! + R[4]! * fu[1]! + R[5]! * fu[2]!;
    const Uz = R[6]! * fu[0]! + R[7]! * fu[1]! + R[8]! * fu[2]!;
    const Vx = R[0]! * fv[0]! + R[1]! * fv[1]! + R[2]! * fv[2]!;
    const Vy = R[3]! * fv[0]! + R[4]! * fv[1]! + R[5]! * fv[2]!;
    const Vz = R[6]! * fv[0]! + R[7]! * fv[1]! + R[8]! * fv[2]!;
    const odx = this.fo[0]! - cam.x;
    const ody = this.fo[1]! - cam.y;
    const odz = this.fo[2]! - cam.z;
    const ocx = R[0]! * odx + R[1]! * ody + R[2]! * odz;
    const ocy = R[3]! * odx + R[4]! * ody + R[5]! * odz;
    const ocz = R[6]! * odx + R[7]! * ody + R[8]! * odz;
    const geom = prims.geom;
    geom[g] = Ux;
    geom[g + 1] = Uy;
    geom[g + 2] = Uz;
    geom[g + 3] = -(ocx * Ux + ocy * Uy + ocz * Uz);
    geom[g + 4] = Vx;
    geom[g + 5] = Vy;
    geom[g + 6] = Vz;
    geom[g + 7] = -(ocx * Vx + ocy * Vy + ocz * Vz);
    const L = this.light.sun;
    geom[g + 8] = Math.max(0, nx * L[0] + ny * L[1] + nz * L[2]);

    const rows = scanSpans(this.px, sx, sy, m, minY, maxY);
    const invz = this.px.invz;
    const prim = this.px.prim;
    const spanX0 = this.px.spanX0;
    const spanX1 = this.px.spanX1;
    for (let y = rows >> 16, yEnd = rows & 0xffff; y <= yEnd; y++) {
      const x0 = spanX0[y]!;
      const x1 = spanX1[y]!;
      if (x1 <= x0) continue;
      const rowStart = y * W;
      let iz = A * (x0 + 0.5) + B * (y + 0.5) + C;
      for (let i = rowStart + x0, e = rowStart + x1; i < e; i++) {
        if (iz > invz[i]!) {
          invz[i] = iz;
          prim[i] = id;
        }
        iz += A;
      }
    }
  }

  /**
   * Cast shadow of a convex caster given by its points (flat [x,y,z,...]): projected along the sun onto
   * the ground plane, its convex hull darkens the ground pixels it covers.
   */
  shadowCaster(pts: ArrayLike<number>, n: number): void {
    this.shadows.cast(pts, n, this.light, this.cam, this.R, this.px);
  }

  /** Deferred shading of every pixel, then labels, instances and the edge anti-aliasing of the RGB. */
  finish(): void {
    const edgeCount = shadePixels(
      this.px,
      this.prims,
      this.cam,
      this.R,
      this.light,
      this.time,
      this.lights,
      this.shadeOut,
    );
    antialiasEdges(this.px, edgeCount);
  }
}
