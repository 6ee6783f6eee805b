// SynthDrive's rasteriser: convex planar polygons in world space → a depth (1/z) buffer and a primitive-id
// buffer, then one deferred shading pass over the visible primitive of each pixel. Because a pixel's
// label is read from the id buffer at the pixel centre, occlusion in the labels is exact; anti-aliasing is
// applied to the RGB image only, at primitive boundaries. All buffers are typed arrays allocated once per
// image size and reused frame after frame, so memory stays flat over long sequences.
import { MAT, PARAM_STRIDE as PARAM_STRIDE_IMPORTED, shadeMaterial, type ShadeEnv } from './materials.js';
import * as noise from './noise.js';

// local copies of the per-pixel helpers (see materials.ts)
const fbm2 = noise.fbm2;
const shade = shadeMaterial;
const PARAM_STRIDE = PARAM_STRIDE_IMPORTED;
const NOISE_TABLE = 262139; // prime, so the sensor-noise pattern does not line up with rows

export interface CameraPose {
  readonly x: number;
  /** Height of the optical centre above the ground, metres. */
  readonly y: number;
  readonly z: number;
  /** Heading: 0 looks along +z, positive turns towards +x. */
  readonly yaw: number;
  /** Positive looks down. */
  readonly pitch: number;
  /** Focal length in pixels. */
  readonly f: number;
  readonly cx: number;
  readonly cy: number;
}

export interface Lighting {
  /** Unit vector towards the sun (world, y up). */
  readonly sun: readonly [number, number, number];
  readonly sunColor: readonly [number, number, number];
  readonly ambient: readonly [number, number, number];
  readonly shadows: boolean;
  readonly skyZenith: readonly [number, number, number];
  readonly skyHorizon: readonly [number, number, number];
  readonly cloudColor: readonly [number, number, number];
  /** 0..1 fraction of the sky under cloud. */
  readonly clouds: number;
  readonly haze: readonly [number, number, number];
  /** Extinction per metre of the distance haze. */
  readonly hazeDensity: number;
  readonly exposure: number;
  /** Sensor noise amplitude in 8-bit steps. */
  readonly noise: number;
  readonly vignette: number;
  readonly night: number;
  readonly wet: number;
  /** White-balance tint of this camera. */
  readonly tint: readonly [number, number, number];
}

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

