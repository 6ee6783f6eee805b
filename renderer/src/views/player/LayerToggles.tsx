// One checkbox per layer (Shift+1–5). A layer whose data the sequence lacks is shown but disabled.
import { LAYER_BITS, type LayerName } from '../../gl/layers.js';
import { LAYER_ORDER } from './player-keys.js';
import { layerAvailable } from './player-rules.js';

const LAYER_LABELS: Record<LayerName, string> = {
  image: 'Image',
  gt: 'Ground truth',
  clusters: 'Clusters',
  classes: 'Classes',
  errors: 'Errors',
};

export interface LayerTogglesProps {
  /** Bit set of LAYER_BITS. */
  readonly layers: number;
  readonly hasGt: boolean;
  readonly hasClusters: boolean;
  onToggle(name: LayerName): void;
}

export function LayerToggles({ layers, hasGt, hasClusters, onToggle }: LayerTogglesProps) {
  return (
    <div className="row layers" role="group" aria-label="Layers">
      {LAYER_ORDER.map((name, i) => {
        const disabled = !layerAvailable(name, hasGt, hasClusters);
        return (
          <label key={name} className={disabled ? 'muted' : ''}>
            <input
              type="checkbox"
              data-testid={`layer-${name}`}
              checked={(layers & LAYER_BITS[name]) !== 0}
              disabled={disabled}
              onChange={() => onToggle(name)}
            />{' '}
            {LAYER_LABELS[name]} <kbd>⇧{i + 1}</kbd>
          </label>
        );
      })}
    </div>
  );
}
