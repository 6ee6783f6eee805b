// Generate a SynthDrive world (a job), then import what it wrote — the offline first dataset.
import { useState } from 'react';
import { SYNTH_DEFAULTS, SYNTH_WEATHERS, synthSizeProblem, type SynthWeather } from '../../../shared/contract/synth.js';
import { useJobs, useStudio } from '../state/studio-context.js';
import { useJobStart } from '../lib/use-job-start.js';
import { JobProgress } from './JobProgress.js';

export function SynthForm({ onImported }: { onImported(jobId: string, datasetId: string): void }) {
  const { call, client } = useStudio();
  const [out, setOut] = useState('');
  const [sequences, setSequences] = useState<number>(SYNTH_DEFAULTS.sequences);
  const [frames, setFrames] = useState<number>(SYNTH_DEFAULTS.frames);
  const [size, setSize] = useState<string>(SYNTH_DEFAULTS.size);
  const [seed, setSeed] = useState<number>(SYNTH_DEFAULTS.seed);
  const [weather, setWeather] = useState<SynthWeather>(SYNTH_DEFAULTS.weather);
  const { jobId, error, start, setError } = useJobStart();
  const job = useJobs().find((j) => j.id === jobId);
  const sizeProblem = synthSizeProblem(size);

  const generate = () => start(() => call('synth.generate', { out: out.trim(), sequences, frames, size, seed, weather }));
  const importIt = async (): Promise<void> => {
    try {
      const r = await call('datasets.import', { path: out.trim(), format: 'cityscapes', name: `SynthDrive ${weather} s${seed}` });
      onImported(r.jobId, r.datasetId);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <form
      className="form-grid"
      data-testid="synth-form"
      onSubmit={(e) => {
        e.preventDefault();
        void generate();
      }}
    >
      <label htmlFor="synth-out">Output folder</label>
      <div className="row">
        <input id="synth-out" className="grow" data-testid="synth-out" value={out} placeholder="/data/synthdrive" onChange={(e) => setOut(e.target.value)} />
        {client.openFolderDialog !== undefined && (
          <button type="button" onClick={() => void client.openFolderDialog?.().then((p) => p !== null && setOut(p))}>
            Browse…
          </button>
        )}
      </div>
      <label htmlFor="synth-seq">Sequences × frames</label>
      <div className="row">
        <input id="synth-seq" data-testid="synth-sequences" type="number" min={1} value={sequences} onChange={(e) => setSequences(Math.max(1, Number(e.target.value) || 1))} style={{ width: 70 }} />
        ×
        <input data-testid="synth-frames" type="number" min={1} value={frames} onChange={(e) => setFrames(Math.max(1, Number(e.target.value) || 1))} style={{ width: 70 }} aria-label="Frames per sequence" />
      </div>
      <label htmlFor="synth-size">Size (W×H)</label>
      <div>
        <input id="synth-size" data-testid="synth-size" value={size} onChange={(e) => setSize(e.target.value)} style={{ width: 110 }} />
        {sizeProblem !== undefined && <span className="error-text"> {sizeProblem}</span>}
      </div>
      <label htmlFor="synth-seed">Seed · weather</label>
      <div className="row">
        <input id="synth-seed" type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Number(e.target.value) || 0))} style={{ width: 90 }} />
        <select value={weather} onChange={(e) => setWeather(e.target.value as SynthWeather)} aria-label="Weather">
          {SYNTH_WEATHERS.map((w) => (
            <option key={w}>{w}</option>
          ))}
        </select>
      </div>
      <span />
      <div className="row">
        <button type="submit" className="primary" data-testid="synth-generate" disabled={out.trim() === '' || sizeProblem !== undefined || job?.state === 'running'}>
          Generate
        </button>
        {job?.state === 'succeeded' && (
          <button type="button" data-testid="synth-import" onClick={() => void importIt()}>
            Import it
          </button>
        )}
      </div>
      {jobId !== null && (
        <div style={{ gridColumn: '1 / -1' }}>
          <JobProgress jobId={jobId} label="Rendering SynthDrive frames" />
        </div>
      )}
      {error !== null && (
        <div className="error-text" style={{ gridColumn: '1 / -1' }} data-testid="synth-error">
          {error}
        </div>
      )}
    </form>
  );
}
