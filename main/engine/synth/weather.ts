// Weather presets: sun, sky, haze, wetness and sensor settings of one sequence.
import type { Lighting } from './raster.js';
import type { Rng } from './noise.js';

export const WEATHERS = ['clear', 'overcast', 'fog', 'dusk', 'night', 'rain'] as const;
export type Weather = (typeof WEATHERS)[number];
export type WeatherOption = Weather | 'mixed';

/** For 'mixed' runs: mostly daylight, as in real driving datasets, with some hard conditions. */
export function pickWeather(option: WeatherOption, rng: Rng): Weather {
  if (option !== 'mixed') return option;
  return rng.weighted<Weather>([
    ['clear', 4],
    ['overcast', 3],
    ['dusk', 1.5],
    ['rain', 1.5],
    ['fog', 1],
    ['night', 1],
  ]);
}

type V3 = [number, number, number];

function sunVector(elevationDeg: number, azimuthRad: number): V3 {
  const e = (elevationDeg * Math.PI) / 180;
  return [Math.cos(e) * Math.sin(azimuthRad), Math.sin(e), Math.cos(e) * Math.cos(azimuthRad)];
}

const scale = (v: V3, k: number): V3 => [v[0] * k, v[1] * k, v[2] * k];

export function weatherLighting(w: Weather, rng: Rng): Lighting {
  const azimuth = rng.range(0, Math.PI * 2);
  const tint: V3 = [rng.range(0.95, 1.05), rng.range(0.97, 1.03), rng.range(0.94, 1.06)];
  const exposureJitter = rng.range(0.9, 1.1);
  const base = { tint, vignette: rng.range(0.2, 0.4), night: 0, wet: 0 };
  switch (w) {
    case 'clear': {
      const horizon: V3 = [0.68, 0.76, 0.86];
      return {
        ...base,
        sun: sunVector(rng.range(25, 60), azimuth),
        sunColor: scale([1.0, 0.95, 0.86], rng.range(0.75, 0.95)),
        ambient: [0.42, 0.46, 0.54],
        shadows: true,
        skyZenith: [0.26, 0.45, 0.78],
        skyHorizon: horizon,
        cloudColor: [0.93, 0.93, 0.95],
        clouds: rng.range(0.1, 0.45),
        haze: horizon,
        hazeDensity: rng.range(0.002, 0.005),
        exposure: 0.95 * exposureJitter,
        noise: 5,
      };
    }
    case 'overcast': {
      const horizon: V3 = [0.76, 0.77, 0.79];
      return {
        ...base,
        sun: sunVector(70, azimuth),
        sunColor: [0.12, 0.12, 0.12],
        ambient: [0.78, 0.79, 0.82],
        shadows: false,
        skyZenith: [0.6, 0.62, 0.66],
        skyHorizon: horizon,
        cloudColor: [0.68, 0.69, 0.72],
        clouds: 0.85,
        haze: horizon,
        hazeDensity: rng.range(0.004, 0.008),
        exposure: 1.0 * exposureJitter,
        noise: 6,
      };
    }
    case 'fog': {
      const fog: V3 = [0.72, 0.73, 0.75];
      return {
        ...base,
        sun: sunVector(60, azimuth),
        sunColor: [0.08, 0.08, 0.08],
        ambient: [0.8, 0.8, 0.82],
        shadows: false,
        skyZenith: [0.74, 0.75, 0.77],
        skyHorizon: fog,
        cloudColor: fog,
        clouds: 0,
        haze: fog,
        hazeDensity: rng.range(0.02, 0.04),
        exposure: 1.0 * exposureJitter,
        noise: 6,
      };
    }
    case 'dusk': {
      const horizon: V3 = [0.92, 0.62, 0.45];
      return {
        ...base,
        sun: sunVector(rng.range(5, 12), azimuth),
        sunColor: scale([1.0, 0.62, 0.36], rng.range(0.8, 1.0)),
        ambient: [0.3, 0.28, 0.36],
        shadows: true,
        skyZenith: [0.24, 0.3, 0.52],
        skyHorizon: horizon,
        cloudColor: [0.75, 0.5, 0.45],
        clouds: rng.range(0.2, 0.5),
        haze: [0.7, 0.55, 0.5],
        hazeDensity: rng.range(0.004, 0.008),
        exposure: 1.1 * exposureJitter,
        noise: 7,
      };
    }
    case 'night': {
      return {
        ...base,
        night: 1,
        sun: sunVector(-20, azimuth),
        sunColor: [0, 0, 0],
        ambient: [0.05, 0.055, 0.08],
        shadows: false,
        skyZenith: [0.01, 0.015, 0.04],
        skyHorizon: [0.09, 0.085, 0.11],
        cloudColor: [0.1, 0.09, 0.1],
        clouds: 0.3,
        haze: [0.06, 0.06, 0.08],
        hazeDensity: 0.01,
        exposure: 1.3 * exposureJitter,
        noise: 10,
      };
    }
    case 'rain': {
      const horizon: V3 = [0.58, 0.6, 0.63];
      return {
        ...base,
        wet: rng.range(0.6, 1),
        sun: sunVector(70, azimuth),
        sunColor: [0.05, 0.05, 0.05],
        ambient: [0.58, 0.6, 0.64],
        shadows: false,
        skyZenith: [0.42, 0.44, 0.48],
        skyHorizon: horizon,
        cloudColor: [0.5, 0.51, 0.54],
        clouds: 0.9,
        haze: horizon,
        hazeDensity: rng.range(0.008, 0.015),
        exposure: 1.05 * exposureJitter,
        noise: 8,
      };
    }
  }
}
