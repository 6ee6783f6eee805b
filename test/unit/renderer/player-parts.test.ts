// The player's rules that live beside its hooks: what I isolates, how +/− step the opacity, which
// layers a sequence can show, the zoom limits, the tooltip's class names, when a frame counts as
// decoded (playback advances only then), and the mapping board's per-cluster statistics.
import { describe, expect, it } from 'vitest';
import { LAYER_BITS } from '../../../renderer/src/gl/layers.js';
import { clusterStatsOf } from '../../../renderer/src/views/mapping/use-mapping-score.js';
import { classLabel, clampZoom, hoverIsolation, isFrameCached, layerAvailable, stepOpacity } from '../../../renderer/src/views/player/player-rules.js';

const hover = (gtClass: number | null, cluster: number | null) => ({ x: 0, y: 0, px: 1, py: 2, gtClass, cluster });

describe('player rules', () => {
  it('isolates the hovered cluster when the clusters layer is on, else the hovered GT class', () => {
    const both = LAYER_BITS.image | LAYER_BITS.clusters;
    expect(hoverIsolation(hover(3, 7), both)).toEqual({ kind: 'cluster', id: 7 });
    expect(hoverIsolation(hover(3, 7), LAYER_BITS.image | LAYER_BITS.gt)).toEqual({ kind: 'class', id: 3 });
    expect(hoverIsolation(hover(3, null), both)).toEqual({ kind: 'class', id: 3 });
    // 255 is 'ignore' in the GT map: nothing to isolate.
    expect(hoverIsolation(hover(255, null), both)).toBeNull();
    expect(hoverIsolation(null, both)).toBeNull();
  });

  it('steps the opacity in 5 % steps, clamped to 0–100 %', () => {
    expect(stepOpacity(0.55, 0.05)).toBe(0.6);
    expect(stepOpacity(0.98, 0.05)).toBe(1);
    expect(stepOpacity(0.02, -0.05)).toBe(0);
  });

  it('offers GT with ground truth, clusters and classes with a run, errors with both', () => {
    expect(layerAvailable('image', false, false)).toBe(true);
    expect(layerAvailable('gt', true, false)).toBe(true);
    expect(layerAvailable('gt', false, true)).toBe(false);
    expect(layerAvailable('classes', false, true)).toBe(true);
    expect(layerAvailable('clusters', true, false)).toBe(false);
    expect(layerAvailable('errors', true, false)).toBe(false);
    expect(layerAvailable('errors', true, true)).toBe(true);
  });

  it('keeps the zoom between 1/4 and 32×', () => {
    expect(clampZoom(0.1)).toBe(0.25);
    expect(clampZoom(2)).toBe(2);
    expect(clampZoom(100)).toBe(32);
  });

  it('names classes for the tooltip; ignore and unmapped say so', () => {
    const protocol = { classNames: ['road', 'car'] } as unknown as Parameters<typeof classLabel>[0];
    expect(classLabel(protocol, 1)).toBe('car');
    expect(classLabel(protocol, 9)).toBe('class 9');
    expect(classLabel(protocol, 255)).toBe('unmapped');
    expect(classLabel(protocol, -1)).toBe('unmapped');
    expect(classLabel(null, undefined)).toBe('unmapped');
  });

  it('counts a frame as decoded only when every asset it has is in the cache', () => {
    const cached = new Set(['img', 'gt']);
    const cache = { has: (u: string) => cached.has(u) };
    expect(isFrameCached(cache, { image: 'img', gt: 'gt', clusters: null })).toBe(true);
    expect(isFrameCached(cache, { image: 'img', gt: 'gt', clusters: 'cl' })).toBe(false);
    expect(isFrameCached(cache, { image: 'other', gt: null, clusters: null })).toBe(false);
  });
});

describe('mapping cluster statistics', () => {
  it('gives each cluster its pixel share, its majority GT class and that class share', () => {
    // K = 3 clusters × C = 2 classes; cluster 2 is empty.
    const hist = Float64Array.from([30, 10, 0, 60, 0, 0]);
    const stats = clusterStatsOf(hist, 3, 2, 100);
    expect(stats[0]).toEqual({ share: 0.4, topClass: 0, purity: 0.75 });
    expect(stats[1]).toEqual({ share: 0.6, topClass: 1, purity: 1 });
    expect(stats[2]).toEqual({ share: 0, topClass: -1, purity: 0 });
  });
});
