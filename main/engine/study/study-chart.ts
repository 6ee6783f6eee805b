// The study's chart: one bar per (backbone, variant, refine) row, its height the mean present-class mIoU over
// seeds, with an error bar of ± one sd. Drawn on raw pixels with the export's glyph atlas and encoded by
// sharp, so the image is the same on any machine with or without fonts.
import sharp from 'sharp';
import type { StudyRow } from '../../../shared/contract/study.js';
import { drawText, fillRect, loadGlyphAtlas, textWidth } from '../export/glyphs.js';

const BAR: readonly [number, number, number][] = [
  [66, 133, 244],
  [219, 68, 55],
  [244, 180, 0],
  [15, 157, 88],
  [171, 71, 188],
  [0, 172, 193],
  [255, 112, 67],
  [158, 157, 36],
];

/** PNG bytes of the bar chart of `rows` (present-class mIoU, %). */
export async function studyChartPng(title: string, rows: readonly StudyRow[]): Promise<Buffer> {
  const atlas = await loadGlyphAtlas();
  const barW = 56;
  const gap = 48;
  const left = 56;
  const top = 40;
  const plotH = 260;
  const labelH = 150;
  const width = Math.max(360, left + rows.length * (barW + gap) + gap + 20, left + textWidth(atlas, title) + 20);
  const height = top + plotH + labelH;
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const ink: [number, number, number] = [30, 30, 30];
  const grey: [number, number, number] = [215, 215, 215];
  drawText(atlas, rgb, width, height, left, 10, title, ink);
  const maxV = Math.max(0.1, ...rows.map((r) => (r.miouPresent.mean ?? 0) + (r.miouPresent.sd ?? 0)));
  const top100 = Math.min(1, Math.ceil(maxV * 10) / 10);
  const y = (v: number) => Math.round(top + plotH - (v / top100) * plotH);
  for (let g = 0; g <= 10; g++) {
    const v = (g / 10) * top100;
    fillRect(rgb, width, height, left, y(v), width - left - 10, 1, grey);
    if (g % 2 === 0) drawText(atlas, rgb, width, height, 4, y(v) - 7, `${(v * 100).toFixed(0)}`.padStart(4), ink);
  }
  fillRect(rgb, width, height, left, top, 1, plotH, ink);
  const backbones = [...new Set(rows.map((r) => r.backbone))];
  rows.forEach((r, i) => {
    const x = left + gap + i * (barW + gap);
    const m = r.miouPresent.mean ?? 0;
    const color = BAR[backbones.indexOf(r.backbone) % BAR.length]!;
    fillRect(rgb, width, height, x, y(m), barW, y(0) - y(m), color);
    if (r.miouPresent.sd !== null) {
      const cx = x + Math.floor(barW / 2);
      const y0 = y(Math.max(0, m - r.miouPresent.sd));
      const y1 = y(Math.min(top100, m + r.miouPresent.sd));
      fillRect(rgb, width, height, cx - 1, y1, 2, y0 - y1 + 1, ink);
      fillRect(rgb, width, height, cx - 8, y1, 16, 2, ink);
      fillRect(rgb, width, height, cx - 8, y0 - 1, 16, 2, ink);
    }
    drawText(atlas, rgb, width, height, x, y(m) - 18 - (r.miouPresent.sd !== null ? Math.max(0, y(m) - y(Math.min(top100, m + r.miouPresent.sd))) : 0), (m * 100).toFixed(1), ink);
    // Labels run down under each bar, one short line per piece (variant may be long).
    // A refined row says so on its own line, so the plain and CRF bars of a variant tell apart.
    const lines = [r.variant.slice(0, 10), r.variant.slice(10, 20), r.variant.slice(20, 30), r.refine && r.refine !== 'none' ? `+${r.refine}` : '', r.backbone.slice(0, 10)].filter(Boolean);
    lines.forEach((t, j) => drawText(atlas, rgb, width, height, x - 4, top + plotH + 8 + j * (atlas.cellHeight + 2), t, j === lines.length - 1 ? color : ink));
  });
  drawText(atlas, rgb, width, height, left, height - atlas.cellHeight - 6, 'present-class mIoU %, mean +/- 1 sd over seeds', ink);
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } }).png().toBuffer();
}
