// Step 3 variants as short text (`name[:key=value,...]`), as the diagnostics and `cause-studio study`
// take them: e.g. `kmeans`, `balanced:balance=0.5,centre`, `overcluster:overcluster=4,merge=modularity`.
// The result is validated against the config schema, so a bad value is an error that names it.
import { STEP3_MERGES, STEP3_VARIANTS, type TrainConfig } from '../../../../shared/contract/experiments.js';

export type Step3Settings = Partial<TrainConfig['step3']>;

const KEYS: Record<string, (v: string) => [keyof TrainConfig['step3'], unknown]> = {
  centre: (v) => ['centre', v === '' || v === '1' || v === 'true'],
  balance: (v) => ['balance', Number(v)],
  overcluster: (v) => ['overcluster', Number(v)],
  factor: (v) => ['overcluster', Number(v)],
  merge: (v) => ['merge', v],
  resolution: (v) => ['resolution', Number(v)],
  gamma: (v) => ['resolution', Number(v)],
  init: (v) => ['init', v],
  revive: (v) => ['reviveDead', v === '' || v === '1' || v === 'true'],
  graph: (v) => ['graph', v],
  epochs: (v) => ['epochs', Number(v)],
  lr: (v) => ['lr', Number(v)],
};

/** Parses `name[:key=value,...]`; throws an Error naming the bad part. */
export function parseStep3Spec(spec: string): Step3Settings {
  const [name, rest] = spec.split(':', 2) as [string, string | undefined];
  if (!(STEP3_VARIANTS as readonly string[]).includes(name)) {
    throw new Error(`Step 3 variant '${spec}': unknown name '${name}' (known: ${STEP3_VARIANTS.join(', ')})`);
  }
  const out: Record<string, unknown> = { variant: name };
  for (const part of rest ? rest.split(',') : []) {
    const [k, v = ''] = part.split('=', 2) as [string, string | undefined];
    const f = KEYS[k.trim()];
    if (!f) throw new Error(`Step 3 variant '${spec}': unknown setting '${k}' (known: ${Object.keys(KEYS).join(', ')})`);
    const [key, value] = f(v.trim());
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`Step 3 variant '${spec}': ${k} needs a number, got '${v}'`);
    if (key === 'merge' && !(STEP3_MERGES as readonly string[]).includes(value as string)) {
      throw new Error(`Step 3 variant '${spec}': merge must be one of ${STEP3_MERGES.join(', ')}`);
    }
    out[key] = value;
  }
  return out as Step3Settings;
}

/**
 * A list of specs: separated by ';' or whitespace; when no spec has settings (no ':'), commas separate
 * names too (`release,kmeans,balanced`).
 */
export function splitStep3Specs(text: string): string[] {
  const parts = text.split(/[;\s]+/).filter(Boolean);
  return text.includes(':') ? parts : parts.flatMap((p) => p.split(',')).filter(Boolean);
}
