// The player's two stacked canvases: the frame on a 2-D image layer below, the palette-coloured masks
// on WebGL2 above. Both follow the element's size in device pixels; a resize asks for a redraw.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ImageLayer } from '../../gl/image-layer.js';
import { MaskRenderer } from '../../gl/mask-renderer.js';

export interface GlStage {
  readonly canvasRef: React.RefObject<HTMLCanvasElement | null>;
  readonly imageCanvasRef: React.RefObject<HTMLCanvasElement | null>;
  readonly rendererRef: React.RefObject<MaskRenderer | null>;
  readonly imageLayerRef: React.RefObject<ImageLayer | null>;
  /** Why WebGL2 could not start, if it could not. */
  readonly glError: string | null;
  /** Bumped when the canvas size or a palette changes: the same frame must be drawn again. */
  readonly redraw: number;
  requestRedraw(): void;
}

export function useGlStage(maskRing: number): GlStage {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const imageCanvasRef = useRef<HTMLCanvasElement>(null);
  const rendererRef = useRef<MaskRenderer | null>(null);
  const imageLayerRef = useRef<ImageLayer | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const [redraw, setRedraw] = useState(0);
  const requestRedraw = useCallback(() => setRedraw((n) => n + 1), []);

  useEffect(() => {
    const canvas = canvasRef.current;
    const imageCanvas = imageCanvasRef.current;
    if (canvas === null || imageCanvas === null) return;
    try {
      imageLayerRef.current = new ImageLayer(imageCanvas);
      rendererRef.current = new MaskRenderer(canvas, maskRing);
    } catch (e) {
      setGlError((e as Error).message);
    }
    const resize = new ResizeObserver(() => {
      const dpr = window.devicePixelRatio || 1;
      for (const c of [canvas, imageCanvas]) {
        c.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
        c.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
      }
      requestRedraw();
    });
    resize.observe(canvas);
    return () => {
      resize.disconnect();
    };
    // Both are constant for the player's lifetime, so this runs once per mount.
  }, [maskRing, requestRedraw]);

  return { canvasRef, imageCanvasRef, rendererRef, imageLayerRef, glError, redraw, requestRedraw };
}
