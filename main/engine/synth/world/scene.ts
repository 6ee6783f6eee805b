// What placement builds and the render list draws: every object of the sequence as an entity that
// knows where it is along the street (for culling) and how to draw itself at time t.
import type { CameraPose, Lighting, Rasterizer } from '../raster.js';
import type { GroundLook } from './geometry/ground.js';
import type { RoadNetwork } from './road-network.js';
import type { StreetLayout } from './street-layout.js';

export interface Entity {
  /** Position along the main street at t = 0, for culling. */
  s: number;
  /** Speed along the street (signed), for culling moving things. */
  v: number;
  /** Extra reach (half length, cross streets) added to the culling window. */
  reach: number;
  draw(r: Rasterizer, t: number, cam: CameraPose): void;
}

export class Scene {
  /** In placement order, which is also draw order (the first of two equal depths wins a pixel). */
  readonly entities: Entity[] = [];
  private readonly instanceCounters = new Map<number, number>();

  constructor(
    readonly road: RoadNetwork,
    readonly layout: StreetLayout,
    readonly look: GroundLook,
    readonly lighting: Lighting,
  ) {}

  nextInstance(cls: number): number {
    const n = this.instanceCounters.get(cls) ?? 0;
    this.instanceCounters.set(cls, n + 1);
    // Cityscapes instanceIds: labelId*1000 + index, the index unique per class within the sequence
    return cls * 1000 + (n % 1000);
  }
}
