// `predict`'s temporal mode when none is given: flow (both ways, its direction option's default), except
// with the dense CRF alone, which replaces the probabilities a temporal mode carries: then per frame.
import { describe, expect, it } from 'vitest';
import { predictTemporalMode } from '../../../main/cli/commands/predict.js';

describe('predict --temporal default', () => {
  it('is flow, or none with --refine crf; an explicit mode always wins', () => {
    expect(predictTemporalMode(undefined, 'none')).toBe('flow');
    expect(predictTemporalMode(undefined, 'crf')).toBe('none');
    expect(predictTemporalMode('none', 'none')).toBe('none');
    expect(predictTemporalMode('features', 'none')).toBe('features');
    // asked for together, the handler refuses the pair with a clear message (experiments.predict)
    expect(predictTemporalMode('flow', 'crf')).toBe('flow');
  });
});
