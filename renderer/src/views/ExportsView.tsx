// Exports: a segmentation-video dialog (mode, colours, fps, opacity) and a pseudo-label dialog (format,
// mapping, output folder), each job showing progress and where it wrote, and the list of everything
// exported with its path.
import { useMemo, useState } from 'react';
import { ExperimentPicker } from '../components/ExperimentPicker.js';
import { JobProgress } from '../components/JobProgress.js';
import { formatBytes } from '../lib/format.js';
import { useJobStart } from '../lib/use-job-start.js';
import { useEngineInfo, useJobs, useQuery, useSelection, useStudio } from '../state/studio-context.js';

type Mode = 'overlay' | 'side-by-side' | 'labels';
type Colors = 'classes' | 'clusters';

export function ExportsView() {
  const selection = useSelection();
  const exports = useQuery('exports.list', {});
  return (
    <section className="view" aria-label="Exports">
      <div className="row">
        <h2 className="grow">Exports</h2>
        <ExperimentPicker />
      </div>
      {selection.experimentId !== null && <VideoExportForm experimentId={selection.experimentId} />}
      {selection.experimentId !== null && <LabelsExportForm key={selection.experimentId} experimentId={selection.experimentId} />}
      {exports.error !== null && <div className="error-text">{exports.error}</div>}
      <div className="table-wrap">
        <table className="table" data-testid="exports-table">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Output</th>
              <th className="num">Size</th>
              <th>Experiment</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {exports.data?.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  Nothing exported yet.
                </td>
              </tr>
            )}
            {exports.data?.map((x) => (
              <tr key={x.id} data-testid="export-row" data-kind={x.kind}>
                <td>{x.kind}</td>
                <td className="path-cell" title={x.path}>
                  {x.path}
                </td>
                <td className="num">{formatBytes(x.bytes)}</td>
                <td>{x.experimentId ?? '—'}</td>
                <td>{new Date(x.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function VideoExportForm({ experimentId }: { experimentId: string }) {
  const { call } = useStudio();
  const experiment = useQuery('experiments.get', { id: experimentId });
  const sequences = useQuery('datasets.sequences', experiment.data === undefined ? null : { id: experiment.data.datasetId });
  const [sequenceId, setSequenceId] = useState('');
  const [mode, setMode] = useState<Mode>('overlay');
  const [colors, setColors] = useState<Colors>('classes');
  const [fps, setFps] = useState(10);
  const [opacity, setOpacity] = useState(0.55);
  const [captions, setCaptions] = useState(true);
  const { jobId, error, start: startJob } = useJobStart();
  const seq = sequenceId !== '' ? sequenceId : (sequences.data?.[0]?.id ?? '');

  const start = () => startJob(() => call('exports.video', { experimentId, sequenceId: seq, mode, colors, fps, opacity, captions, force: true }));

  return (
    <form
      className="panel"
      data-testid="video-export-form"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <strong>Segmentation video</strong>
      <div className="row" style={{ marginTop: 6 }}>
        <label>
          Sequence{' '}
          <select data-testid="export-sequence" value={seq} onChange={(e) => setSequenceId(e.target.value)}>
            {sequences.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.split}/{s.name} · {s.frameCount} frames
              </option>
            ))}
          </select>
        </label>
        <label>
          Mode{' '}
          <select data-testid="export-mode" value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
            <option value="overlay">overlay</option>
            <option value="side-by-side">side by side</option>
            <option value="labels">labels</option>
          </select>
        </label>
        <label>
          Colours{' '}
          <select data-testid="export-colors" value={colors} onChange={(e) => setColors(e.target.value as Colors)}>
            <option value="classes">mapped classes</option>
            <option value="clusters">clusters</option>
          </select>
        </label>
        <label>
          fps <input type="number" min={1} max={120} value={fps} onChange={(e) => setFps(Math.min(120, Math.max(1, Number(e.target.value) || 10)))} style={{ width: 60 }} />
        </label>
        <label>
          opacity <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
        </label>
        <label>
          <input type="checkbox" data-testid="export-captions" checked={captions} onChange={(e) => setCaptions(e.target.checked)} /> captions
        </label>
        <button type="submit" className="primary" data-testid="export-video" disabled={seq === ''}>
          Export video
        </button>
      </div>
      {jobId !== null && <JobProgress jobId={jobId} label="Encoding the video" />}
      {error !== null && (
        <div className="error-text" data-testid="export-error">
          {error}
        </div>
      )}
    </form>
  );
}

/** `<workspace>/exports/<name>` with the workspace's own separator (the engine may run on Windows). */
function defaultLabelsFolder(workspace: string | undefined, experimentId: string): string {
  if (workspace === undefined) return '';
  const sep = workspace.includes('\\') && !workspace.includes('/') ? '\\' : '/';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return `${workspace.replace(/[\\/]+$/, '')}${sep}exports${sep}labels-${experimentId.slice(0, 8)}-${stamp}`;
}

function LabelsExportForm({ experimentId }: { experimentId: string }) {
  const { call } = useStudio();
  const engine = useEngineInfo();
  const saved = useQuery('mappings.list', { experimentId });
  const [format, setFormat] = useState<'cityscapes' | 'clusters'>('cityscapes');
  const [mapping, setMapping] = useState('');
  const [out, setOut] = useState<string | null>(null);
  const [force, setForce] = useState(false);
  const { jobId, error, start: startJob } = useJobStart();
  const workspace = engine?.workspace;
  const suggested = useMemo(() => defaultLabelsFolder(workspace, experimentId), [workspace, experimentId]);
  const folder = out ?? suggested;
  const job = useJobs().find((j) => j.id === jobId);
  const written = useQuery('exports.list', job?.state === 'succeeded' ? { experimentId } : null);
  const record = written.data?.find((x) => x.jobId === jobId);

  const start = () =>
    startJob(() =>
      call('exports.labels', {
        experimentId,
        format,
        out: folder,
        force,
        ...(format === 'cityscapes' && mapping !== '' ? { mapping } : {}),
      }),
    );

  return (
    <form
      className="panel"
      data-testid="labels-export-form"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <strong>Pseudo-labels</strong>
      <div className="row" style={{ marginTop: 6, flexWrap: 'wrap' }}>
        <label>
          Format{' '}
          <select data-testid="labels-format" value={format} onChange={(e) => setFormat(e.target.value as 'cityscapes' | 'clusters')}>
            <option value="cityscapes">Cityscapes (labelIds, trainIds, colour)</option>
            <option value="clusters">raw cluster ids</option>
          </select>
        </label>
        <label>
          Mapping{' '}
          <select data-testid="labels-mapping" value={mapping} disabled={format === 'clusters'} onChange={(e) => setMapping(e.target.value)}>
            <option value="">newest saved, else Hungarian</option>
            <option value="hungarian">Hungarian</option>
            <option value="majority">majority</option>
            {saved.data?.map((m) => (
              <option key={m.id} value={m.id}>
                v{m.version} · {m.name}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Folder{' '}
          <input data-testid="labels-out" value={folder} onChange={(e) => setOut(e.target.value)} style={{ width: '100%', minWidth: 260 }} spellCheck={false} />
        </label>
        <label>
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> replace
        </label>
        <button type="submit" className="primary" data-testid="export-labels" disabled={folder === ''}>
          Export labels
        </button>
      </div>
      {jobId !== null && <JobProgress jobId={jobId} label="Writing pseudo-labels" />}
      {job?.state === 'succeeded' && (
        <div className="row" data-testid="labels-output">
          <span>Written to</span>
          <code className="path-cell grow" title={record?.path ?? folder}>
            {record?.path ?? folder}
          </code>
          {record !== undefined && <span className="muted">{formatBytes(record.bytes)}</span>}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(record?.path ?? folder)}>
            Copy path
          </button>
        </div>
      )}
      {error !== null && (
        <div className="error-text" data-testid="labels-error">
          {error}
        </div>
      )}
    </form>
  );
}
