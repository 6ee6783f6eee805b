// One concept in a mapping session without ground truth: its top patches, presence along the frames and
// share of pixels (the Concepts view's pieces), a class selector (or ignore) and a tick for merging.
import type { PatchRef } from '../../../../shared/contract/concepts.js';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { clusterColor, cssColor } from '../../lib/palettes.js';
import { PatchThumb } from '../concepts/PatchThumb.js';
import { PresenceStrip } from '../concepts/PresenceStrip.js';

export interface ConceptCardProps {
  readonly cluster: number;
  /** Share of pixels (or of patches before pixels are measured), null when unknown. */
  readonly share: number | null;
  readonly shareOf: 'pixels' | 'patches';
  readonly presence: Float32Array | null;
  readonly patches: readonly PatchRef[];
  readonly classNames: readonly string[];
  readonly colors: readonly RGB[];
  readonly classIndex: number;
  readonly ticked: boolean;
  readonly selected: boolean;
  onTick(ticked: boolean): void;
  onAssign(classIndex: number): void;
  onSelect(): void;
}

export function ConceptCard(p: ConceptCardProps) {
  const k = p.cluster;
  const mapped = p.classIndex >= 0 ? p.classNames[p.classIndex] : undefined;
  return (
    <div
      className={p.selected ? 'concept selected' : 'concept'}
      data-testid={`concept-card-${k}`}
      data-class={mapped ?? 'ignore'}
      onClick={p.onSelect}
      aria-label={`Cluster ${k}${p.share !== null ? `, ${(p.share * 100).toFixed(1)} % of ${p.shareOf}` : ''}, mapped to ${mapped ?? 'ignore'}`}
    >
      <div className="concept-head">
        <input
          type="checkbox"
          data-testid={`concept-tick-${k}`}
          checked={p.ticked}
          aria-label={`Tick cluster ${k} for merging`}
          onClick={(e) => e.stopPropagation()}
          onChange={(e) => p.onTick(e.target.checked)}
        />
        <span className="swatch" style={{ background: cssColor(clusterColor(k)) }} />
        <strong>#{k}</strong>
        <span className="num grow" data-testid={`concept-share-${k}`} title={`share of ${p.shareOf}`}>
          {p.share === null ? '—' : `${(p.share * 100).toFixed(1)} %`}
        </span>
      </div>
      <div className="concept-thumbs">
        {p.patches.length === 0 && <span className="muted">no patch</span>}
        {p.patches.map((patch) => (
          <PatchThumb key={patch.id} patch={patch} size={64} label={`score ${(patch.score * 100).toFixed(0)} %`} />
        ))}
      </div>
      {p.presence !== null && <PresenceStrip values={p.presence} color={clusterColor(k)} />}
      <label className="row" onClick={(e) => e.stopPropagation()}>
        {p.classIndex >= 0 && <span className="swatch" style={{ background: cssColor(p.colors[p.classIndex] ?? [0, 0, 0]) }} />}
        <select data-testid={`concept-class-${k}`} value={p.classIndex} aria-label={`Class of cluster ${k}`} onChange={(e) => p.onAssign(Number(e.target.value))}>
          <option value={-1}>ignore</option>
          {p.classNames.map((name, t) => (
            <option key={name} value={t}>
              {name}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
