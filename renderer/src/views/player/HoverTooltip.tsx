// The tooltip beside the pointer: pixel, ground-truth class, and the cluster with what it is mapped to.
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { classLabel } from './player-rules.js';
import type { Hover } from './use-hover.js';

export interface HoverTooltipProps {
  readonly hover: Hover;
  readonly protocol: LabelProtocol | null;
  readonly clusterToClass: Int32Array | null;
}

export function HoverTooltip({ hover, protocol, clusterToClass }: HoverTooltipProps) {
  return (
    <div className="tooltip" style={{ left: hover.x + 14, top: hover.y + 14 }} data-testid="player-tooltip">
      <div className="muted">
        x {hover.px}, y {hover.py}
      </div>
      {hover.gtClass !== null && <div>GT: {classLabel(protocol, hover.gtClass)}</div>}
      {hover.cluster !== null && (
        <div>
          cluster {hover.cluster} → {classLabel(protocol, clusterToClass?.[hover.cluster])}
        </div>
      )}
    </div>
  );
}
