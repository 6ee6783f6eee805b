// The stage: the frame's 2-D canvas under the transparent WebGL2 mask canvas (which takes the pointer),
// with error overlays and whatever the player lays on top (tooltip, go-to box).
import type { ReactNode } from 'react';
import type { GlStage } from './use-gl-stage.js';
import type { HoverState } from './use-hover.js';
import type { Zoom } from './use-zoom.js';

export interface PlayerStageProps {
  readonly stage: GlStage;
  /** The mask canvas's accessible name (which frame is shown). */
  readonly label: string;
  readonly loadError: string | null;
  readonly hover: HoverState;
  readonly zoom: Zoom;
  readonly children?: ReactNode;
}

/** The two canvases share the stage: the frame below, the masks (and the pointer events) on top. */
const STACKED = { position: 'absolute', inset: 0 } as const;

export function PlayerStage({ stage, label, loadError, hover, zoom, children }: PlayerStageProps) {
  return (
    <div className="player-stage">
      <canvas ref={stage.imageCanvasRef} className="player-canvas" style={STACKED} aria-hidden="true" />
      <canvas
        ref={stage.canvasRef}
        className="player-canvas"
        style={STACKED}
        // Focusable so keyboard users Tab into the player; its shortcuts work from anywhere but fields.
        tabIndex={0}
        data-testid="player-canvas"
        // Updated by the draw effect directly (see use-frame-draw); React only sets the initial value.
        data-rendered-frame={-1}
        aria-label={label}
        onMouseMove={hover.onMouseMove}
        onMouseLeave={hover.onMouseLeave}
        onMouseDown={(e) => zoom.startDrag(e.clientX, e.clientY)}
        onMouseUp={zoom.endDrag}
        onWheel={(e) => zoom.zoomBy(e.deltaY)}
      />
      {stage.glError !== null && <div className="player-overlay error-text">{stage.glError}</div>}
      {loadError !== null && (
        <div className="player-overlay error-text" data-testid="player-error">
          {loadError}
        </div>
      )}
      {children}
    </div>
  );
}
