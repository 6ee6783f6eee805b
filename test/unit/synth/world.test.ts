import { describe, expect, it } from 'vitest';
import { CITYSCAPES_BY_ID, cityscapesId } from '../../../shared/protocols/cityscapes-labels.js';
import { parseSynthSize, SYNTH_DEFAULTS } from '../../../shared/contract/synth.js';
import { Rasterizer } from '../../../main/engine/synth/raster.js';
import { SynthSequence } from '../../../main/engine/synth/world.js';
import { WEATHERS } from '../../../main/engine/synth/weather.js';

const ROAD = cityscapesId('road');
const SKY = cityscapesId('sky');
const W = 256;
const H = 128;

function sequence(
  seq: number,
  weather: (typeof WEATHERS)[number] | 'mixed',
  frames = 12,
  seed = 5,
  w = W,
  h = H,
) {
  return new SynthSequence({ seed, sequence: seq, frames, width: w, height: h, weather });
}

describe('SynthDrive world', () => {
  it('labels are valid Cityscapes labelIds and instanceIds follow the Cityscapes convention', () => {
    const r = new Rasterizer(W, H);
    for (const weather of WEATHERS) {
      const world = sequence(1, weather, 4);
      world.render(r, 3);
      const bad: string[] = [];
      for (let i = 0; i < W * H; i++) {
        const id = r.labels[i]!;
        const label = CITYSCAPES_BY_ID[id];
        const inst = r.instances[i]!;
        if (!label || id < 7 || id > 33) bad.push(`labelId ${id} at pixel ${i}`);
        else if (label.hasInstances ? Math.floor(inst / 1000) !== id : inst !== id)
          bad.push(`instanceId ${inst} for labelId ${id} at pixel ${i}`);
        if (bad.length > 5) break;
      }
      expect(bad, weather).toEqual([]);
    }
  });

  it('has sky only above the horizon and road only below it, and both in every frame', () => {
    const r = new Rasterizer(W, H);
    for (let s = 0; s < 4; s++) {
      const world = sequence(s, 'mixed', 10);
      for (let f = 0; f < 10; f++) {
        world.render(r, f);
        const horizon = world.horizonRow(f);
        let skyAbove = 0;
        const wrong: string[] = [];
        let roadBelow = 0;
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const id = r.labels[y * W + x]!;
            const centre = y + 0.5;
            // a pixel row straddling the horizon can see either; one pixel of margin
            if (id === SKY) {
              if (centre >= horizon + 1) wrong.push(`sky below the horizon at row ${y}`);
              skyAbove++;
            }
            if (id === ROAD) {
              if (centre <= horizon - 1) wrong.push(`road above the horizon at row ${y}`);
              roadBelow++;
            }
          }
        }
        expect(wrong.slice(0, 3), `seq ${s} frame ${f}, horizon ${horizon.toFixed(1)}`).toEqual([]);
        expect(skyAbove, `no sky in seq ${s} frame ${f}`).toBeGreaterThan(0);
        expect(roadBelow, `no road in seq ${s} frame ${f}`).toBeGreaterThan(W * 4);
      }
    }
  });

  it('keeps instance ids stable across a sequence: the same objects, moving a little per frame', () => {
    const r = new Rasterizer(W, H);
    const world = sequence(0, 'clear', 12, 3);
    const centroids = (): Map<number, { x: number; y: number; n: number }> => {
      const m = new Map<number, { x: number; y: number; n: number }>();
      for (let i = 0; i < W * H; i++) {
        const v = r.instances[i]!;
        if (v < 1000) continue;
        const c = m.get(v) ?? { x: 0, y: 0, n: 0 };
        c.x += i % W;
        c.y += Math.floor(i / W);
        c.n++;
        m.set(v, c);
      }
      return m;
    };
    let shared = 0;
    let prev = (world.render(r, 0), centroids());
    for (let f = 1; f < 12; f++) {
      world.render(r, f);
      const cur = centroids();
      for (const [id, c] of cur) {
        const p = prev.get(id);
        if (!p || p.n < 30 || c.n < 30) continue;
        shared++;
        // an object keeps its id: its centre moves by a fraction of the image between frames
        const dx = c.x / c.n - p.x / p.n;
        const dy = c.y / c.n - p.y / p.n;
        expect(Math.hypot(dx, dy), `instance ${id} jumped between frames ${f - 1} and ${f}`).toBeLessThan(
          W * 0.25,
        );
      }
      prev = cur;
    }
    expect(shared).toBeGreaterThan(10);
  });

  it('renders the same world for the same arguments and a different one for another seed', () => {
    const a = new Rasterizer(W, H);
    const b = new Rasterizer(W, H);
    sequence(2, 'mixed', 5, 9).render(a, 4);
    sequence(2, 'mixed', 5, 9).render(b, 4);
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(a.labels).equals(Buffer.from(b.labels))).toBe(true);
    sequence(2, 'mixed', 5, 10).render(b, 4);
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(false);
  });

  it('shows at least 15 of the Cityscapes-27 classes in a default run', () => {
    const { width, height } = parseSynthSize(SYNTH_DEFAULTS.size);
    const r = new Rasterizer(width, height);
    const seen = new Set<number>();
    for (let s = 0; s < SYNTH_DEFAULTS.sequences; s++) {
      const world = new SynthSequence({
        seed: SYNTH_DEFAULTS.seed,
        sequence: s,
        frames: SYNTH_DEFAULTS.frames,
        width,
        height,
        weather: SYNTH_DEFAULTS.weather,
      });
      for (let f = 0; f < SYNTH_DEFAULTS.frames; f++) {
        world.render(r, f);
        for (let i = 0; i < r.labels.length; i++) seen.add(r.labels[i]!);
      }
    }
    const cs27 = [...seen].filter((id) => id >= 7 && id <= 33);
    expect(
      cs27.length,
      `classes: ${cs27.map((id) => CITYSCAPES_BY_ID[id]!.name).join(', ')}`,
    ).toBeGreaterThanOrEqual(15);
  }, 180_000);
});
