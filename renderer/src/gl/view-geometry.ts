// Where the frame sits on the player's canvases under fit, zoom and pan. Pure: the 2-D image layer, the
// WebGL mask layer and the hover read-out all take their geometry from here, so they cannot disagree.

export interface ViewTransform {
  /** 1 = fit the canvas; >1 zooms in. */
  readonly zoom: number;
  /** Pan in canvas fractions (-1..1, clip-space units). */
  readonly panX: number;
  readonly panY: number;
}

/** The image's half-extent in clip space (1 = the canvas' full width/height) under fit × zoom. */
export function fitScale(
  canvasW: number,
  canvasH: number,
  imageW: number,
  imageH: number,
  zoom: number,
): { sx: number; sy: number } {
  const canvasAspect = canvasW / Math.max(1, canvasH);
  const imageAspect = imageW / Math.max(1, imageH);
  let sx = 1;
  let sy = 1;
  if (imageAspect > canvasAspect) sy = canvasAspect / imageAspect;
  else sx = imageAspect / canvasAspect;
  return { sx: sx * zoom, sy: sy * zoom };
}

/** The frame's rectangle in canvas pixels (top-left origin); may extend past the canvas when zoomed. */
export function imageRect(
  canvasW: number,
  canvasH: number,
  imageW: number,
  imageH: number,
  view: ViewTransform,
): { x: number; y: number; width: number; height: number } {
  const { sx, sy } = fitScale(canvasW, canvasH, imageW, imageH, view.zoom);
  return {
    x: ((1 + view.panX - sx) / 2) * canvasW,
    y: ((1 + view.panY - sy) / 2) * canvasH,
    width: sx * canvasW,
    height: sy * canvasH,
  };
}

/** Canvas pixel → image pixel, or null outside the frame. */
export function canvasToImage(
  x: number,
  y: number,
  canvasW: number,
  canvasH: number,
  imageW: number,
  imageH: number,
  view: ViewTransform,
): [number, number] | null {
  const r = imageRect(canvasW, canvasH, imageW, imageH, view);
  const u = (x - r.x) / r.width;
  const v = (y - r.y) / r.height;
  if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) return null;
  return [Math.floor(u * imageW), Math.floor(v * imageH)];
}
