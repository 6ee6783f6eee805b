// Import a dataset: a folder picker in Electron, a path field in the browser; the format is auto-detected
// unless chosen. The import runs as a job whose progress shows here and in the status bar.
import { useState } from 'react';
import { IMPORT_FORMATS, type ImportFormat } from '../../../shared/contract/datasets.js';
import { useJobs, useStudio } from '../state/studio-context.js';
import { JobProgress } from './JobProgress.js';
import { SynthForm } from './SynthForm.js';

export function ImportDialog({ onClose }: { onClose: () => void }) {
  const { client, call, select } = useStudio();
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [name, setName] = useState('');
  const [started, setStarted] = useState<{ jobId: string; datasetId: string } | null>(null);
  const [tab, setTab] = useState<'import' | 'synth'>('import');
  const [error, setError] = useState<string | null>(null);
  const job = useJobs().find((j) => j.id === started?.jobId);

  const submit = async (): Promise<void> => {
    setError(null);
    try {
      const res = await call('datasets.import', {
        path: path.trim(),
        format,
        ...(name.trim() !== '' ? { name: name.trim() } : {}),
      });
      setStarted(res);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label="Import dataset"
        data-testid="import-dialog"
      >
        <h2>Add a dataset</h2>
        <div className="tabs" role="tablist" style={{ marginBottom: 10 }}>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'import'}
            className={tab === 'import' ? 'active' : ''}
            onClick={() => setTab('import')}
          >
            Import a folder or video
          </button>
          <button
            type="button"
            role="tab"
            data-testid="tab-synth"
            aria-selected={tab === 'synth'}
            className={tab === 'synth' ? 'active' : ''}
            onClick={() => setTab('synth')}
          >
            Generate SynthDrive
          </button>
        </div>
        {tab === 'synth' && started === null && (
          <SynthForm onImported={(jobId, datasetId) => setStarted({ jobId, datasetId })} />
        )}
        {tab === 'import' && (
          <form
            className="form-grid"
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <label htmlFor="import-path">Folder or video</label>
            <div className="row">
              <input
                id="import-path"
                className="grow"
                data-testid="import-path"
                value={path}
                placeholder="/data/cityscapes or /videos/drive.mp4"
                onChange={(e) => setPath(e.target.value)}
                autoFocus
              />
              {client.openFolderDialog !== undefined && (
                <button
                  type="button"
                  onClick={() => void client.openFolderDialog?.().then((p) => p !== null && setPath(p))}
                >
                  Browse…
                </button>
              )}
            </div>
            <label htmlFor="import-format">Format</label>
            <select
              id="import-format"
              data-testid="import-format"
              value={format}
              onChange={(e) => setFormat(e.target.value as ImportFormat)}
            >
              {IMPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f === 'auto' ? 'auto-detect' : f}
                </option>
              ))}
            </select>
            <label htmlFor="import-name">Name</label>
            <input
              id="import-name"
              value={name}
              placeholder="(from the folder name)"
              onChange={(e) => setName(e.target.value)}
            />
            <span />
            <div className="row">
              <button
                type="submit"
                className="primary"
                data-testid="import-submit"
                disabled={path.trim() === '' || (started !== null && job?.state === 'running')}
              >
                Import
              </button>
              <button type="button" onClick={onClose}>
                {job?.state === 'succeeded' ? 'Done' : 'Close'}
              </button>
            </div>
          </form>
        )}
        {error !== null && (
          <div className="error-text" data-testid="import-error">
            {error}
          </div>
        )}
        {started !== null && (
          <>
            <JobProgress jobId={started.jobId} label="Importing and checking every frame" />
            {job?.state === 'succeeded' && (
              <button
                type="button"
                data-testid="import-open"
                onClick={() => {
                  select({ datasetId: started.datasetId, sequenceId: null, frameIndex: 0 });
                  onClose();
                }}
              >
                Open the dataset
              </button>
            )}
          </>
        )}
      </div>
    </div>
  );
}
