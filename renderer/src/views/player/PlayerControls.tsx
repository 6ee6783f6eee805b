// Transport: play/pause, previous/next, the frame counter and name, speed, the Shift+arrow step and opacity.
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import { PLAYBACK_RATES, type Playback } from './use-playback.js';

export interface PlayerControlsProps {
  readonly playback: Playback;
  readonly index: number;
  readonly count: number;
  readonly frame: FrameSummary | undefined;
  setIndex(i: number): void;
  readonly stepN: number;
  setStepN(n: number): void;
  readonly opacity: number;
  setOpacity(o: number): void;
}

export function PlayerControls(props: PlayerControlsProps) {
  const { playback, index, count, frame, setIndex, stepN, setStepN, opacity, setOpacity } = props;
  return (
    <div className="player-controls row">
      <button
        type="button"
        data-testid="play"
        onClick={() => playback.setPlaying((p) => !p)}
        aria-pressed={playback.playing}
      >
        {playback.playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={() => setIndex(index - 1)} aria-label="Previous frame">
        ◀
      </button>
      <button type="button" onClick={() => setIndex(index + 1)} aria-label="Next frame">
        ▶
      </button>
      <span className="num" data-testid="frame-counter">
        {count === 0 ? '0 / 0' : `${index + 1} / ${count}`}
      </span>
      <span className="muted frame-name" data-testid="frame-name">
        {frame?.name ?? ''}
      </span>
      <span className="grow" />
      <label>
        speed{' '}
        <select
          value={playback.fps}
          onChange={(e) => playback.setFps(Number(e.target.value))}
          aria-label="Playback speed"
        >
          {PLAYBACK_RATES.map((v) => (
            <option key={v} value={v}>
              {v} fps
            </option>
          ))}
        </select>
      </label>
      <label>
        step{' '}
        <input
          type="number"
          min={1}
          max={1000}
          value={stepN}
          onChange={(e) => setStepN(Math.max(1, Number(e.target.value) || 1))}
          aria-label="Frames per Shift+arrow step"
          style={{ width: 60 }}
        />
      </label>
      <label>
        opacity{' '}
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={opacity}
          data-testid="opacity"
          onChange={(e) => setOpacity(Number(e.target.value))}
        />{' '}
        <span className="num">{Math.round(opacity * 100)} %</span>
      </label>
    </div>
  );
}
