// Regenerates assets/fonts/mono-atlas.png: printable ASCII in DejaVu Sans Mono, one row of equal cells,
// white on black (the coverage is the alpha). Video export blits from it so burned-in text looks the
// same on every machine, with or without fonts installed. Run: npx tsx scripts/make-font-atlas.ts
import fs from 'node:fs';
import sharp from 'sharp';

const chars = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
// Each glyph is rendered on its own and placed in a fixed cell: pango's advances are fractional.
const CELL_W = 9;
const CELL_H = 18;
const atlas = Buffer.alloc(CELL_W * chars.length * CELL_H);
for (let c = 0; c < chars.length; c++) {
  const ch = chars[c]!;
  if (ch === ' ') continue;
  // Framed by full blocks, so every glyph image spans the whole line and baselines agree; the frame
  // rendered around a space is subtracted, which leaves the glyph's own coverage.
  const esc = ch.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const g = await render(`\u2588${esc}\u2588`);
  const base = await render('\u2588 \u2588');
  if (g.width !== base.width || g.height !== base.height) throw new Error(`glyph '${ch}' changes the advance`);
  const cov = (x: number, y: number) => Math.max(0, g.alpha[y * g.width + x]! - base.alpha[y * g.width + x]!);
  let left = g.width;
  let right = -1;
  for (let x = 0; x < g.width; x++) {
    for (let y = 0; y < g.height; y++) {
      if (cov(x, y) > 0) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (right < 0) continue;
  const w = right - left + 1;
  if (g.height > CELL_H || w > CELL_W) throw new Error(`glyph '${ch}' is ${w}x${g.height}`);
  const ox = Math.floor((CELL_W - w) / 2);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < w; x++) atlas[y * CELL_W * chars.length + c * CELL_W + x + ox] = cov(left + x, y);
  }
}

async function render(markup: string): Promise<{ alpha: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp({
    text: { text: `<span foreground="white">${markup}</span>`, font: 'DejaVu Sans Mono 10', dpi: 96, rgba: true },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const alpha = new Uint8Array(info.width * info.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = data[i * info.channels + 3]!;
  return { alpha, width: info.width, height: info.height };
}
fs.mkdirSync('assets/fonts', { recursive: true });
await sharp(atlas, { raw: { width: CELL_W * chars.length, height: CELL_H, channels: 1 } })
  .png()
  .toFile('assets/fonts/mono-atlas.png');
fs.writeFileSync(
  'assets/fonts/mono-atlas.json',
  JSON.stringify({ font: 'DejaVu Sans Mono 10 @96dpi', first: 32, count: chars.length, cellWidth: CELL_W, cellHeight: CELL_H }, null, 2) + '\n',
);
console.log('wrote assets/fonts/mono-atlas.png');
