// A SynthDrive run (the studio's own generator) read back by the Cityscapes importer.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importJobParamsSchema, runImport } from '../../../main/engine/datasets/importer.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir('cs-synth-import-');
afterAll(() => tmp.cleanup());

describe('SynthDrive import', () => {
  it('registers every generated frame as a labelled sequence frame with no issues', async () => {
    const out = path.join(tmp.dir, 'synth');
    await generateSynthDrive({ out, sequences: 2, frames: 3, width: 128, height: 64, seed: 3, weather: 'clear', split: 'val' });
    const o = await runImport(importJobParamsSchema.parse({ path: out }), { workspaceRoot: tmp.dir, db: null, fallbackDatasetId: 'ds-synth' });
    expect(o.dataset.format).toBe('synthdrive');
    expect(o.dataset.protocolId).toBe('cityscapes-27');
    expect(o.dataset.options.synthdrive).toMatchObject({ params: { sequences: 2, frames: 3, seed: 3, split: 'val' } });
    expect(o.sequences.map((s) => [s.name, s.split, s.frameCount, s.labelledCount])).toEqual([
      ['synthdrive_000000', 'val', 3, 3],
      ['synthdrive_000001', 'val', 3, 3],
    ]);
    expect(o.frames.map((f) => f.index)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(o.frames.every((f) => f.width === 128 && f.height === 64)).toBe(true);
    const r = o.dataset.report;
    expect(r.issues).toEqual([]);
    expect(r.labelsChecked).toBe(6);
    // every labelId SynthDrive paints is a Cityscapes labelId
    expect(Object.keys(r.labelValues).map(Number).every((v) => v <= 33)).toBe(true);
    expect(Object.keys(r.labelValues).length).toBeGreaterThan(4);
  });
});
