// The frame under the mask layer, drawn with Canvas 2D at full resolution. Drawing a decoded ImageBitmap
// is a blit for the browser (a GPU copy with a GPU, a CPU copy without one); going through WebGL instead
// meant uploading 4 bytes per pixel per step and sampling them in the shader, which on a software GL
// (headless Chromium here: SwiftShader) cost more than the rest of a step. See mask-renderer.ts.
import { imageRect, type ViewTransform } from './view-geometry.js';

type Rect = ReturnType<typeof imageRect>;

/** The stage around the frame, and the frame's stand-in when the image layer is off or not loaded. */
const STAGE = 'rgb(28, 29, 31)';
const NO_IMAGE = 'rgb(41, 41, 41)';

export class ImageLayer {
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    // Opaque: the compositor can skip blending what is under the stage.
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null)
      throw new Error('Canvas 2D is not available in this browser; the player needs it to draw frames.');
    this.ctx = ctx;
  }

  /**
   * Draws `image` (or a neutral stand-in when null) where the mask layer will put its masks, and returns
   * that rectangle in canvas pixels.
   */
  draw(image: ImageBitmap | null, frameWidth: number, frameHeight: number, view: ViewTransform): Rect {
    const { ctx, canvas } = this;
    ctx.fillStyle = STAGE;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const r = imageRect(canvas.width, canvas.height, frameWidth, frameHeight, view);
    if (image === null) {
      ctx.fillStyle = NO_IMAGE;
      ctx.fillRect(r.x, r.y, r.width, r.height);
      return r;
    }
    // Bilinear, as the frame was filtered before; 'low' is the cheap bilinear path in both rasterisers.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'low';
    ctx.drawImage(image, r.x, r.y, r.width, r.height);
    return r;
  }
}