const NEAR = 0.05;
const MAX_POLY = 24;
const SKY_ID = 23;

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

  private readonly invz: Float32Array;
  private readonly prim: Int32Array;
  private readonly shadow: Uint8Array;
  /** Shaded colour before anti-aliasing; a clamped array rounds and clamps on store, in native code. */
  private readonly shaded: Uint8ClampedArray;
  private readonly vignette: Float32Array;
  private vignetteOf = -1;
  private readonly noiseTable: Int8Array;

  // primitive attributes (struct of arrays, grown by doubling and reused)
  private cap = 0;
  private count = 0;
  private pCls = new Uint8Array(0);
  private pInst = new Uint16Array(0);
  private pMat = new Uint8Array(0);
  private pSeed = new Int32Array(0);
  private pFlags = new Uint8Array(0);
  private pParams = new Float32Array(0);
  /** per primitive: Ux Uy Uz cu Vx Vy Vz cv sunDot */
  private pGeom = new Float32Array(0);

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

  // scratch
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
  private readonly hullX = new Float64Array(64);
  private readonly hullZ = new Float64Array(64);
  private readonly hullIdx = new Int32Array(64);
  private readonly shadeOut = new Float32Array(6);
  private readonly spanX0: Int32Array;
  private readonly spanX1: Int32Array;
  private readonly colXn: Float64Array;
  private readonly edges: Int32Array;

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
    // fixed table of sensor noise (uniform in [-0.5, 0.5) × 256), indexed from a per-frame offset
    this.noiseTable = new Int8Array(NOISE_TABLE + 3);
    for (let i = 0; i < this.noiseTable.length; i++) this.noiseTable[i] = (noise.hash3(i, 7, 99) & 255) - 128;
    this.grow(1024);
  }

  private grow(min: number): void {
    let cap = Math.max(this.cap * 2, min);
    while (cap < min) cap *= 2;
    const copy = <T extends Uint8Array | Uint16Array | Int32Array | Float32Array>(a: T, n: T): T => {
      n.set(a);
      return n;
    };
    this.pCls = copy(this.pCls, new Uint8Array(cap));
    this.pInst = copy(this.pInst, new Uint16Array(cap));
    this.pMat = copy(this.pMat, new Uint8Array(cap));
    this.pSeed = copy(this.pSeed, new Int32Array(cap));
    this.pFlags = copy(this.pFlags, new Uint8Array(cap));
    this.pParams = copy(this.pParams, new Float32Array(cap * PARAM_STRIDE));
    this.pGeom = copy(this.pGeom, new Float32Array(cap * 9));
    this.cap = cap;
  }

  get primitiveCount(): number {
    return this.count;
  }

  beginFrame(cam: CameraPose, light: Lighting, time: number): void {
    this.cam = cam;
    this.light = light;
    this.time = time;
    this.count = 0;
    this.lights.length = 0;
    this.invz.fill(0);
    this.prim.fill(-1);
    this.shadow.fill(0);
    const ct = Math.cos(cam.yaw);
    const st = Math.sin(cam.yaw);
    const cp = Math.cos(cam.pitch);
    const sp = Math.sin(cam.pitch);
    const R = this.R;
    R[0] = ct;
    R[1] = 0;
    R[2] = -st;
    R[3] = -st * sp;
    R[4] = -cp;
    R[5] = -ct * sp;
    R[6] = st * cp;
    R[7] = -sp;
    R[8] = ct * cp;
    const { width: W, height: H } = this;
    const vig = light.vignette;
    if (vig === this.vignetteOf) return;
    this.vignetteOf = vig;
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
    if (this.count >= this.cap) this.grow(this.count + 1);
    const id = this.count++;
    const br = this.brush;
    this.pCls[id] = br.cls;
    this.pInst[id] = br.inst;
    this.pMat[id] = br.mat;
    this.pSeed[id] = br.seed;
    this.pFlags[id] = br.ground ? 1 : 0;
    this.pParams.set(br.params, id * PARAM_STRIDE);
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
    const geom = this.pGeom;
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

    const rows = this.scan(m, minY, maxY);
    const invz = this.invz;
    const prim = this.prim;
    const spanX0 = this.spanX0;
    const spanX1 = this.spanX1;
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
   * Scanline walk over the projected polygon in sx/sy, with one fill rule for every polygon (pixel
   * centres, half-open spans, shared edges computed from canonically ordered endpoints, so adjacent
   * polygons neither overlap nor leave cracks). Fills spanX0/spanX1 per row and returns the row range
   * packed as (first << 16) | last; first > last when nothing is covered.
   */
  private scan(m: number, minY: number, maxY: number): number {
    const { sx, sy, width: W, height: H, spanX0, spanX1 } = this;
    const yStart = Math.max(0, Math.ceil(minY - 0.5));
    const yEnd = Math.min(H - 1, Math.ceil(maxY - 0.5) - 1);
    if (yEnd < yStart) return 1 << 16;
    for (let y = yStart; y <= yEnd; y++) {
      const yc = y + 0.5;
      let xl = Infinity;
      let xr = -Infinity;
      for (let i = 0; i < m; i++) {
        const j = i + 1 === m ? 0 : i + 1;
        let a = i;
        let b = j;
        if (sy[a]! > sy[b]! || (sy[a] === sy[b] && sx[a]! > sx[b]!)) {
          a = j;
          b = i;
        }
        const ya = sy[a]!;
        const yb = sy[b]!;
        if (yc < ya || yc >= yb) continue;
        const x = sx[a]! + ((yc - ya) * (sx[b]! - sx[a]!)) / (yb - ya);
        if (x < xl) xl = x;
        if (x > xr) xr = x;
      }
      if (xl > xr) {
        spanX0[y] = 0;
        spanX1[y] = 0;
        continue;
      }
      spanX0[y] = Math.max(0, Math.ceil(xl - 0.5));
      spanX1[y] = Math.min(W, Math.ceil(xr - 0.5));
    }
    return (yStart << 16) | yEnd;
  }

  /**
   * Cast shadow of a convex caster given by its points (flat [x,y,z,...]): projected along the sun onto
   * the ground plane, its convex hull darkens the ground pixels it covers.
   */
  shadowCaster(pts: ArrayLike<number>, n: number): void {
    const L = this.light.sun;
    if (!this.light.shadows || L[1] <= 0.02) return;
    const m = Math.min(n, 32);
    const hx = this.hullX;
    const hz = this.hullZ;
    for (let i = 0; i < m; i++) {
      const y = pts[i * 3 + 1]!;
      hx[i] = pts[i * 3]! - (L[0] * y) / L[1];
      hz[i] = pts[i * 3 + 2]! - (L[2] * y) / L[1];
    }
    const k = convexHull(hx, hz, m, this.hullIdx);
    if (k < 3) return;
    const { wx, wy, wz, cam, R } = this;
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
    const shadow = this.shadow;
    const rows = this.scan(m2, minY, maxY);
    for (let y = rows >> 16, yEnd = rows & 0xffff; y <= yEnd; y++) {
      if (this.spanX1[y]! > this.spanX0[y]!)
        shadow.fill(1, y * this.width + this.spanX0[y]!, y * this.width + this.spanX1[y]!);
    }
  }

  /** Deferred shading of every pixel, then labels, instances and the edge anti-aliasing of the RGB. */
  finish(): void {
    const { width: W, height: H, cam, light, prim, invz, labels, instances, shaded } = this;
    const f = cam.f;
    const R = this.R;
    const geom = this.pGeom;
    const params = this.pParams;
    const out = this.shadeOut;
    const hz = light.skyHorizon;
    const ze = light.skyZenith;
    const cc = light.cloudColor;
    const env: ShadeEnv = {
      night: light.night,
      wet: light.wet,
      skyR: hz[0],
      skyG: hz[1],
      skyB: hz[2],
      time: this.time,
    };
    const [sunR, sunG, sunB] = light.sunColor;
    const [ambR, ambG, ambB] = light.ambient;
    const [hazeR, hazeG, hazeB] = light.haze;
    const [tR, tG, tB] = light.tint;
    const exposure = light.exposure * 255;
    const hazeK = light.hazeDensity;
    const noiseAmp = light.noise;
    const lights = this.lights;
    const nl = lights.length / 7;
    const noiseTable = this.noiseTable;
    let nIdx = noise.hash3(Math.floor(this.time * 1000), 3, 5) % NOISE_TABLE;
    const noiseK = noiseAmp / 256;
    const cloudiness = light.clouds;
    const colXn = this.colXn;
    for (let x = 0; x < W; x++) colXn[x] = (x + 0.5 - cam.cx) / f;
    const pCls = this.pCls;
    const pInst = this.pInst;
    const pMat = this.pMat;
    const pSeed = this.pSeed;
    const pFlags = this.pFlags;
    const shadowMask = this.shadow;
    const vignette = this.vignette;
    const edges = this.edges;
    let edgeCount = 0;
    for (let y = 0; y < H; y++) {
      const yn = (y + 0.5 - cam.cy) / f;
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const xn = colXn[x]!;
        const id = prim[i]!;
        // a pixel on a primitive boundary (seen from either side) gets anti-aliased below
        if (
          (x + 1 < W && prim[i + 1] !== id) ||
          (y + 1 < H && prim[i + W] !== id) ||
          (x > 0 && prim[i - 1] !== id) ||
          (y > 0 && prim[i - W] !== id)
        ) {
          edges[edgeCount++] = i;
        }
        let r: number;
        let g: number;
        let b: number;
        if (id < 0) {
          labels[i] = SKY_ID;
          instances[i] = SKY_ID;
          // world direction of the ray
          const dwx = R[0]! * xn + R[3]! * yn + R[6]!;
          const dwy = R[1]! * xn + R[4]! * yn + R[7]!;
          const dwz = R[2]! * xn + R[5]! * yn + R[8]!;
          const el = dwy / Math.sqrt(dwx * dwx + dwy * dwy + dwz * dwz);
          const t = el <= 0 ? 0 : Math.min(1, Math.sqrt(el * 2.2));
          r = hz[0] + (ze[0] - hz[0]) * t;
          g = hz[1] + (ze[1] - hz[1]) * t;
          b = hz[2] + (ze[2] - hz[2]) * t;
          if (cloudiness > 0 && el > 0.005) {
            const k = 1 / dwy;
            const n = fbm2(dwx * k * 0.9, dwz * k * 0.9, 4242);
            const c = Math.min(1, Math.max(0, (n - (1 - cloudiness)) * 3)) * Math.min(1, el * 12);
            const shade = 0.8 + 0.35 * n;
            r += (cc[0] * shade - r) * c;
            g += (cc[1] * shade - g) * c;
            b += (cc[2] * shade - b) * c;
          }
        } else {
          labels[i] = pCls[id]!;
          instances[i] = pInst[id]!;
          const z = 1 / invz[i]!;
          const px = xn * z;
          const py = yn * z;
          const gi = id * 9;
          const u = px * geom[gi]! + py * geom[gi + 1]! + z * geom[gi + 2]! + geom[gi + 3]!;
          const v = px * geom[gi + 4]! + py * geom[gi + 5]! + z * geom[gi + 6]! + geom[gi + 7]!;
          shade(pMat[id]!, u, v, params, id * PARAM_STRIDE, pSeed[id]!, env, out);
          let sun = geom[gi + 8]!;
          if (shadowMask[i] && pFlags[id]! & 1) sun = 0;
          let lr = ambR + sunR * sun;
          let lg = ambG + sunG * sun;
          let lb = ambB + sunB * sun;
          for (let q = 0; q < nl; q++) {
            const o = q * 7;
            const dx = px - lights[o]!;
            const dy = py - lights[o + 1]!;
            const dz = z - lights[o + 2]!;
            const d2 = dx * dx + dy * dy + dz * dz;
            const r2 = lights[o + 6]!;
            if (d2 > r2 * 9) continue;
            const w = 1 / (1 + d2 / r2);
            lr += lights[o + 3]! * w;
            lg += lights[o + 4]! * w;
            lb += lights[o + 5]! * w;
          }
          r = out[0]! * lr + out[3]!;
          g = out[1]! * lg + out[4]!;
          b = out[2]! * lb + out[5]!;
          const h = 1 - Math.exp(-z * hazeK);
          r += (hazeR - r) * h;
          g += (hazeG - g) * h;
          b += (hazeB - b) * h;
        }
        const vg = vignette[i]! * exposure;
        const nr = noiseTable[nIdx]! * noiseK;
        const ng = noiseTable[nIdx + 1]! * noiseK;
        const nb = noiseTable[nIdx + 2]! * noiseK;
        nIdx += 3;
        if (nIdx >= NOISE_TABLE) nIdx -= NOISE_TABLE;
        const o = i * 3;
        shaded[o] = r * tR * vg + nr;
        shaded[o + 1] = g * tG * vg + ng;
        shaded[o + 2] = b * tB * vg + nb;
      }
    }
    // Edge anti-aliasing in RGB only: where the visible primitive changes, blend with the neighbours
    // across the edge (a partial-coverage estimate); labels keep the pixel-centre class.
    const rgb = this.rgb;
    rgb.set(shaded);
    for (let e = 0; e < edgeCount; e++) {
      const i = edges[e]!;
      const x = i % W;
      const y = (i - x) / W;
      const p = prim[i]!;
      let n = 0;
      let sr = 0;
      let sg = 0;
      let sb = 0;
      if (x + 1 < W && prim[i + 1] !== p) {
        const o = (i + 1) * 3;
        sr += shaded[o]!;
        sg += shaded[o + 1]!;
        sb += shaded[o + 2]!;
        n++;
      }
      if (x > 0 && prim[i - 1] !== p) {
        const o = (i - 1) * 3;
        sr += shaded[o]!;
        sg += shaded[o + 1]!;
        sb += shaded[o + 2]!;
        n++;
      }
      if (y + 1 < H && prim[i + W] !== p) {
        const o = (i + W) * 3;
        sr += shaded[o]!;
        sg += shaded[o + 1]!;
        sb += shaded[o + 2]!;
        n++;
      }
      if (y > 0 && prim[i - W] !== p) {
        const o = (i - W) * 3;
        sr += shaded[o]!;
        sg += shaded[o + 1]!;
        sb += shaded[o + 2]!;
        n++;
      }
      const o = i * 3;
      const wSelf = 2;
      const inv = 1 / (wSelf + n * 0.5);
      rgb[o] = ((shaded[o]! * wSelf + sr * 0.5) * inv + 0.5) | 0;
      rgb[o + 1] = ((shaded[o + 1]! * wSelf + sg * 0.5) * inv + 0.5) | 0;
      rgb[o + 2] = ((shaded[o + 2]! * wSelf + sb * 0.5) * inv + 0.5) | 0;
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
