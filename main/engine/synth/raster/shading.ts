// The deferred shading pass: every pixel shades only the primitive the depth test left visible, so
// material cost does not grow with overdraw. Sky, materials, sun and shadow, night lights, haze, then the
// camera (tint, exposure, vignetting, sensor noise). Labels and instances are written in the same pass.
import { PARAM_STRIDE as PARAM_STRIDE_IMPORTED, shadeMaterial, type ShadeEnv } from '../materials.js';
import * as noise from '../noise.js';
import type { CameraPose } from './camera.js';
import type { Lighting } from './lighting.js';
import { NOISE_TABLE, type PixelBuffers } from './pixel-buffers.js';
import type { PrimitiveTable } from './primitives.js';

// local copies of the per-pixel helpers (see materials.ts)
const fbm2 = noise.fbm2;
const shade = shadeMaterial;
const PARAM_STRIDE = PARAM_STRIDE_IMPORTED;
/** Cityscapes labelId of sky: what a pixel no primitive covers is. */
const SKY_ID = 23;

/**
 * Shades every pixel into `px.shaded` and writes labels and instances; lists the pixels on a primitive
 * boundary in `px.edges` and returns how many there are. `lights` holds 7 numbers per night light
 * (camera-space position, colour, radius²); `out` is the material's scratch output.
 */
export function shadePixels(
  px: PixelBuffers,
  prims: PrimitiveTable,
  cam: CameraPose,
  R: Float64Array,
  light: Lighting,
  time: number,
  lights: readonly number[],
  out: Float32Array,
): number {
  const { width: W, height: H, prim, invz, labels, instances, shaded } = px;
  const f = cam.f;
  const geom = prims.geom;
  const params = prims.params;
  const hz = light.skyHorizon;
  const ze = light.skyZenith;
  const cc = light.cloudColor;
  const env: ShadeEnv = {
    night: light.night,
    wet: light.wet,
    skyR: hz[0],
    skyG: hz[1],
    skyB: hz[2],
    time,
  };
  const [sunR, sunG, sunB] = light.sunColor;
  const [ambR, ambG, ambB] = light.ambient;
  const [hazeR, hazeG, hazeB] = light.haze;
  const [tR, tG, tB] = light.tint;
  const exposure = light.exposure * 255;
  const hazeK = light.hazeDensity;
  const noiseAmp = light.noise;
  const nl = lights.length / 7;
  const noiseTable = px.noiseTable;
  let nIdx = noise.hash3(Math.floor(time * 1000), 3, 5) % NOISE_TABLE;
  const noiseK = noiseAmp / 256;
  const cloudiness = light.clouds;
  const colXn = px.colXn;
  for (let x = 0; x < W; x++) colXn[x] = (x + 0.5 - cam.cx) / f;
  const pCls = prims.cls;
  const pInst = prims.inst;
  const pMat = prims.mat;
  const pSeed = prims.seed;
  const pFlags = prims.flags;
  const shadowMask = px.shadow;
  const vignette = px.vignette;
  const edges = px.edges;
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
  return edgeCount;
}
