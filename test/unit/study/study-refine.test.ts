// `study --refine`: the modes parse strictly, do not change a plan's name or its cells' experiment names
// (a model is trained once and scored per mode), and give one row per (variant, refine) whose table,
// Markdown and chart name the mode, while a plain study's rows and table stay as they were.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { StudyCell } from '../../../shared/contract/study.js';
import { parseRefineModes, parseVariants, planCells, planName, planRefine } from '../../../main/engine/study/study-plan.js';
import { hasRefine, rowCells, studyColumns, studyMarkdown, studyRows, STUDY_COLUMNS } from '../../../main/engine/study/study-report.js';
import { studyChartPng } from '../../../main/engine/study/study-chart.js';

describe('study --refine plan', () => {
  it('parses the modes in order, each once, and names what is wrong', () => {
    expect(parseRefineModes('none')).toEqual(['none']);
    expect(parseRefineModes('none, crf')).toEqual(['none', 'crf']);
    expect(parseRefineModes('crf')).toEqual(['crf']);
    expect(() => parseRefineModes('none,bilateral')).toThrow(/--refine: 'bilateral' is not one of none, crf/);
    expect(() => parseRefineModes('crf,crf')).toThrow(/'crf' is listed twice/);
    expect(() => parseRefineModes(' , ')).toThrow(/give at least one/);
    expect(planRefine({})).toEqual(['none']);
    expect(planRefine({ refine: [] })).toEqual(['none']);
    expect(planRefine({ refine: ['none', 'crf'] })).toEqual(['none', 'crf']);
  });

  it('the refine modes change neither the study name nor the experiment names (the cells are trained once)', () => {
    const p = { trainDatasetId: 'a', evalDatasetId: 'b', variants: parseVariants('release'), backbones: ['builtin'], seeds: [3], preset: 'fast' as const, clusters: 27, overrides: {} };
    const refined = { ...p, refine: ['none', 'crf'] as const };
    expect(planName(refined)).toBe(planName(p));
    expect(planCells('s', refined).map((c) => c.experimentName)).toEqual(planCells('s', p).map((c) => c.experimentName));
    expect(planCells('s', p).map((c) => c.experimentName)).toEqual(['s · release · builtin · seed 3']);
  });
});

describe('study --refine table', () => {
  const cell = (seed: number, m: number, refine?: 'crf'): StudyCell => ({
    variant: 'default', backbone: 'builtin', seed, experimentId: `e${seed}`, miouPresent: m, miou: m, pixelAccuracy: 0.5, clustersUsed: 6, deadClusters: 0, seconds: 10, tuning: false,
    ...(refine ? { refine } : {}),
  });
  const cells = [cell(2, 0.2), cell(2, 0.3, 'crf'), cell(3, 0.4), cell(3, 0.5, 'crf')];

  it('one row per (variant, refine) in the order of the modes; plain rows carry no refine field', () => {
    const rows = studyRows(cells, { variants: ['default'], backbones: ['builtin'], refine: ['none', 'crf'] });
    expect(rows.map((r) => [r.variant, r.refine ?? 'none', r.seeds])).toEqual([
      ['default', 'none', [2, 3]],
      ['default', 'crf', [2, 3]],
    ]);
    expect(rows[0]!.miouPresent.mean).toBeCloseTo(0.3, 12);
    expect(rows[1]!.miouPresent.mean).toBeCloseTo(0.4, 12);
    expect('refine' in rows[0]!).toBe(false);
    expect(rows[1]!.refine).toBe('crf');
    // The modes given decide the rows: the CRF first, or a plain table that leaves CRF cells out.
    expect(studyRows(cells, { variants: ['default'], backbones: ['builtin'], refine: ['crf', 'none'] }).map((r) => r.refine ?? 'none')).toEqual(['crf', 'none']);
    const plain = studyRows(cells, { variants: ['default'], backbones: ['builtin'] });
    expect(plain).toHaveLength(1);
    expect(plain[0]!.miouPresent.mean).toBeCloseTo(0.3, 12);
  });

  it('the table gets a refine column only when a mode other than none is scored', async () => {
    const rows = studyRows(cells, { variants: ['default'], backbones: ['builtin'], refine: ['none', 'crf'] });
    const plainRows = studyRows(cells, { variants: ['default'], backbones: ['builtin'] });
    expect(hasRefine({ rows })).toBe(true);
    expect(hasRefine({ rows: plainRows })).toBe(false);
    expect(hasRefine({ refine: ['none', 'crf'], rows: [] })).toBe(true);
    expect(hasRefine({ refine: ['none'], rows: plainRows })).toBe(false);
    expect(studyColumns()).toEqual([...STUDY_COLUMNS]);
    expect(studyColumns(true).slice(0, 4)).toEqual(['backbone', 'variant', 'refine', 'seeds']);
    expect(rowCells(rows[1]!, true).slice(0, 4)).toEqual(['builtin', 'default', 'crf', '2,3']);
    expect(rowCells(rows[0]!, true).slice(0, 4)).toEqual(['builtin', 'default', 'none', '2,3']);
    expect(rowCells(plainRows[0]!)).toHaveLength(STUDY_COLUMNS.length);

    const md = studyMarkdown('T', [], rows, true);
    expect(md).toContain('| backbone | variant | refine | seeds |');
    expect(md).toContain('| builtin | default | none | 2,3 | 30.0 ± 14.1 |');
    expect(md).toContain('| builtin | default | crf | 2,3 | 40.0 ± 14.1 |');
    const plainMd = studyMarkdown('T', [], plainRows);
    expect(plainMd).toContain('| backbone | variant | seeds |');
    expect(plainMd).not.toContain('refine');

    // The CRF bar is labelled: the same heights drawn without the label give another image.
    const png = await studyChartPng('T', rows);
    const unlabelled = await studyChartPng('T', rows.map(({ refine: _r, ...r }) => r));
    const [a, b] = await Promise.all([png, unlabelled].map((p) => sharp(p).raw().toBuffer()));
    expect(a!.equals(b!)).toBe(false);
  });
});
