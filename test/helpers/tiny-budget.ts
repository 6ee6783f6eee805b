// Training budgets small enough that an integration test trains CAUSE in seconds, over the `fast` preset
// (experiments.create `overrides`). One place, so the tests that train agree on what "tiny" means and say
// only where they differ (a longer Step 2 to land a kill mid-training, a checkpoint every step).

export interface TinyBudgetOptions {
  readonly concepts?: number;
  readonly batchSize?: number;
  readonly step2Epochs?: number;
  readonly checkpointEvery?: number;
  readonly backend?: 'wasm';
}

export function tinyBudget(o: TinyBudgetOptions = {}): Record<string, unknown> {
  return {
    ...(o.backend ? { backend: o.backend } : {}),
    concepts: o.concepts ?? 32,
    projDim: 32,
    bankPerConcept: 8,
    batchSize: o.batchSize ?? 4,
    step1: { lr: 0.004, epochs: 1 },
    step2: { lr: 0.002, epochs: o.step2Epochs ?? 2 },
    step3: { lr: 0.004, epochs: 1, decayEvery: 2, decayFactor: 0.5 },
    ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery } : {}),
  };
}
