// Surface appearance of SynthDrive: each material turns a surface coordinate (u, v in metres on the face)
// into an albedo. Colours are deliberately shared across classes (grey asphalt, grey concrete, grey and
// white cars, green grass and green leaves) so that colour alone does not give a pixel's class away.
import * as noise from './noise.js';

// Module-local copies: called per pixel, and a direct local call is cheaper than an imported binding
// under some loaders (tsx's ESM interop wraps imports in getters).
const fbm2 = noise.fbm2;
const hashf = noise.hashf;
const valueNoise = noise.valueNoise;

export const MAT = {
  plain: 0,
  asphalt: 1,
  paving: 2,
  curb: 3,
  parking: 4,
  grass: 5,
  dirt: 6,
  facade: 7,
  roof: 8,
  foliage: 9,
  bark: 10,
  paint: 11,
  cabin: 12,
  bus: 13,
  sign: 14,
  trafficLight: 15,
  cloth: 16,
  fence: 17,
  rail: 18,
  metal: 19,
  tyre: 20,
  lamp: 21,
} as const;

/** Per-primitive parameter block: [0..2] base colour, [3..5] second colour, [6..11] material-specific. */
export const PARAM_STRIDE = 12;

export interface ShadeEnv {
  /** 1 at night: windows, lamps and car lights glow. */
  night: number;
  /** 0..1, wet surfaces are darker and pick up the sky. */
  wet: number;
  /** Sky colour near the horizon, what wet and glass surfaces reflect. */
  skyR: number;
  skyG: number;
  skyB: number;
  /** Seconds since the sequence start, for blinking / cycling lights. */
  time: number;
}

/**
 * Writes albedo to out[0..2] and emission to out[3..5] (light that does not depend on the sun).
 * `P`/`po`: the primitive's parameter block; `seed`: the primitive's own seed.
 */
