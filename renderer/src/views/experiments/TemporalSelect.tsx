// The predict form's temporal mode: every frame on its own, or cluster scores filtered over time with
// label hysteresis, carried along patch-feature matches or optical flow (main/engine/temporal).
import { TEMPORAL_MODES, type TemporalMode } from '../../../../shared/contract/experiments.js';

const LABELS: Record<TemporalMode, string> = {
  none: 'per frame',
  features: 'temporal: feature matches',
  flow: 'temporal: optical flow',
};

export function TemporalSelect({ value, onChange }: { value: TemporalMode; onChange: (m: TemporalMode) => void }) {
  return (
    <label title="Filter cluster scores over time along label-free correspondences, keeping a pixel's cluster unless the new frame clearly disagrees (less flicker in videos)">
      <select data-testid="predict-temporal" value={value} onChange={(e) => onChange(e.target.value as TemporalMode)}>
        {TEMPORAL_MODES.map((m) => (
          <option key={m} value={m}>
            {LABELS[m]}
          </option>
        ))}
      </select>
    </label>
  );
}
