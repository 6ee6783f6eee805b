// The player's small rules, pure so they are unit-tested without a browser: what I isolates, how +/−
// step the opacity, which layers a sequence can show, the zoom limits, the tooltip's class names and
// when a frame counts as decoded.
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { LAYER_BITS, type LayerName } from '../../gl/layers.js';

/** What the player loads for one frame: the image, its ground truth and its cluster map (when there are). */
export interface FrameUrls {
  readonly image: string;
  readonly gt: string | null;
  readonly clusters: string | null;
}

export interface Isolation {
  readonly kind: 'class' | 'cluster';
  readonly id: number;
}

/**
 * What I isolates: the hovered cluster when the clusters layer is on, else the hovered ground-truth
 * class (not 255 = ignore), else nothing.
 */
export function hoverIsolation(
  hover: { readonly gtClass: number | null; readonly cluster: number | null } | null,
  layers: number,
): Isolation | null {
  if (hover === null) return null;
  if ((layers & LAYER_BITS.clusters) !== 0 && hover.cluster !== null) return { kind: 'cluster', id: hover.cluster };
  if (hover.gtClass !== null && hover.gtClass !== 255) return { kind: 'class', id: hover.gtClass };
  return null;
}

/** +/− move the opacity in 5 % steps, clamped to 0–100 %. */
export function stepOpacity(opacity: number, delta: number): number {
  return Math.round(Math.min(1, Math.max(0, opacity + delta)) * 20) / 20;
}

/** GT needs ground truth, clusters and classes need a run's cluster maps, errors need both. */
export function layerAvailable(name: LayerName, hasGt: boolean, hasClusters: boolean): boolean {
  if (name === 'gt') return hasGt;
  if (name === 'clusters' || name === 'classes') return hasClusters;
  if (name === 'errors') return hasGt && hasClusters;
  return true;
}

const MIN_ZOOM = 0.25;
const MAX_ZOOM = 32;

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** A class index as its protocol name; 255 (ignore), negatives (unmapped) and missing say 'unmapped'. */
export function classLabel(protocol: Pick<LabelProtocol, 'classNames'> | null, c: number | null | undefined): string {
  return c === null || c === undefined || c === 255 || c < 0 ? 'unmapped' : (protocol?.classNames[c] ?? `class ${c}`);
}

/** Whether every asset of a frame is decoded (playback advances only onto such frames). */
export function isFrameCached(cache: { has(url: string): boolean }, u: FrameUrls): boolean {
  return Object.values(u).every((url) => url === null || cache.has(url));
}
