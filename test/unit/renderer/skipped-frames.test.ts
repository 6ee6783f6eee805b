// The Datasets view's notice for frames feature extraction skipped (issue 19), rendered to markup:
// it names the count and each file with its reason, and says where the rest are listed.
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

// TSX compiled by the renderer's config: loaded at run time, not type-checked a second time here.
const components = '../../../renderer/src/components';
const { SkippedFramesList } = (await import(`${components}/SkippedFramesNotice.js`)) as {
  SkippedFramesList: FunctionComponent<Record<string, unknown>>;
};

describe('skipped frames notice', () => {
  it('names the skipped files and their reasons', () => {
    const html = renderToStaticMarkup(
      createElement(SkippedFramesList, {
        backbone: 'rgb',
        total: 3,
        count: 1,
        frames: [{ frameId: 'ds-1-f1', file: '/data/bad.png', reason: 'cannot decode image (IDAT stream error)' }],
      }),
    );
    expect(html).toContain('data-testid="skipped-frames"');
    expect(html).toContain('1 of 3 frames skipped');
    expect(html).toContain('<code>/data/bad.png</code>: cannot decode image (IDAT stream error)');
    expect(html).not.toContain('more');
  });

  it('lists ten and counts the rest', () => {
    const frames = Array.from({ length: 10 }, (_, i) => ({ frameId: `f${i}`, file: `/d/${i}.png`, reason: 'bad' }));
    const html = renderToStaticMarkup(createElement(SkippedFramesList, { backbone: 'rgb', total: 500, count: 250, frames }));
    expect(html.match(/<li>/g)).toHaveLength(10);
    expect(html).toContain('and 240 more');
  });
});
