// Real-looking frames for the benches: SynthDrive output (rendered driving scenes, their label maps),
// generated once per parameter set into a cache folder under the temp dir and reused by later runs
// (SynthDrive is deterministic for its parameters and skips frames an earlier run completed).
import os from 'node:os';
import path from 'node:path';
import { framePaths, generateSynthDrive } from '../../main/engine/synth/generate.js';
import type { SynthSplit } from '../../shared/contract/synth.js';

export interface SynthFrame {
  readonly stem: string;
  readonly image: string;
  readonly labelIds: string;
}

export async function synthFrames(o: { sequences: number; frames: number; width: number; height: number; seed: number; split?: SynthSplit }): Promise<{ root: string; frames: SynthFrame[] }> {
  const split = o.split ?? 'val';
  const root = path.join(os.tmpdir(), `bench-synthdrive-${o.sequences}x${o.frames}-${o.width}x${o.height}-s${o.seed}-${split}`);
  await generateSynthDrive({ out: root, sequences: o.sequences, frames: o.frames, width: o.width, height: o.height, seed: o.seed, weather: 'mixed', split });
  const frames: SynthFrame[] = [];
  for (let s = 0; s < o.sequences; s++) {
    for (let f = 0; f < o.frames; f++) {
      const p = framePaths(root, split, s, f);
      frames.push({ stem: p.stem, image: p.image, labelIds: p.labelIds });
    }
  }
  return { root, frames };
}
