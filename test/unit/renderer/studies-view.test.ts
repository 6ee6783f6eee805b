// The Studies view's table and chart, rendered to markup (react-dom/server, no browser): a study scored
// with `--refine none,crf` shows a Refine column and labels its CRF bar; a plain study (no refine field,
// as stored before the option) shows neither.
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { StudyCell, StudyResult } from '../../../shared/contract/study.js';
import { studyRows } from '../../../main/engine/study/study-report.js';

// TSX compiled by the renderer's own config; loaded at run time as in score-views.test.ts.
const renderer = '../../../renderer/src/views';
const { StudyDetail } = (await import(`${renderer}/StudiesView.js`)) as { StudyDetail: FunctionComponent<{ study: StudyResult }> };

const cell = (m: number, refine?: 'crf'): StudyCell => ({
  variant: 'default', backbone: 'builtin', seed: 3, experimentId: 'e', miouPresent: m, miou: m, pixelAccuracy: 0.5, clustersUsed: 6, deadClusters: 0, seconds: 10, tuning: false,
  ...(refine ? { refine } : {}),
});

function study(cells: StudyCell[], refine?: ('none' | 'crf')[]): StudyResult {
  return {
    schemaVersion: 1, name: 's', trainDatasetId: 'a', trainDatasetName: 'A', evalDatasetId: 'b', evalDatasetName: 'B', preset: 'fast', clusters: 27, protocol: 'cityscapes-27',
    variants: [{ name: 'default', method: 'cause-mlp', overrides: {} }], backbones: ['builtin'], seeds: [3],
    ...(refine ? { refine } : {}),
    cells, rows: studyRows(cells, { variants: ['default'], backbones: ['builtin'], ...(refine ? { refine } : {}) }), pending: 0, updatedAt: '2026-12-07T00:00:00Z',
  };
}

describe('Studies view', () => {
  it('a refined study has a Refine column and a labelled CRF bar', () => {
    const html = renderToStaticMarkup(createElement(StudyDetail, { study: study([cell(0.2), cell(0.3, 'crf')], ['none', 'crf']) }));
    expect(html).toContain('<th>Refine</th>');
    expect(html.match(/data-testid="study-row"[^>]*data-refine="(\w+)"/g)?.map((m) => m.replace(/.*data-refine="(\w+)"/, '$1'))).toEqual(['none', 'crf']);
    expect(html).toContain('<td>crf</td>');
    expect(html).toContain(' +crf');
    expect(html).toContain('Refine: none, crf');
  });

  it('a plain study (no refine field) looks as before', () => {
    const html = renderToStaticMarkup(createElement(StudyDetail, { study: study([cell(0.2)]) }));
    expect(html).not.toContain('Refine');
    expect(html).not.toContain('+crf');
    expect(html.match(/data-testid="study-row"/g)).toHaveLength(1);
  });
});
