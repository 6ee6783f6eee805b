// The predict form's temporal choice, rendered to markup: per frame shows no direction; a temporal mode
// shows the direction select with the chosen direction (backward, the default for recorded drives).
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

// TSX compiled by the renderer's own config; loaded at run time as in score-views.test.ts.
const renderer = '../../../renderer/src/views';
type Choice = { mode: 'none' | 'features' | 'flow'; direction: 'backward' | 'forward' };
const { TemporalSelect } = (await import(`${renderer}/experiments/TemporalSelect.js`)) as {
  TemporalSelect: FunctionComponent<{ value: Choice; onChange: (c: Choice) => void }>;
};
const render = (value: Choice) => renderToStaticMarkup(createElement(TemporalSelect, { value, onChange: () => {} }));

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
});
