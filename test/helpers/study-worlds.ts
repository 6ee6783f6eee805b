// Two tiny SynthDrive worlds imported with builtin features, as the study tests train on one and score
// on the other: world seed 2 ('world-a', train) and 5 ('world-b', eval), one sequence of 128×64 frames.
import path from 'node:path';
import { expect } from 'vitest';
import type { Engine } from '../../main/engine/engine.js';
import { generateSynthDrive } from '../../main/engine/synth/generate.js';

export async function importStudyWorlds(engine: Engine, dir: string, frames: number): Promise<{ trainDatasetId: string; evalDatasetId: string }> {
  const ids: string[] = [];
  for (const [seed, name] of [[2, 'world-a'], [5, 'world-b']] as const) {
    const out = path.join(dir, name);
    await generateSynthDrive({ out, sequences: 1, frames, width: 128, height: 64, seed, weather: 'clear', split: 'train' });
    const imp = await engine.call('datasets.import', { path: out, name });
    expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
    const fx = await engine.call('features.extract', { datasetId: imp.datasetId!, backbone: 'builtin', width: 64, height: 64 });
    expect((await engine.call('jobs.wait', { id: fx.id })).state).toBe('succeeded');
    ids.push(imp.datasetId!);
  }
  return { trainDatasetId: ids[0]!, evalDatasetId: ids[1]! };
}
