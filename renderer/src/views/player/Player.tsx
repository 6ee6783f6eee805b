// The sequence player: the frame on a 2-D canvas under a transparent WebGL2 canvas of palette-looked-up
// masks, transport controls, a thumbnail timeline, layers, a legend with show/hide/isolate, hover
// tooltip, zoom/pan and prefetch (decoded frames in memory, the next masks uploaded to the GPU when idle).
// This file only composes: each concern is a hook (use-*.ts) or a component beside it.
//
// The hooks run their effects in the order they are called here, and that order matters on mount: the
// GL stage exists before palettes are set, palettes before the first draw.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { LAYER_BITS } from '../../gl/layers.js';
import type { DrawState } from '../../gl/mask-renderer.js';
import { ImageCache } from '../../lib/image-cache.js';
import { useSelection, useStudio } from '../../state/studio-context.js';
import { FlickerLayer, FlickerToggle } from './FlickerLayer.js';
import { GotoForm } from './GotoForm.js';
import { HoverTooltip } from './HoverTooltip.js';
import { LayerToggles } from './LayerToggles.js';
import { Legend } from './Legend.js';
import { PlayerControls } from './PlayerControls.js';
import { hoverIsolation } from './player-rules.js';
import { PlayerStage } from './PlayerStage.js';
import { Timeline } from './Timeline.js';
import { useFrameDraw } from './use-frame-draw.js';
import { useFrameUrls } from './use-frame-urls.js';
import { useGlStage } from './use-gl-stage.js';
import { MASK_RING, useGlUploads } from './use-gl-uploads.js';
import { useGoto } from './use-goto.js';
import { useHover } from './use-hover.js';
import { useLegendFilters } from './use-legend-filters.js';
import { useMaskPalettes } from './use-mask-palettes.js';
import { usePlayback } from './use-playback.js';
import { usePlayerKeys } from './use-player-keys.js';
import { usePrefetch } from './use-prefetch.js';
import { useZoom } from './use-zoom.js';

export interface PlayerProps {
  readonly frames: readonly FrameSummary[];
  readonly protocol: LabelProtocol | null;
  /** URL of the cluster-id map of a frame under the selected experiment, when there is one. */
  readonly clusterUrl?: ((frame: FrameSummary) => string) | null;
  readonly clusterCount?: number;
  /** Cluster → class index (-1 unmapped). */
  readonly clusterToClass?: Int32Array | null;
}

/** Decoded images kept in memory: about 66 frames with their ground-truth and cluster masks. */
const CACHE_ENTRIES = 200;

export function Player({
  frames,
  protocol,
  clusterUrl = null,
  clusterCount = 0,
  clusterToClass = null,
}: PlayerProps) {
  const { client, store } = useStudio();
  const selection = useSelection();
  const cache = useMemo(() => new ImageCache(CACHE_ENTRIES), []);
  useEffect(() => () => cache.dispose(), [cache]);
  const stage = useGlStage(MASK_RING);
  const hasGt = protocol !== null && frames.some((f) => f.labelRel !== null);
  const hasClusters = clusterUrl !== null;
  const [layers, setLayers] = useState<number>(
    LAYER_BITS.image | (hasClusters ? LAYER_BITS.classes : hasGt ? LAYER_BITS.gt : 0),
  );
  const [opacity, setOpacity] = useState(0.55);
  const [flicker, setFlicker] = useState(false);
  const [stepN, setStepN] = useState(10);
  const filters = useLegendFilters();
  const zoom = useZoom();
  const count = frames.length;
  const index = Math.min(Math.max(0, selection.frameIndex), Math.max(0, count - 1));
  const frame = frames[index];
  const urls = useFrameUrls(protocol, hasGt, clusterUrl);
  const setIndex = useCallback(
    (i: number) => store.select({ frameIndex: Math.min(Math.max(0, i), Math.max(0, count - 1)) }),
    [store, count],
  );

  const drawState = useMemo<DrawState>(
    () => ({ layers, opacity, highlightCluster: selection.clusterId, ...zoom.view }),
    [layers, opacity, selection.clusterId, zoom.view],
  );
  useMaskPalettes(stage, protocol, clusterCount, clusterToClass, filters);
  const scheduleUploads = useGlUploads(stage, frames, urls, cache);
  const loadError = useFrameDraw({ stage, frame, index, urls, cache, drawState, scheduleUploads });
  usePrefetch(frames, index, urls, cache);
  const playback = usePlayback(frames, index, urls, cache, setIndex);
  const hover = useHover({ stage, frame, urls, cache, drawState, zoom });
  const goto = useGoto(frames, setIndex);
  const { toggleIsolation } = filters;
  const isolateHovered = useCallback(
    () => toggleIsolation(hoverIsolation(hover.hover, layers)),
    [toggleIsolation, hover.hover, layers],
  );
  usePlayerKeys({
    index,
    count,
    stepN,
    gotoOpen: goto.open,
    setIndex,
    setPlaying: playback.setPlaying,
    setOpacity,
    setLayers,
    openGoto: goto.show,
    isolateHovered,
    fit: zoom.fit,
  });

  return (
    <div className="player" data-testid="player">
      <PlayerStage
        stage={stage}
        label={frame === undefined ? 'No frame' : `Frame ${index + 1} of ${count}: ${frame.name}`}
        loadError={loadError}
        hover={hover}
        zoom={zoom}
      >
        {hover.hover !== null && (
          <HoverTooltip hover={hover.hover} protocol={protocol} clusterToClass={clusterToClass} />
        )}
        {goto.open && <GotoForm goto={goto} />}
        <FlickerLayer on={flicker && hasClusters} stage={stage} frames={frames} index={index} urls={urls} cache={cache} view={zoom.view} />
      </PlayerStage>
      <PlayerControls
        playback={playback}
        index={index}
        count={count}
        frame={frame}
        setIndex={setIndex}
        stepN={stepN}
        setStepN={setStepN}
        opacity={opacity}
        setOpacity={setOpacity}
      />
      <LayerToggles
        layers={layers}
        hasGt={hasGt}
        hasClusters={hasClusters}
        onToggle={(name) => setLayers((l) => l ^ LAYER_BITS[name])}
      />
      <FlickerToggle on={flicker} available={hasClusters} onToggle={() => setFlicker((f) => !f)} />
      <Timeline frames={frames} index={index} onSeek={setIndex} thumbUrl={(f) => client.assetUrl('thumb', f.id)} />
      <Legend
        protocol={protocol}
        clusterCount={hasClusters ? clusterCount : 0}
        clusterToClass={clusterToClass}
        hiddenClasses={filters.hiddenClasses}
        hiddenClusters={filters.hiddenClusters}
        isolation={filters.isolation}
        onToggleClass={filters.toggleClass}
        onToggleCluster={filters.toggleCluster}
        onIsolate={toggleIsolation}
      />
    </div>
  );
}
