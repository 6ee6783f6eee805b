// Palettes and lookup tables: cheap texture updates, so every legend or mapping edit redraws instantly
// without touching the masks.
import { useEffect } from 'react';
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { MAX_CLUSTER_IDS } from '../../gl/mask-renderer.js';
import { clusterColor, paletteTexture } from '../../lib/palettes.js';
import type { GlStage } from './use-gl-stage.js';
import type { LegendFilters } from './use-legend-filters.js';

export function useMaskPalettes(
  stage: GlStage,
  protocol: LabelProtocol | null,
  clusterCount: number,
  clusterToClass: Int32Array | null,
  filters: LegendFilters,
): void {
  const { rendererRef, requestRedraw } = stage;
  const { hiddenClasses, hiddenClusters, isolation } = filters;
  useEffect(() => {
    const r = rendererRef.current;
    if (r === null) return;
    const classPalette = paletteTexture(
      (i) => protocol?.colors[i],
      (i) =>
        !hiddenClasses.has(i) && (isolation === null || isolation.kind !== 'class' || isolation.id === i),
    );
    // K > 256 (16-bit cluster maps): the cluster tables grow to MAX_CLUSTER_IDS entries.
    const entries = clusterCount > 256 ? MAX_CLUSTER_IDS : 256;
    const clusterPalette = paletteTexture(
      (i) => (i < Math.max(clusterCount, 1) ? clusterColor(i) : undefined),
      (i) =>
        !hiddenClusters.has(i) && (isolation === null || isolation.kind !== 'cluster' || isolation.id === i),
      entries,
    );
    const c2c = new Uint8Array(entries).fill(255);
    if (clusterToClass !== null) clusterToClass.forEach((c, k) => k < entries && (c2c[k] = c < 0 ? 255 : c));
    r.setPalette('classPalette', classPalette);
    r.setPalette('clusterPalette', clusterPalette);
    r.setLut('clusterToClass', c2c);
    requestRedraw();
  }, [rendererRef, requestRedraw, protocol, clusterCount, clusterToClass, hiddenClasses, hiddenClusters, isolation]);
}
