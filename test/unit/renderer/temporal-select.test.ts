// The predict form's temporal choice, rendered to markup: per frame shows no direction; a temporal mode
// shows the direction select with the chosen direction; with the dense CRF ticked both are disabled. The
// form starts from PREDICT_TEMPORAL_DEFAULT (optical flow, both ways).
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PREDICT_TEMPORAL_DEFAULT } from '../../../shared/contract/experiments.js';

// TSX compiled by the renderer's own config; loaded at run time as in score-views.test.ts.
const renderer = '../../../renderer/src/views';
type Choice = { mode: 'none' | 'features' | 'flow'; direction: 'backward' | 'forward' | 'both' };
const { TemporalSelect } = (await import(`${renderer}/experiments/TemporalSelect.js`)) as {
  TemporalSelect: FunctionComponent<{ value: Choice; onChange: (c: Choice) => void; disabled?: boolean }>;
};
const render = (value: Choice, disabled?: boolean) => renderToStaticMarkup(createElement(TemporalSelect, { value, onChange: () => {}, ...(disabled !== undefined ? { disabled } : {}) }));

describe('TemporalSelect', () => {
  it('per frame: the mode only', () => {
    const html = render({ mode: 'none', direction: 'backward' });
    expect(html).toContain('data-testid="predict-temporal"');
    expect(html).not.toContain('predict-temporal-direction');
  });

  it('a temporal mode: the direction too, with the chosen one selected', () => {
    const back = render({ mode: 'flow', direction: 'backward' });
    expect(back).toContain('data-testid="predict-temporal-direction"');
    expect(back).toMatch(/<option value="backward" selected="">backward \(recorded drives\)<\/option>/);
    expect(render({ mode: 'features', direction: 'forward' })).toMatch(/<option value="forward" selected="">forward \(causal\)<\/option>/);
  });

  it('starts with optical flow both ways; with the CRF ticked the choice is disabled and says why', () => {
    expect(PREDICT_TEMPORAL_DEFAULT).toEqual({ mode: 'flow', direction: 'both' });
    const flow = PREDICT_TEMPORAL_DEFAULT;
    const html = render(flow);
    expect(html).toMatch(/<option value="flow" selected="">temporal: optical flow<\/option>/);
    expect(html).toMatch(/<option value="both" selected="">both ways/);
    expect(html).not.toContain('disabled');
    const off = render(flow, true);
    expect(off.match(/<select[^>]*disabled=""/g)).toHaveLength(2);
    expect(off).toContain('The dense CRF replaces the probabilities');
  });
});
