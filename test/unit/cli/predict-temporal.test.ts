// `predict`'s temporal mode when none is given: PREDICT_TEMPORAL_DEFAULT's (flow, both ways, since issue 18's
// gates hold), and per frame with the dense CRF alone, which replaces the probabilities a temporal mode carries.
import { describe, expect, it } from 'vitest';
import { predictTemporalMode } from '../../../main/cli/commands/predict.js';
import { PREDICT_TEMPORAL_DEFAULT } from '../../../shared/contract/experiments.js';

describe('predict --temporal default', () => {
  it('is the contract default, or none with --refine crf; an explicit mode always wins', () => {
    expect(predictTemporalMode(undefined, 'none')).toBe(PREDICT_TEMPORAL_DEFAULT.mode);
    expect(PREDICT_TEMPORAL_DEFAULT.mode).toBe('flow');
    expect(predictTemporalMode(undefined, 'crf')).toBe('none');
    expect(predictTemporalMode('none', 'none')).toBe('none');
    expect(predictTemporalMode('features', 'none')).toBe('features');
    // asked for together, the handler refuses the pair with a clear message (experiments.predict)
    expect(predictTemporalMode('flow', 'crf')).toBe('flow');
  });
});