export function shadeMaterial(
  mat: number,
  uIn: number,
  vIn: number,
  P: Float32Array,
  po: number,
  seed: number,
  env: ShadeEnv,
  out: Float32Array,
): void {
  let u = uIn;
  let v = vIn;
  let r = P[po]!;
  let g = P[po + 1]!;
  let b = P[po + 2]!;
  let er = 0;
  let eg = 0;
  let eb = 0;
  switch (mat) {
    case MAT.asphalt: {
      // P6 lane half width (edge line position), P7 centre-line style (0 dashed, 1 solid, 2 none),
      // P8/P9 crossing u range, P10 lane width for multi-lane dashes, P11 stop-line u (or -1e9)
      const n = valueNoise(u * 0.35, v * 0.35, seed) - 0.5;
      let k = 1 + n * 0.22 + (hashf(Math.floor(u * 9), Math.floor(v * 9), seed) - 0.5) * 0.07;
      // patches: darker or lighter repaired rectangles
      const cu = Math.floor(u / 7);
      const cv = Math.floor(v / 2.2);
      const ph = hashf(cu, cv, seed + 17);
      if (ph < 0.12) {
        const fu = u / 7 - cu;
        const fv = v / 2.2 - cv;
        if (fu > 0.15 && fu < 0.75 && fv > 0.1 && fv < 0.8) k *= ph < 0.06 ? 0.82 : 1.12;
      }
      // tyre tracks: slightly darker polished bands
      const half = P[po + 6]!;
      const laneW = P[po + 10]!;
      const inLane = ((Math.abs(v) % laneW) + laneW) % laneW;
      if (Math.abs(inLane - laneW * 0.27) < 0.35 || Math.abs(inLane - laneW * 0.73) < 0.35) k *= 0.93;
      let mark = 0;
      const av = Math.abs(v);
      // centre line
      const style = P[po + 7]!;
      if (av < 0.07 && style !== 2 && (style === 1 || ((u % 12) + 12) % 12 < 4.5)) mark = 1;
      // lane dividers of multi-lane roads
      if (half > laneW * 1.5) {
        const dl = Math.abs(av - laneW);
        if (dl < 0.07 && ((u % 9) + 9) % 9 < 3) mark = 1;
      }
      // edge lines
      if (Math.abs(av - (half - 0.25)) < 0.08) mark = 1;
      // pedestrian crossing stripes across the whole road
      if (u >= P[po + 8]! && u <= P[po + 9]! && av < half - 0.4 && (v + 100) % 1.0 < 0.5) mark = 1;
      if (Math.abs(u - P[po + 11]!) < 0.2 && v > 0 && v < half - 0.3) mark = 1;
      if (mark) {
        const wear = 0.55 + 0.45 * valueNoise(u * 1.3, v * 4, seed + 5);
        const m = 0.86 * wear;
        r = r * (1 - wear) + m;
        g = g * (1 - wear) + m;
        b = b * (1 - wear) + m * 0.97;
      } else {
        r *= k;
        g *= k;
        b *= k;
      }
      if (env.wet > 0) {
        const w = env.wet * (0.45 + 0.4 * valueNoise(u * 0.25, v * 0.5, seed + 9));
        r = r * (1 - w * 0.5) + env.skyR * w * 0.35;
        g = g * (1 - w * 0.5) + env.skyG * w * 0.35;
        b = b * (1 - w * 0.5) + env.skyB * w * 0.35;
      }
      break;
    }
    case MAT.paving: {
      // P6 tile size, P7 joint darkness
      const t = P[po + 6]!;
      const fu = u / t - Math.floor(u / t);
      const fv = v / t - Math.floor(v / t);
      let k = 1 + (hashf(Math.floor(u / t), Math.floor(v / t), seed) - 0.5) * 0.16;
      if (fu < 0.06 || fv < 0.06) k *= P[po + 7]!;
      k *= 0.9 + 0.2 * valueNoise(u * 0.4, v * 0.4, seed + 3);
      r *= k;
      g *= k;
      b *= k;
      if (env.wet > 0) {
        r = r * (1 - env.wet * 0.35) + env.skyR * env.wet * 0.12;
        g = g * (1 - env.wet * 0.35) + env.skyG * env.wet * 0.12;
        b = b * (1 - env.wet * 0.35) + env.skyB * env.wet * 0.12;
      }
      break;
    }
    case MAT.curb:
    case MAT.plain:
    case MAT.roof: {
      const k = 0.88 + 0.24 * fbm2(u * 0.8, v * 0.8, seed);
      r *= k;
      g *= k;
      b *= k;
      break;
    }
    case MAT.parking: {
      // P6 bay length; white bay lines across the strip
      const k =
        0.9 +
        0.2 * fbm2(u * 0.5, v * 0.5, seed) +
        (hashf(Math.floor(u * 6), Math.floor(v * 6), seed) - 0.5) * 0.08;
      const bay = P[po + 6]!;
      const fu = ((u % bay) + bay) % bay;
      if (fu < 0.12) {
        r = g = b = 0.78;
      } else {
        r *= k;
        g *= k;
        b *= k;
      }
      break;
    }
    case MAT.grass:
    case MAT.dirt: {
      // P3..5 second colour (dry grass / bare soil) mixed in by large-scale noise
      const n = fbm2(u * 0.18, v * 0.18, seed);
      const m = Math.min(1, Math.max(0, (n - 0.35) * 2.2));
      const fine = 0.85 + 0.3 * hashf(Math.floor(u * 12), Math.floor(v * 12), seed);
      r = (r * (1 - m) + P[po + 3]! * m) * fine;
      g = (g * (1 - m) + P[po + 4]! * m) * fine;
      b = (b * (1 - m) + P[po + 5]! * m) * fine;
      break;
    }
    case MAT.facade: {
      // P3..5 window frame colour, P6 style (0 plaster, 1 brick, 2 concrete, 3 glass), P7 floor height,
      // P8 window spacing, P9 window width fraction, P10 face width (door position), P11 ground floor shop
      const style = P[po + 6]!;
      const floorH = P[po + 7]!;
      const spacing = P[po + 8]!;
      let k = 1;
      if (style === 1) {
        // brick courses
        const row = Math.floor(v / 0.075);
        const off = row & 1 ? 0.125 : 0;
        const fu = (u + off) / 0.25 - Math.floor((u + off) / 0.25);
        const fv = v / 0.075 - row;
        k = 0.85 + 0.3 * hashf(Math.floor((u + off) / 0.25), row, seed);
        if (fu < 0.08 || fv < 0.15) k = 1.25;
      } else if (style === 2) {
        // concrete panels with joints and stains
        const fu = u / 3 - Math.floor(u / 3);
        const fv = v / floorH - Math.floor(v / floorH);
        k = 0.85 + 0.25 * fbm2(u * 0.5, v * 0.3, seed);
        if (fu < 0.012 || fv < 0.02) k *= 0.75;
      } else {
        k = 0.9 + 0.2 * fbm2(u * 0.6, v * 0.6, seed);
      }
      const floor = Math.floor(v / floorH);
      const fv = v / floorH - floor;
      const col = Math.floor(u / spacing);
      const fu = u / spacing - col;
      const ww = P[po + 9]!;
      let win = false;
      let door = false;
      if (floor === 0) {
        const doorU = P[po + 10]! * 0.5;
        if (Math.abs(u - doorU) < 0.6 && v < 2.3) door = true;
        else if (P[po + 11]! > 0 && v > 0.5 && v < floorH * 0.82 && fu > 0.06 && fu < 0.94) win = true;
      } else if (style === 3) {
        win = fu > 0.02 && fu < 0.98 && fv > 0.06;
      } else {
        win = fu > 0.5 - ww * 0.5 && fu < 0.5 + ww * 0.5 && fv > 0.3 && fv < 0.85;
      }
      if (door) {
        r = P[po + 3]! * 0.6;
        g = P[po + 4]! * 0.6;
        b = P[po + 5]! * 0.6;
      } else if (win) {
        const wh = hashf(col, floor, seed);
        const refl = 0.35 + 0.5 * wh;
        r = 0.08 + env.skyR * refl * 0.55;
        g = 0.09 + env.skyG * refl * 0.55;
        b = 0.11 + env.skyB * refl * 0.6;
        if (env.night > 0 && wh > 0.55) {
          const warm = 0.5 + 0.5 * hashf(col, floor, seed + 1);
          er = env.night * 0.9 * warm;
          eg = env.night * 0.72 * warm;
          eb = env.night * 0.45 * warm;
        }
        // window frame
        if (
          style !== 3 &&
          (fu < 0.5 - ww * 0.5 + 0.03 || fu > 0.5 + ww * 0.5 - 0.03 || fv < 0.33 || fv > 0.82)
        ) {
          r = P[po + 3]!;
          g = P[po + 4]!;
          b = P[po + 5]!;
        }
      } else {
        r *= k;
        g *= k;
        b *= k;
        // dirt towards the ground
        if (v < 1) {
          const d = 0.8 + 0.2 * v;
          r *= d;
          g *= d;
          b *= d;
        }
      }
      break;
    }
    case MAT.foliage: {
      // P7 > 0: a canopy billboard of that radius centred on (0, 0): darker rim and underside fake the
      // shading of a round crown
      const n = fbm2(u * 2.2, v * 2.2, seed);
      let k = 0.55 + 0.8 * n * n;
      const rad = P[po + 7]!;
      if (rad > 0) {
        const q = Math.min(1, (u * u + v * v) / (rad * rad));
        k *= (0.72 + 0.28 * Math.sqrt(1 - q)) * (0.85 + 0.15 * Math.max(-1, Math.min(1, v / rad)));
      }
      const dry = hashf(Math.floor(u * 3), Math.floor(v * 3), seed + 2) * 0.15;
      r = (r + dry * 0.5) * k;
      g = g * k;
      b = b * k * 0.9;
      break;
    }
    case MAT.bark: {
      const k = 0.75 + 0.35 * valueNoise(u * 12, v * 1.5, seed);
      r *= k;
      g *= k;
      b *= k;
      break;
    }
    case MAT.paint: {
      // P6 face kind (0 side, 1 front, 2 rear, 3 top), P7 face width, P8 face height
      const face = P[po + 6]!;
      const w = P[po + 7]!;
      const h = P[po + 8]!;
      const gloss = 0.9 + 0.2 * (v / h);
      r *= gloss;
      g *= gloss;
      b *= gloss;
      if (face === 0 && v < h * 0.25) {
        r *= 0.55;
        g *= 0.55;
        b *= 0.55;
      } else if (face === 1 || face === 2) {
        const edge = u < w * 0.2 || u > w * 0.8;
        if (edge && v > h * 0.55 && v < h * 0.85) {
          if (face === 1) {
            r = g = b = 0.85;
            if (env.night > 0) er = eg = eb = env.night * 1.6;
          } else {
            r = 0.6;
            g = 0.05;
            b = 0.05;
            if (env.night > 0) {
              er = env.night * 1.1;
              eg = env.night * 0.08;
            }
          }
        } else if (face === 1 && u > w * 0.3 && u < w * 0.7 && v > h * 0.35 && v < h * 0.7) {
          r *= 0.3;
          g *= 0.3;
          b *= 0.3;
        } else if (v > h * 0.2 && v < h * 0.38 && u > w * 0.35 && u < w * 0.65) {
          r = g = b = 0.82; // licence plate
        }
      }
      break;
    }
    case MAT.cabin: {
      // P6 face kind, P7 face width, P8 face height: glass with pillars in body colour
      const face = P[po + 6]!;
      const w = P[po + 7]!;
      const h = P[po + 8]!;
      let glass = v > h * 0.08 && v < h * 0.92 && u > w * 0.05 && u < w * 0.95;
      if (face === 0) {
        const p = u / w;
        if (Math.abs(p - 0.5) < 0.03) glass = false;
      } else if (face === 3) glass = false;
      if (glass) {
        const refl = 0.25 + 0.35 * (v / h);
        r = 0.05 + env.skyR * refl;
        g = 0.06 + env.skyG * refl;
        b = 0.08 + env.skyB * refl;
      }
      break;
    }
    case MAT.bus: {
      // P6 face kind, P7 face width, P8 face height
      const face = P[po + 6]!;
      const h = P[po + 8]!;
      const w = P[po + 7]!;
      if (face === 0 && v > h * 0.42 && v < h * 0.88 && u % 1.6 > 0.12) {
        r = 0.06 + env.skyR * 0.3;
        g = 0.07 + env.skyG * 0.3;
        b = 0.09 + env.skyB * 0.35;
        if (env.night > 0) {
          er = env.night * 0.5;
          eg = env.night * 0.5;
          eb = env.night * 0.45;
        }
      } else if ((face === 1 || face === 2) && v > h * 0.35 && v < h * 0.9 && u > w * 0.05 && u < w * 0.95) {
        r = 0.05 + env.skyR * 0.35;
        g = 0.06 + env.skyG * 0.35;
        b = 0.08 + env.skyB * 0.4;
      } else if (v < h * 0.12) {
        r *= 0.4;
        g *= 0.4;
        b *= 0.4;
      }
      break;
    }
    case MAT.sign: {
      // P6 design, P7 radius; u, v centred on the plate
      const design = P[po + 6]!;
      const rad = P[po + 7]!;
      const d = Math.max(Math.abs(u), Math.abs(v)) / rad;
      const dr = Math.sqrt(u * u + v * v) / rad;
      if (design === 0) {
        // prohibition: red ring, white disc, dark number
        if (dr > 0.75) {
          r = 0.75;
          g = 0.08;
          b = 0.1;
        } else if (Math.abs(u) < 0.35 * rad && Math.abs(v) < 0.3 * rad && ((u / rad) * 10 + 10) % 3 < 1.2) {
          r = g = b = 0.1;
        } else r = g = b = 0.88;
      } else if (design === 1) {
        // mandatory: blue disc with white arrow
        if (Math.abs(u) < 0.12 * rad && v > -0.5 * rad && v < 0.4 * rad) r = g = b = 0.9;
        else {
          r = 0.08;
          g = 0.25;
          b = 0.65;
        }
      } else if (design === 2) {
        // priority diamond: white border, yellow centre
        if (d > 0.72) r = g = b = 0.9;
        else {
          r = 0.92;
          g = 0.72;
          b = 0.1;
        }
      } else if (design === 3) {
        // information: blue/green rectangle with white text bars
        const text = Math.abs(v) < 0.6 * rad && ((v / rad) * 5 + 10) % 1 < 0.45 && Math.abs(u) < 0.8 * rad;
        if (text) r = g = b = 0.9;
      } else {
        // warning triangle: red border, white inside, dark pictogram
        if (d > 0.55) {
          r = 0.75;
          g = 0.1;
          b = 0.1;
        } else if (dr < 0.22) r = g = b = 0.12;
        else r = g = b = 0.9;
      }
      break;
    }
    case MAT.trafficLight: {
      // P6 which lamp is lit (0 top red, 1 amber, 2 green), P7 housing height; u, v from the housing centre
      const hh = P[po + 7]!;
      const lit = P[po + 6]!;
      u -= P[po + 8]!;
      v -= P[po + 9]!;
      for (let i = 0; i < 3; i++) {
        const cy = hh * (0.3 - i * 0.3);
        const dy = v - cy;
        if (u * u + dy * dy < 0.09 * 0.09) {
          const on = i === lit;
          const lr = i === 2 ? 0.1 : 1.0;
          const lg = i === 0 ? 0.12 : i === 1 ? 0.6 : 0.9;
          const lb = i === 2 ? 0.5 : 0.08;
          r = on ? lr : lr * 0.15;
          g = on ? lg : lg * 0.15;
          b = on ? lb : lb * 0.15;
          if (on) {
            er = lr * 0.8;
            eg = lg * 0.8;
            eb = lb * 0.8;
          }
        }
      }
      break;
    }
    case MAT.cloth: {
      const k = 0.85 + 0.3 * valueNoise(u * 6, v * 6, seed);
      r *= k;
      g *= k;
      b *= k;
      break;
    }
    case MAT.fence: {
      // P6 style (0 wooden slats, 1 wire mesh, 2 metal bars): gaps show a darker backing
      const style = P[po + 6]!;
      let gap = false;
      if (style === 0) gap = ((u % 0.14) + 0.14) % 0.14 < 0.03;
      else if (style === 1)
        gap = (((u + v) % 0.1) + 0.1) % 0.1 > 0.02 && (((u - v) % 0.1) + 0.1) % 0.1 > 0.02;
      else gap = ((u % 0.15) + 0.15) % 0.15 > 0.03 && v > 0.1 && v < P[po + 7]! - 0.1;
      const k = 0.85 + 0.3 * valueNoise(u * 3, v * 3, seed);
      if (gap) {
        r = P[po + 3]! * k;
        g = P[po + 4]! * k;
        b = P[po + 5]! * k;
      } else {
        r *= k;
        g *= k;
        b *= k;
      }
      break;
    }
    case MAT.rail: {
      const band = ((v % 0.1) + 0.1) % 0.1;
      const k = band < 0.03 ? 0.75 : band < 0.07 ? 1.1 : 0.95;
      r *= k;
      g *= k;
      b *= k;
      break;
    }
    case MAT.metal: {
      const k = 0.8 + 0.35 * valueNoise(u * 4, v * 0.7, seed);
      r *= k;
      g *= k;
      b *= k;
      break;
    }
    case MAT.tyre: {
      const k = 0.8 + 0.3 * hashf(Math.floor(u * 20), Math.floor(v * 20), seed);
      r *= k;
      g *= k;
      b *= k;
      break;
    }
    case MAT.lamp: {
      if (env.night > 0) {
        er = env.night * 1.6;
        eg = env.night * 1.4;
        eb = env.night * 1.0;
      }
      break;
    }
    default:
      break;
  }
  out[0] = r;
  out[1] = g;
  out[2] = b;
  out[3] = er;
  out[4] = eg;
  out[5] = eb;
}
