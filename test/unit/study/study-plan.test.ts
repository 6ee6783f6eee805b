// The study's plan (variants from names or a JSON file, the grid of cells) and its table (mean ± sd).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { StudyCell } from '../../../shared/contract/study.js';
import { parseStep3Spec, splitStep3Specs } from '../../../main/engine/cause/step3/spec.js';
import { BASELINE_VARIANT, parseVariants, planCells, planName } from '../../../main/engine/study/study-plan.js';
import { meanSd, studyMarkdown, studyRows } from '../../../main/engine/study/study-report.js';
import { studyChartPng } from '../../../main/engine/study/study-chart.js';

describe('study plan', () => {
  it('parses Step 3 specs with settings and names what is wrong', () => {
    expect(parseStep3Spec('overcluster:overcluster=3,merge=modularity,gamma=1.5,centre')).toEqual({ variant: 'overcluster', overcluster: 3, merge: 'modularity', resolution: 1.5, centre: true });
    expect(() => parseStep3Spec('kmean')).toThrow(/unknown name 'kmean'/);
    expect(() => parseStep3Spec('balanced:balance=x')).toThrow(/balance needs a number/);
    expect(() => parseStep3Spec('overcluster:merge=ward')).toThrow(/merge must be one of/);
    expect(splitStep3Specs('release,kmeans')).toEqual(['release', 'kmeans']);
    expect(splitStep3Specs('release;balanced:balance=0.5,centre')).toEqual(['release', 'balanced:balance=0.5,centre']);
  });

  it('variants from names (with the k-means baseline) or from a JSON file', () => {
    const v = parseVariants(`release,kmeans,${BASELINE_VARIANT}`);
    expect(v.map((x) => [x.name, x.method])).toEqual([
      ['release', 'cause-mlp'],
      ['kmeans', 'cause-mlp'],
      [BASELINE_VARIANT, 'kmeans'],
    ]);
    expect(() => parseVariants('kmeans,kmeans')).toThrow(/listed twice/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study-plan-'));
    const file = path.join(dir, 'variants.json');
    fs.writeFileSync(file, JSON.stringify([{ name: 'tr-balanced', method: 'cause-tr', step3: 'balanced:balance=0.5', overrides: { step2: { epochs: 3 } } }]));
    expect(parseVariants(file)).toEqual([{ name: 'tr-balanced', method: 'cause-tr', overrides: { step2: { epochs: 3 }, step3: { variant: 'balanced', balance: 0.5 } } }]);
    fs.writeFileSync(file, JSON.stringify([{ name: 'x', step3: 'nope' }]));
    expect(() => parseVariants(file)).toThrow(/variants\.json: variant 'x': .*unknown name 'nope'/);
    fs.writeFileSync(file, '{');
    expect(() => parseVariants(file)).toThrow(/variants\.json: cannot read the variants file/);
    fs.rmSync(dir, { recursive: true });
  });

  it('every variants file under scripts/studies parses, with unique names', () => {
    const dir = 'scripts/studies';
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const names = parseVariants(path.join(dir, f)).map((v) => v.name);
      expect(new Set(names).size, f).toBe(names.length);
    }
  });

  it('cells: seed-major grid, step overrides merged over the preset, the same plan has the same name; one world is refused', () => {
    const p = { trainDatasetId: 'a', evalDatasetId: 'b', variants: parseVariants('release,balanced'), backbones: ['builtin'], seeds: [2, 3], preset: 'fast' as const, clusters: 27, overrides: { step2: { epochs: 5 } } };
    const cells = planCells('s', p);
    expect(cells.map((c) => `${c.variant.name}/${c.seed}`)).toEqual(['release/2', 'balanced/2', 'release/3', 'balanced/3']);
    const step3 = cells[1]!.overrides.step3 as Record<string, unknown>;
    expect(step3).toMatchObject({ variant: 'balanced', lr: 1e-3, epochs: 8 });
    expect(cells[0]!.overrides.step2).toEqual({ lr: 4e-3, epochs: 5 });
    expect(planName(p)).toBe(planName({ ...p }));
    expect(planName(p)).not.toBe(planName({ ...p, seeds: [2] }));
    expect(() => planCells('s', { ...p, evalDatasetId: 'a' })).toThrow(/different world/);
  });
});

describe('study table', () => {
  const cell = (variant: string, seed: number, m: number | null): StudyCell => ({
    variant, backbone: 'builtin', seed, experimentId: `${variant}${seed}`, miouPresent: m, miou: m, pixelAccuracy: 0.5, clustersUsed: 10 + seed, deadClusters: 0, seconds: 60, tuning: false,
  });

  it('mean ± sample sd per variant, in plan order; one seed has no sd', async () => {
    const two = meanSd([0.2, 0.4]);
    expect(two.mean).toBeCloseTo(0.3, 12);
    expect(two.sd).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(meanSd([0.2])).toEqual({ mean: 0.2, sd: null });
    expect(meanSd([null])).toEqual({ mean: null, sd: null });
    const rows = studyRows([cell('b', 2, 0.1), cell('a', 2, 0.3), cell('a', 3, 0.5)], { variants: ['a', 'b'], backbones: ['builtin'] });
    expect(rows.map((r) => [r.variant, r.seeds, r.miouPresent.mean])).toEqual([
      ['a', [2, 3], 0.4],
      ['b', [2], 0.1],
    ]);
    const md = studyMarkdown('T', ['line'], rows);
    expect(md).toContain('| builtin | a | 2,3 | 40.0 ± 14.1 | 40.0 ± 14.1 | 50.0 ± 0.0 | 12.5 ± 0.7 | — | 60 ± 0 |');
    const png = await studyChartPng('T', rows);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.channels]).toEqual(['png', 3]);
    // The taller bar (a, 40 %) paints more of its colour than the shorter one (b, 10 %).
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const blue = (x0: number, x1: number) => {
      let n = 0;
      for (let y = 0; y < info.height; y++) for (let x = x0; x < x1; x++) if (data[(y * info.width + x) * 3] === 66 && data[(y * info.width + x) * 3 + 2] === 244) n++;
      return n;
    };
    expect(blue(56 + 48, 56 + 48 + 56)).toBeGreaterThan(2 * blue(56 + 48 + 104, 56 + 48 + 104 + 56));
  });
});
