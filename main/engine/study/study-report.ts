// A study's table: mean ± sd over seeds per (backbone, variant), as text for the CLI and Markdown for
// study.md. Pure functions of the cells, so a rerun with the same cells prints the same table.
import type { RefineMode } from '../../../shared/contract/experiments.js';
import type { MeanSd, StudyCell, StudyRow } from '../../../shared/contract/study.js';

export function meanSd(xs: readonly (number | null)[]): MeanSd {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return { mean: null, sd: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  // Sample sd (n − 1): seeds are a sample of the method's randomness; one seed has no spread.
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : null;
  return { mean, sd };
}

/** Rows in plan order: backbones, then variants as first seen, then refine modes (default just 'none'). */
export function studyRows(cells: readonly StudyCell[], order: { variants: readonly string[]; backbones: readonly string[]; refine?: readonly RefineMode[] }): StudyRow[] {
  const rows: StudyRow[] = [];
  for (const backbone of order.backbones)
    for (const variant of order.variants)
      for (const refine of order.refine ?? ['none']) {
        const cs = cells.filter((c) => c.variant === variant && c.backbone === backbone && (c.refine ?? 'none') === refine).sort((a, b) => a.seed - b.seed);
        if (!cs.length) continue;
        rows.push({
          variant,
          backbone,
          seeds: cs.map((c) => c.seed),
          miouPresent: meanSd(cs.map((c) => c.miouPresent)),
          miou: meanSd(cs.map((c) => c.miou)),
          pixelAccuracy: meanSd(cs.map((c) => c.pixelAccuracy)),
          clustersUsed: meanSd(cs.map((c) => c.clustersUsed)),
          seconds: meanSd(cs.map((c) => c.seconds)),
          temporalInconsistency: meanSd(cs.map((c) => c.temporalInconsistency ?? null)),
          // Plain rows carry no field, so a study without --refine is written as before the option.
          ...(refine !== 'none' ? { refine } : {}),
        });
      }
  return rows;
}

const pctPm = (m: MeanSd) => (m.mean === null ? '—' : `${(m.mean * 100).toFixed(1)} ± ${m.sd === null ? '—' : (m.sd * 100).toFixed(1)}`);
const numPm = (m: MeanSd, digits = 1) => (m.mean === null ? '—' : `${m.mean.toFixed(digits)} ± ${m.sd === null ? '—' : m.sd.toFixed(digits)}`);

export const STUDY_COLUMNS = ['backbone', 'variant', 'seeds', 'present-class mIoU %', '27-class mIoU %', 'pixel acc %', 'clusters used', 'temporal inconsistency %', 'time s'] as const;

/** The table's columns: a 'refine' column after 'variant' only when the study scores a refined mode. */
export function studyColumns(withRefine = false): string[] {
  return withRefine ? [...STUDY_COLUMNS.slice(0, 2), 'refine', ...STUDY_COLUMNS.slice(2)] : [...STUDY_COLUMNS];
}

/** True when a study's table needs the refine column (its plan or any row has a mode other than 'none'). */
export function hasRefine(s: { readonly refine?: readonly RefineMode[]; readonly rows: readonly StudyRow[] }): boolean {
  return (s.refine ?? []).some((m) => m !== 'none') || s.rows.some((r) => (r.refine ?? 'none') !== 'none');
}

export function rowCells(r: StudyRow, withRefine = false): string[] {
  const head = withRefine ? [r.backbone, r.variant, r.refine ?? 'none'] : [r.backbone, r.variant];
  return [...head, r.seeds.join(','), pctPm(r.miouPresent), pctPm(r.miou), pctPm(r.pixelAccuracy), numPm(r.clustersUsed), pctPm(r.temporalInconsistency ?? { mean: null, sd: null }), numPm(r.seconds, 0)];
}

export function studyMarkdown(title: string, lines: readonly string[], rows: readonly StudyRow[], withRefine = false): string {
  const cols = studyColumns(withRefine);
  const head = `| ${cols.join(' | ')} |`;
  const sep = `|${cols.map(() => '---').join('|')}|`;
  return [`# ${title}`, '', ...lines, '', head, sep, ...rows.map((r) => `| ${rowCells(r, withRefine).join(' | ')} |`), ''].join('\n');
}
