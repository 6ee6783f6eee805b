// A new CAUSE run: dataset, backbone, method, K, preset. Features are extracted first when the dataset has
// none for that backbone (a job of its own), then the training job is queued.
import { useEffect, useState } from 'react';
import {
  EXPERIMENT_METHODS,
  TF_BACKEND_CHOICES,
  TRAIN_PRESETS,
  presetConfig,
  type ExperimentMethod,
  type TfBackendChoice,
  type TrainPreset,
} from '../../../shared/contract/experiments.js';
import { useQuery, useSelection, useStudio } from '../state/studio-context.js';
import { JobProgress } from './JobProgress.js';

export function NewRunForm({ onStarted, onClose }: { onStarted(experimentId: string): void; onClose(): void }) {
  const { call } = useStudio();
  const selection = useSelection();
  const datasets = useQuery('datasets.list', {});
  const backbones = useQuery('backbones.list', {});
  const [datasetId, setDatasetId] = useState(selection.datasetId ?? '');
  const [backbone, setBackbone] = useState('');
  const [method, setMethod] = useState<ExperimentMethod>('cause-mlp');
  const [clusters, setClusters] = useState(27);
  const [preset, setPreset] = useState<TrainPreset>('fast');
  const [seed, setSeed] = useState(0);
  const [backend, setBackend] = useState<TfBackendChoice>('auto');
  const [name, setName] = useState('');
  const [featureJob, setFeatureJob] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (datasetId === '' && datasets.data?.[0] !== undefined) setDatasetId(datasets.data[0].id);
  }, [datasetId, datasets.data]);
  useEffect(() => {
    if (backbone === '' && backbones.data?.[0] !== undefined) setBackbone(backbones.data.find((b) => b.id === 'builtin')?.id ?? backbones.data[0].id);
  }, [backbone, backbones.data]);

  const config = presetConfig(preset, method, clusters, seed, backend);

  const start = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const features = await call('features.list', { datasetId });
      if (!features.some((f) => f.backbone === backbone)) {
        const job = await call('features.extract', { datasetId, backbone });
        setFeatureJob(job.id);
        const done = await call('jobs.wait', { id: job.id });
        if (done.state !== 'succeeded') throw new Error(`Feature extraction ${done.state}${done.error !== null ? `: ${done.error}` : ''}`);
      }
      const res = await call('experiments.create', {
        datasetId,
        backbone,
        method,
        clusters,
        preset,
        seed,
        backend,
        ...(name.trim() !== '' ? { name: name.trim() } : {}),
      });
      onStarted(res.experimentId);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel"
      data-testid="new-run-form"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div className="form-grid">
          <label htmlFor="run-dataset">Dataset</label>
          <select id="run-dataset" data-testid="run-dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} required>
            {datasets.data?.length === 0 && <option value="">import a dataset first</option>}
            {datasets.data?.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.frameCount} frames)
              </option>
            ))}
          </select>
          <label htmlFor="run-backbone">Backbone</label>
          <select id="run-backbone" data-testid="run-backbone" value={backbone} onChange={(e) => setBackbone(e.target.value)}>
            {backbones.data?.map((b) => (
              <option key={b.id} value={b.id} title={b.description}>
                {b.id} · {b.family} /{b.patchSize} · {b.dim}-d
              </option>
            ))}
          </select>
          <label htmlFor="run-method">Method</label>
          <select id="run-method" value={method} onChange={(e) => setMethod(e.target.value as ExperimentMethod)}>
            {EXPERIMENT_METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <label htmlFor="run-k">Clusters K</label>
          <input id="run-k" type="number" min={2} max={1024} value={clusters} onChange={(e) => setClusters(Math.min(1024, Math.max(2, Number(e.target.value) || 2)))} />
          <label htmlFor="run-preset">Preset</label>
          <select id="run-preset" data-testid="run-preset" value={preset} onChange={(e) => setPreset(e.target.value as TrainPreset)}>
            {TRAIN_PRESETS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <label htmlFor="run-seed">Seed</label>
          <input id="run-seed" type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Number(e.target.value) || 0))} />
          <label htmlFor="run-backend">TF backend</label>
          <select id="run-backend" value={backend} onChange={(e) => setBackend(e.target.value as TfBackendChoice)}>
            {TF_BACKEND_CHOICES.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
          <label htmlFor="run-name">Name</label>
          <input id="run-name" value={name} placeholder="(automatic)" onChange={(e) => setName(e.target.value)} />
        </div>
        <dl className="kv preset-preview" aria-label="Preset settings">
          <dt>clusterbook k</dt>
          <dd className="num">{config.concepts}</dd>
          <dt>head dim</dt>
          <dd className="num">{config.headDim}</dd>
          <dt>batch</dt>
          <dd className="num">{config.batchSize}</dd>
          <dt>step 1</dt>
          <dd className="num">
            {config.step1.epochs} ep · lr {config.step1.lr}
          </dd>
          <dt>step 2</dt>
          <dd className="num">
            {config.step2.epochs} ep · lr {config.step2.lr}
          </dd>
          <dt>step 3</dt>
          <dd className="num">
            {config.step3.epochs} ep · lr {config.step3.lr}
          </dd>
        </dl>
      </div>
      <div className="row" style={{ marginTop: 8 }}>
        <button type="submit" className="primary" data-testid="start-run" disabled={busy || datasetId === '' || backbone === ''}>
          Start run
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {featureJob !== null && busy && <JobProgress jobId={featureJob} label="Extracting backbone features (once per dataset and backbone)" />}
      {error !== null && (
        <div className="error-text" data-testid="run-error">
          {error}
        </div>
      )}
    </form>
  );
}
