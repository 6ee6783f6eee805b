// Studies: the stored `cause-studio study` results — pick one, see its table (mean ± sd over seeds of
// present-class mIoU, 27-class mIoU, pixel accuracy, clusters used, time) and the same bar chart the CLI
// writes (present-class mIoU with ± sd error bars), drawn here as SVG from the same rows. A study run with
// `--refine none,crf` has a row per refine mode; the table then gets a Refine column and the bars a label.
import { useState } from 'react';
import type { MeanSd, StudyResult, StudyRow } from '../../../shared/contract/study.js';
import { useQuery } from '../state/studio-context.js';

const pctPm = (m: MeanSd) => (m.mean === null ? '—' : `${(m.mean * 100).toFixed(1)} ± ${m.sd === null ? '—' : (m.sd * 100).toFixed(1)}`);
const numPm = (m: MeanSd, d = 1) => (m.mean === null ? '—' : `${m.mean.toFixed(d)} ± ${m.sd === null ? '—' : m.sd.toFixed(d)}`);
const COLORS = ['#4285f4', '#db4437', '#f4b400', '#0f9d58', '#ab47bc', '#00acc1'];
/** Rows without the field were scored on plain predictions (studies from before `--refine`, and plain rows). */
const refineOf = (r: StudyRow) => r.refine ?? 'none';
const rowKey = (r: StudyRow) => `${r.backbone}|${r.variant}|${refineOf(r)}`;

export function StudiesView() {
  const list = useQuery('studies.list', {});
  const [picked, setPicked] = useState<string | null>(null);
  const name = picked ?? list.data?.[0]?.name ?? null;
  const study = useQuery('studies.get', name === null ? null : { name });
  return (
    <section className="view" aria-label="Studies">
      <div className="row">
        <h2 className="grow">Studies</h2>
        <select data-testid="study-picker" value={name ?? ''} onChange={(e) => setPicked(e.target.value)} disabled={!list.data?.length}>
          {list.data?.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} — {s.trainDatasetName} → {s.evalDatasetName}
            </option>
          ))}
        </select>
      </div>
      {list.error !== null && <div className="error-text">{list.error}</div>}
      {list.data?.length === 0 && (
        <p className="muted" data-testid="studies-empty">
          No studies yet. Run one with <code>cause-studio study --dataset TRAIN --eval-dataset HELD_OUT --variants release,kmeans,balanced</code>.
        </p>
      )}
      {study.error !== null && <div className="error-text">{study.error}</div>}
      {study.data && <StudyDetail study={study.data} />}
    </section>
  );
}

