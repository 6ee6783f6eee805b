// Datasets: the list with preflight reports, the import dialog and the sequence player.
import { useEffect, useState } from 'react';
import type { DatasetSummary, FrameSummary, SequenceSummary } from '../../../shared/contract/datasets.js';
import { useDisplayProtocol } from './mapping/use-display-protocol.js';
import { ImportDialog } from '../components/ImportDialog.js';
import { PreflightPanel } from '../components/PreflightPanel.js';
import { SkippedFramesNotice } from '../components/SkippedFramesNotice.js';
import { useQuery, useStudio, useStudioState } from '../state/studio-context.js';
import { useExperimentOverlay } from './experiment-overlay.js';
import { Player } from './player/Player.js';

export function DatasetsView() {
  const { select } = useStudio();
  // Only the ids these panes show: a frame step changes the selection and must not re-render the table.
  const datasetId = useStudioState((s) => s.selection.datasetId);
  const datasets = useQuery('datasets.list', {});
  const [importing, setImporting] = useState(false);
  const selected = datasets.data?.find((d) => d.id === datasetId) ?? null;

  return (
    <section className="view" aria-label="Datasets">
      <div className="row">
        <h2 className="grow">Datasets</h2>
        <button type="button" className="primary" data-testid="open-import" onClick={() => setImporting(true)}>
          Import…
        </button>
      </div>
      {datasets.error !== null && <div className="error-text">{datasets.error}</div>}
      {datasets.data !== undefined && datasets.data.length === 0 && (
        <div className="empty">No datasets yet. Import a Cityscapes / BDD100K folder, an image folder or a video, or generate a SynthDrive world.</div>
      )}
      {datasets.data !== undefined && datasets.data.length > 0 && (
        <DatasetTable
          datasets={datasets.data}
          selectedId={datasetId}
          onSelect={(d) => select({ datasetId: d.id, sequenceId: null, frameIndex: 0 })}
        />
      )}
      {selected !== null && <DatasetDetailPane dataset={selected} />}
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </section>
  );
}

function DatasetTable({
  datasets,
  selectedId,
  onSelect,
}: {
  datasets: readonly DatasetSummary[];
  selectedId: string | null;
  onSelect(d: DatasetSummary): void;
}) {
  return (
    <div className="table-wrap" style={{ maxHeight: 220 }}>
      <table className="table" data-testid="datasets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Format</th>
            <th>Protocol</th>
            <th className="num">Sequences</th>
            <th className="num">Frames</th>
            <th className="num">Labelled</th>
            <th>Splits</th>
          </tr>
        </thead>
        <tbody>
          {datasets.map((d) => (
            <tr
              key={d.id}
              className={d.id === selectedId ? 'selected' : ''}
              data-testid="dataset-row"
              tabIndex={0}
              onClick={() => onSelect(d)}
              onKeyDown={(e) => e.key === 'Enter' && onSelect(d)}
            >
              <td title={d.root}>{d.name}</td>
              <td>{d.format}</td>
              <td>{d.protocolId ?? '—'}</td>
              <td className="num">{d.sequenceCount}</td>
              <td className="num">{d.frameCount}</td>
              <td className="num">{d.labelledCount}</td>
              <td>{d.splits.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DatasetDetailPane({ dataset }: { dataset: DatasetSummary }) {
  const { select } = useStudio();
  const sequenceId = useStudioState((s) => s.selection.sequenceId);
  const detail = useQuery('datasets.get', { id: dataset.id });
  const sequences = useQuery('datasets.sequences', { id: dataset.id });
  const sequence = sequences.data?.find((s) => s.id === sequenceId) ?? null;
  return (
    <div className="dataset-detail">
      <div className="row">
        <label>
          Sequence{' '}
          <select
            data-testid="sequence-select"
            value={sequenceId ?? ''}
            onChange={(e) => select({ sequenceId: e.target.value === '' ? null : e.target.value, frameIndex: 0 })}
          >
            <option value="">choose…</option>
            {sequences.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.split}/{s.name} · {s.frameCount} frames
              </option>
            ))}
          </select>
        </label>
        {sequences.error !== null && <span className="error-text">{sequences.error}</span>}
      </div>
      {sequence !== null && <SequencePlayer dataset={dataset} sequence={sequence} />}
      <SkippedFramesNotice dataset={dataset} />
      {detail.data !== undefined && <PreflightPanel report={detail.data.report} />}
      {detail.error !== null && <div className="error-text">{detail.error}</div>}
    </div>
  );
}

function SequencePlayer({ dataset, sequence }: { dataset: DatasetSummary; sequence: SequenceSummary }) {
  const frames = useAllFrames(dataset.id, sequence.id);
  const overlay = useExperimentOverlay(dataset.id);
  // Show GT and mapped classes in the mapping's protocol when one is being edited, else the dataset's own.
  const protocolId = overlay?.protocolId ?? dataset.protocolId;
  const protocol = useDisplayProtocol(protocolId);
  if (frames.error !== null) return <div className="error-text">{frames.error}</div>;
  if (frames.data === undefined) return <div className="muted">Loading {sequence.frameCount} frames…</div>;
  return (
    <Player
      frames={frames.data}
      protocol={protocol}
      clusterUrl={overlay?.clusterUrl ?? null}
      clusterCount={overlay?.clusterCount ?? 0}
      clusterToClass={overlay?.clusterToClass ?? null}
    />
  );
}

/** A sequence's frames in order, fetched page by page (the contract caps a page at 1000). */
function useAllFrames(datasetId: string, sequenceId: string) {
  const { call } = useStudio();
  const key = `${datasetId}/${sequenceId}`;
  const [state, setState] = useState<{ key: string; data?: FrameSummary[]; error: string | null }>({ key: '', error: null });
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const items: FrameSummary[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await call('datasets.frames', { id: datasetId, sequenceId, offset, limit: 1000 });
        items.push(...page.items);
        if (page.items.length === 0 || items.length >= page.total) break;
      }
      if (!cancelled) setState({ key, data: items, error: null });
    })().catch((e: unknown) => !cancelled && setState({ key, error: (e as Error).message }));
    return () => {
      cancelled = true;
    };
  }, [call, datasetId, sequenceId, key]);
  return state.key === key ? state : { key, data: undefined, error: null };
}
