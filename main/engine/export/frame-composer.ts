// Builds one video frame: the camera image, the prediction coloured by mapped class or by cluster, the
// ground truth when present, and a burned-in legend. Typed-array loops; buffers are reused frame to frame.
import sharp from 'sharp';
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';
import { drawText, fillRect, shadeRect, textWidth, type GlyphAtlas } from './glyphs.js';

export type VideoMode = 'overlay' | 'side-by-side' | 'labels';

/** Colour of each prediction value (cluster id), or null where nothing is drawn (unmapped / ignored). */
export interface ColourScheme {
  readonly colourOf: (clusterId: number) => RGB | null;
  /** The legend entry a cluster belongs to (class index or cluster id), or -1. */
  readonly legendKey: (clusterId: number) => number;
  readonly legendName: (key: number) => string;
  readonly legendColour: (key: number) => RGB;
}

export interface FrameInput {
  readonly image: { data: Uint8Array; width: number; height: number };
  readonly clusters: ArrayLike<number>; // width*height cluster ids
  /** Ground truth as class indices (255 = ignore) with the protocol's colours, when the frame has labels. */
  readonly groundTruth: { classes: Uint8Array; colours: readonly RGB[] } | null;
  readonly frameLabel: string;
  readonly title: string;
}

export interface ComposeOptions {
  readonly mode: VideoMode;
  readonly opacity: number; // overlay only, 0..1
  /** Output size of one panel (even numbers); side-by-side output is panels × this width. */
  readonly panelWidth: number;
  readonly panelHeight: number;
  /** Burn in the header (experiment, frame) and the legend. Default true. */
  readonly captions?: boolean;
}

export function panelCount(mode: VideoMode, hasGroundTruth: boolean): number {
  return mode === 'side-by-side' ? (hasGroundTruth ? 3 : 2) : 1;
}

/** The composed frame as packed RGB of (panels × panelWidth) × panelHeight. */
export async function composeFrame(
  input: FrameInput,
  scheme: ColourScheme,
  options: ComposeOptions,
  atlas: GlyphAtlas,
): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const { width: w, height: h, data: img } = input.image;
  const n = w * h;
  const pred = new Uint8Array(n * 3);
  const present = new Map<number, number>(); // legend key → pixels
  for (let i = 0; i < n; i++) {
    const k = input.clusters[i]!;
    const c = scheme.colourOf(k);
    const o = i * 3;
    if (options.mode === 'overlay') {
      if (c) {
        const a = options.opacity;
        pred[o] = img[o]! * (1 - a) + c[0] * a;
        pred[o + 1] = img[o + 1]! * (1 - a) + c[1] * a;
        pred[o + 2] = img[o + 2]! * (1 - a) + c[2] * a;
      } else {
        pred[o] = img[o]!;
        pred[o + 1] = img[o + 1]!;
        pred[o + 2] = img[o + 2]!;
      }
    } else if (c) {
      pred[o] = c[0];
      pred[o + 1] = c[1];
      pred[o + 2] = c[2];
    }
    const key = scheme.legendKey(k);
    if (key >= 0) present.set(key, (present.get(key) ?? 0) + 1);
  }
  const panels: Uint8Array[] = [];
  if (options.mode === 'side-by-side') panels.push(img);
  panels.push(pred);
  if (options.mode === 'side-by-side' && input.groundTruth) {
    const gt = new Uint8Array(n * 3);
    const { classes, colours } = input.groundTruth;
    for (let i = 0; i < n; i++) {
      const c = colours[classes[i]!];
      if (c) {
        gt[i * 3] = c[0];
        gt[i * 3 + 1] = c[1];
        gt[i * 3 + 2] = c[2];
      }
    }
    panels.push(gt);
  }
  const pw = options.panelWidth;
  const ph = options.panelHeight;
  const out = new Uint8Array(pw * panels.length * ph * 3);
  for (let p = 0; p < panels.length; p++) {
    const resized =
      pw === w && ph === h
        ? panels[p]!
        : new Uint8Array(
            await sharp(panels[p]!, { raw: { width: w, height: h, channels: 3 } })
              .resize(pw, ph, { fit: 'fill', kernel: p === 0 && options.mode !== 'labels' ? 'lanczos3' : 'nearest' })
              .raw()
              .toBuffer(),
          );
    const rowBytes = pw * 3;
    for (let y = 0; y < ph; y++) out.set(resized.subarray(y * rowBytes, (y + 1) * rowBytes), (y * pw * panels.length + p * pw) * 3);
  }
  const W = pw * panels.length;
  if (options.captions ?? true) drawCaptions(out, W, ph, input, scheme, present, atlas);
  return { rgb: out, width: W, height: ph };
}

function drawCaptions(
  rgb: Uint8Array,
  W: number,
  H: number,
  input: FrameInput,
  scheme: ColourScheme,
  present: Map<number, number>,
  atlas: GlyphAtlas,
): void {
  const scale = H >= 720 ? 2 : 1;
  const lh = atlas.cellHeight * scale;
  const pad = 4 * scale;
  // top-left: experiment and frame
  const header = `${input.title}  ${input.frameLabel}`;
  shadeRect(rgb, W, H, 0, 0, textWidth(atlas, header, scale) + 2 * pad, lh + 2 * pad);
  drawText(atlas, rgb, W, H, pad, pad, header, [255, 255, 255], scale);
  // bottom-left: legend of what is present in this frame, largest first
  const keys = [...present.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const sw = lh - 2 * scale;
  let x = pad;
  let y = H - lh - pad;
  const rows: { key: number; x: number; y: number }[] = [];
  for (const key of keys) {
    const name = scheme.legendName(key);
    const itemW = sw + 3 * scale + textWidth(atlas, name, scale) + 3 * pad;
    if (x + itemW > W - pad) {
      x = pad;
      y -= lh + scale;
      if (y < lh * 2) break;
    }
    rows.push({ key, x, y });
    x += itemW;
  }
  if (rows.length === 0) return;
  const top = Math.min(...rows.map((r) => r.y)) - scale;
  const right = Math.max(...rows.map((r) => r.x + sw + 3 * scale + textWidth(atlas, scheme.legendName(r.key), scale) + pad));
  shadeRect(rgb, W, H, 0, top, right + pad, H - top);
  for (const r of rows) {
    fillRect(rgb, W, H, r.x, r.y + scale, sw, sw, scheme.legendColour(r.key));
    drawText(atlas, rgb, W, H, r.x + sw + 3 * scale, r.y, scheme.legendName(r.key), [235, 235, 235], scale);
  }
}
