// Zoom (wheel, about the centre) and pan (drag) of the stage, in the clip units the renderers use.
import { useCallback, useRef, useState } from 'react';
import { clampZoom } from './player-rules.js';

export interface StageView {
  readonly zoom: number;
  readonly panX: number;
  readonly panY: number;
}

const FIT: StageView = { zoom: 1, panX: 0, panY: 0 };

export interface Zoom {
  readonly view: StageView;
  /** Back to the whole frame, centred. */
  fit(): void;
  zoomBy(wheelDeltaY: number): void;
  startDrag(clientX: number, clientY: number): void;
  endDrag(): void;
  /** Pans by the pointer's move while a drag is on; false when none is (the move is a hover then). */
  dragTo(clientX: number, clientY: number, rect: DOMRect): boolean;
}

export function useZoom(): Zoom {
  const [view, setView] = useState<StageView>(FIT);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const fit = useCallback(() => setView(FIT), []);
  const zoomBy = useCallback((wheelDeltaY: number) => {
    const factor = Math.pow(1.0015, -wheelDeltaY);
    setView((v) => ({ ...v, zoom: clampZoom(v.zoom * factor) }));
  }, []);
  const startDrag = useCallback((clientX: number, clientY: number) => {
    drag.current = { x: clientX, y: clientY };
  }, []);
  const endDrag = useCallback(() => {
    drag.current = null;
  }, []);
  const dragTo = useCallback((clientX: number, clientY: number, rect: DOMRect): boolean => {
    if (drag.current === null) return false;
    // Clip space spans 2 units across the canvas.
    const dx = ((clientX - drag.current.x) / rect.width) * 2;
    const dy = ((clientY - drag.current.y) / rect.height) * 2;
    drag.current = { x: clientX, y: clientY };
    setView((v) => ({ ...v, panX: v.panX + dx, panY: v.panY + dy }));
    return true;
  }, []);
  return { view, fit, zoomBy, startDrag, endDrag, dragTo };
}
