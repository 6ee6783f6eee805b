// What the weather hands the rasteriser: sun, sky, haze and the camera's response.
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
