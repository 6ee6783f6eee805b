// What `cause-studio demo` runs and how it reports it, without the engine: defaults, the seeds, the
// check against the presets' tuning seeds, and the mean ± sd table. Kept apart from the command so the
// tuning-seed test reads the same defaults the demo uses.
import { splitWorldSeed } from '../../shared/contract/synth.js';
import { tuningTrainingSeeds, tuningWorldSeeds } from '../engine/cause/tuning.js';
import { table } from './runtime.js';

/**
 * Defaults of `cause-studio demo`. The data and training seeds are outside every preset's tuning list
 * (main/engine/cause/tuning.ts): the figures the demo prints are not the ones the presets were picked on.
 * Three training seeds fit the 10-minute budget on a 2-core machine (README, "What the demo prints").
 */
export const DEMO_DEFAULTS = {
  sequences: 3,
  valSequences: 3,
  frames: 30,
  size: '512x256',
  clusters: 27,
  /** SynthDrive seed: the train split is built from it, the val split from splitWorldSeed(it, 'val'). */
  worldSeed: 5,
  /** Training seeds firstSeed, firstSeed + 1, … */
  firstSeed: 4,
  seeds: 3,
} as const;

export function trainingSeeds(firstSeed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => firstSeed + i);
}

/** The demo's seeds that some preset was tuned on (an empty list for the defaults; a test holds it). */
export function tunedSeedsUsed(worldSeed: number, seeds: readonly number[]): { training: number[]; world: number[] } {
  const t = tuningTrainingSeeds();
  const w = tuningWorldSeeds();
  return {
    training: seeds.filter((s) => t.has(s)),
    world: [splitWorldSeed(worldSeed, 'train'), splitWorldSeed(worldSeed, 'val')].filter((s) => w.has(s)),
  };
}

export interface MeanSd {
  readonly mean: number | null;
  /** Sample standard deviation (n − 1); null with fewer than two values. */
  readonly sd: number | null;
  readonly n: number;
}

export function meanSd(values: readonly (number | null)[]): MeanSd {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return { mean: null, sd: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, sd: null, n: v.length };
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (v.length - 1)), n: v.length };
}

/** One trained and scored run of the demo. */
export interface DemoRun {
  readonly method: string;
  readonly backbone: string;
  readonly seed: number;
  readonly experimentId: string;
  readonly miouPresent: number | null;
  readonly classesPresent: number;
  readonly miou: number | null;
  readonly classesScored: number;
  readonly pixelAccuracy: number | null;
  readonly trainingFramesScored: number | null;
  readonly seconds: number;
}

/** The runs of one method and backbone over the seeds. */
export interface DemoRow {
  readonly method: string;
  readonly backbone: string;
  readonly seeds: readonly number[];
  readonly miouPresent: MeanSd;
  /** Mean over seeds: bench/demo.ts and older readers of the JSON summary read these two. */
  readonly miou: number | null;
  readonly pixelAccuracy: number | null;
  readonly miou27: MeanSd;
  readonly pixelAcc: MeanSd;
  readonly seconds: number;
  readonly runs: readonly DemoRun[];
}

/** Groups runs by method and backbone, ranked by mean present-class mIoU (best first). */
export function summarizeRuns(runs: readonly DemoRun[]): DemoRow[] {
  const groups = new Map<string, DemoRun[]>();
  for (const r of runs) {
    const key = `${r.method}\u0000${r.backbone}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((g): DemoRow => {
    const miou27 = meanSd(g.map((r) => r.miou));
    const pixelAcc = meanSd(g.map((r) => r.pixelAccuracy));
    return {
      method: g[0]!.method,
      backbone: g[0]!.backbone,
      seeds: g.map((r) => r.seed),
      miouPresent: meanSd(g.map((r) => r.miouPresent)),
      miou: miou27.mean,
      pixelAccuracy: pixelAcc.mean,
      miou27,
      pixelAcc,
      seconds: g.reduce((a, r) => a + r.seconds, 0),
      runs: g,
    };
  });
  return rows.sort((a, b) => (b.miouPresent.mean ?? -1) - (a.miouPresent.mean ?? -1));
}

const pct = (x: number | null) => (x === null ? 'n/a' : (x * 100).toFixed(1));

export function formatMeanSd(m: MeanSd): string {
  if (m.mean === null) return 'n/a';
  return m.sd === null ? pct(m.mean) : `${pct(m.mean)} ± ${pct(m.sd)}`;
}

/** The table, its one-line legend, and the per-seed present-class figures. */
export function formatDemoTable(rows: readonly DemoRow[], formatSeconds: (s: number) => string): string[] {
  const present = rows[0]?.runs[0]?.classesPresent ?? 0;
  const seeds = rows[0]?.seeds ?? [];
  return [
    table(
      ['method', 'backbone', 'present-class mIoU %', 'mIoU-27 %', 'pixel acc %', 'train+score', 'experiments'],
      rows.map((r) => [
        r.method,
        r.backbone,
        formatMeanSd(r.miouPresent),
        formatMeanSd(r.miou27),
        formatMeanSd(r.pixelAcc),
        formatSeconds(r.seconds),
        r.runs.map((x) => x.experimentId.slice(0, 8)).join(' '),
      ]),
    ),
    '',
    `mean ± sd over ${seeds.length} training seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')}); ranked by present-class mIoU.`,
    `present-class mIoU averages IoU over the ${present} Cityscapes-27 classes with ground-truth pixels in the scored frames; ` +
      'mIoU-27 over every class with a defined IoU (an absent class a cluster was matched to counts 0); pixel acc over all labelled pixels.',
    ...rows.map((r) => `per seed  ${r.method}/${r.backbone}: ${r.runs.map((x) => `${x.seed}: ${pct(x.miouPresent)}`).join(', ')}`),
  ];
}