export function StudyDetail({ study }: { study: StudyResult }) {
  const withRefine = (study.refine ?? []).some((m) => m !== 'none') || study.rows.some((r) => refineOf(r) !== 'none');
  return (
    <div data-testid="study-detail">
      <p className="muted">
        Trained on {study.trainDatasetName}, scored on {study.evalDatasetName}: Cityscapes-27, K = {study.clusters}, preset {study.preset}, Hungarian; mean ± sd over
        seeds {study.seeds.join(', ')}. {study.pending > 0 ? `${study.pending} cells still to run.` : ''}
        {study.cells.some((c) => c.tuning) ? ' Includes tuning seeds or worlds: not held-out figures.' : ''}
        {withRefine ? ` Refine: ${(study.refine ?? [...new Set(study.rows.map(refineOf))]).join(', ')} (crf = dense CRF on the predictions; each model trained once).` : ''}
      </p>
      <StudyChart rows={study.rows} />
      <div className="table-wrap">
        <table className="table" data-testid="study-table">
          <thead>
            <tr>
              <th>Backbone</th>
              <th>Variant</th>
              {withRefine && <th>Refine</th>}
              <th>Seeds</th>
              <th className="num">Present-class mIoU %</th>
              <th className="num">27-class mIoU %</th>
              <th className="num">Pixel acc %</th>
              <th className="num">Clusters used</th>
              <th className="num" title="ground truth, along the true motion (SynthDrive)">Temporal inconsistency %</th>
              <th className="num">Time s</th>
            </tr>
          </thead>
          <tbody>
            {study.rows.map((r) => (
              <tr key={rowKey(r)} data-testid="study-row" data-variant={r.variant} data-refine={refineOf(r)}>
                <td>{r.backbone}</td>
                <td>{r.variant}</td>
                {withRefine && <td>{refineOf(r)}</td>}
                <td>{r.seeds.join(',')}</td>
                <td className="num">{pctPm(r.miouPresent)}</td>
                <td className="num">{pctPm(r.miou)}</td>
                <td className="num">{pctPm(r.pixelAccuracy)}</td>
                <td className="num">{numPm(r.clustersUsed)}</td>
                <td className="num">{r.temporalInconsistency ? pctPm(r.temporalInconsistency) : '—'}</td>
                <td className="num">{numPm(r.seconds, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function StudyChart({ rows }: { rows: readonly StudyRow[] }) {
  const barW = 40;
  const gap = 28;
  const left = 40;
  const top = 16;
  const plotH = 180;
  const width = Math.max(320, left + rows.length * (barW + gap) + gap);
  const height = top + plotH + 60;
  const maxV = Math.max(0.1, ...rows.map((r) => (r.miouPresent.mean ?? 0) + (r.miouPresent.sd ?? 0)));
  const topV = Math.min(1, Math.ceil(maxV * 10) / 10);
  const y = (v: number) => top + plotH - (v / topV) * plotH;
  const backbones = [...new Set(rows.map((r) => r.backbone))];
  return (
    <svg width={width} height={height} role="img" aria-label="present-class mIoU per variant, mean ± sd" data-testid="study-chart">
      {Array.from({ length: 6 }, (_, g) => (g / 5) * topV).map((v) => (
        <g key={v}>
          <line x1={left} x2={width - 8} y1={y(v)} y2={y(v)} stroke="currentColor" strokeOpacity={0.15} />
          <text x={left - 6} y={y(v) + 4} textAnchor="end" fontSize={10} fill="currentColor">
            {(v * 100).toFixed(0)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const x = left + gap + i * (barW + gap);
        const m = r.miouPresent.mean ?? 0;
        const sd = r.miouPresent.sd;
        const cx = x + barW / 2;
        return (
          <g key={rowKey(r)} data-testid="study-bar" data-variant={r.variant} data-refine={refineOf(r)}>
            <rect x={x} y={y(m)} width={barW} height={y(0) - y(m)} fill={COLORS[backbones.indexOf(r.backbone) % COLORS.length]}>
              <title>{`${r.variant}${refineOf(r) === 'none' ? '' : ` + ${refineOf(r)}`} · ${r.backbone}: ${pctPm(r.miouPresent)}`}</title>
            </rect>
            {sd !== null && (
              <g stroke="currentColor" strokeWidth={1.5}>
                <line x1={cx} x2={cx} y1={y(Math.max(0, m - sd))} y2={y(Math.min(topV, m + sd))} />
                <line x1={cx - 6} x2={cx + 6} y1={y(Math.min(topV, m + sd))} y2={y(Math.min(topV, m + sd))} />
                <line x1={cx - 6} x2={cx + 6} y1={y(Math.max(0, m - sd))} y2={y(Math.max(0, m - sd))} />
              </g>
            )}
            <text x={cx} y={top + plotH + 14} textAnchor="middle" fontSize={10} fill="currentColor">
              {r.variant.length > 14 ? `${r.variant.slice(0, 13)}…` : r.variant}
              {refineOf(r) === 'none' ? '' : ` +${refineOf(r)}`}
            </text>
            <text x={cx} y={top + plotH + 28} textAnchor="middle" fontSize={10} fill="currentColor" opacity={0.7}>
              {r.backbone}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
