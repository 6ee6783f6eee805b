// The predict form's temporal mode: every frame on its own, or cluster scores filtered over time with
// label hysteresis, carried along patch-feature matches or optical flow (main/engine/temporal), and which
// way through each sequence. The form starts from PREDICT_TEMPORAL_DEFAULT (optical flow, both ways); with the
// dense CRF ticked the choice is shown disabled, since the CRF replaces the probabilities it carries.
import { TEMPORAL_DIRECTIONS, TEMPORAL_MODES, type TemporalDirection, type TemporalMode } from '../../../../shared/contract/experiments.js';

const MODE_LABELS: Record<TemporalMode, string> = {
  none: 'per frame',
  features: 'temporal: feature matches',
  flow: 'temporal: optical flow',
};

const DIRECTION_LABELS: Record<TemporalDirection, string> = {
  backward: 'backward (recorded drives)',
  forward: 'forward (causal)',
  both: 'both ways (backward, then forward)',
};

export interface TemporalChoice {
  readonly mode: TemporalMode;
  readonly direction: TemporalDirection;
}

/** A labelled select over a fixed list of values. */
function Choices<T extends string>(p: { testId: string; title: string; value: T; values: readonly T[]; labels: Record<T, string>; disabled: boolean; onChange: (v: T) => void }) {
  return (
    <label title={p.title}>
      <select data-testid={p.testId} value={p.value} disabled={p.disabled} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.values.map((v) => (
          <option key={v} value={v}>
            {p.labels[v]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function TemporalSelect({ value, onChange, disabled = false }: { value: TemporalChoice; onChange: (c: TemporalChoice) => void; disabled?: boolean }) {
  return (
    <>
      <Choices
        testId="predict-temporal"
        title={disabled ? 'The dense CRF replaces the probabilities a temporal mode carries: with it, every frame is predicted on its own' : "Filter cluster scores over time along label-free correspondences, keeping a pixel's cluster unless the new frame clearly disagrees (less flicker in videos)"}
        value={value.mode}
        values={TEMPORAL_MODES}
        labels={MODE_LABELS}
        disabled={disabled}
        onChange={(mode) => onChange({ ...value, mode })}
      />
      {value.mode !== 'none' && (
        <Choices
          testId="predict-temporal-direction"
          title="Both ways (the default): backward, then forward over the backward pass's scores. Backward carries frame t+1 into t: for a camera driving forward, each surface's label comes from nearer views of it. Forward uses only past frames, as a live feed would."
          value={value.direction}
          values={TEMPORAL_DIRECTIONS}
          labels={DIRECTION_LABELS}
          disabled={disabled}
          onChange={(direction) => onChange({ ...value, direction })}
        />
      )}
    </>
  );
}
