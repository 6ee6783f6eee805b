// The predict form's temporal mode: every frame on its own, or cluster scores filtered over time with
// label hysteresis, carried along patch-feature matches or optical flow (main/engine/temporal), and which
// way through each sequence (backward by default: labels come from nearer views of the same surfaces).
import { TEMPORAL_DIRECTIONS, TEMPORAL_MODES, type TemporalDirection, type TemporalMode } from '../../../../shared/contract/experiments.js';

const LABELS: Record<TemporalMode, string> = {
  none: 'per frame',
  features: 'temporal: feature matches',
  flow: 'temporal: optical flow',
};

const DIRECTION_LABELS: Record<TemporalDirection, string> = {
  backward: 'backward (recorded drives)',
  forward: 'forward (causal)',
};

export interface TemporalChoice {
  readonly mode: TemporalMode;
  readonly direction: TemporalDirection;
}

export function TemporalSelect({ value, onChange }: { value: TemporalChoice; onChange: (c: TemporalChoice) => void }) {
  return (
    <>
      <label title="Filter cluster scores over time along label-free correspondences, keeping a pixel's cluster unless the new frame clearly disagrees (less flicker in videos)">
        <select data-testid="predict-temporal" value={value.mode} onChange={(e) => onChange({ ...value, mode: e.target.value as TemporalMode })}>
          {TEMPORAL_MODES.map((m) => (
            <option key={m} value={m}>
              {LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      {value.mode !== 'none' && (
        <label title="Backward carries frame t+1 into t: for a camera driving forward, each surface's label comes from nearer views of it. Forward uses only past frames, as a live feed would.">
          <select
            data-testid="predict-temporal-direction"
            value={value.direction}
            onChange={(e) => onChange({ ...value, direction: e.target.value as TemporalDirection })}
          >
            {TEMPORAL_DIRECTIONS.map((d) => (
              <option key={d} value={d}>
                {DIRECTION_LABELS[d]}
              </option>
            ))}
          </select>
        </label>
      )}
    </>
  );
}
