// The asset URLs of a frame under the current protocol and experiment. Its identity changes only when
// those do, which is what the draw, prefetch and upload effects key on.
import { useCallback } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { useStudio } from '../../state/studio-context.js';
import type { FrameUrls } from './frame-assets.js';

export function useFrameUrls(
  protocol: LabelProtocol | null,
  hasGt: boolean,
  clusterUrl: ((frame: FrameSummary) => string) | null,
): (f: FrameSummary) => FrameUrls {
  const { client } = useStudio();
  return useCallback(
    (f: FrameSummary) => ({
      image: client.assetUrl('frame', f.id),
      // The engine maps raw labels to this protocol's class indices (255 = ignore), so the GT LUT is identity.
      gt:
        hasGt && f.labelRel !== null && protocol !== null
          ? client.assetUrl('gt', f.id, { protocol: protocol.id })
          : null,
      clusters: clusterUrl !== null ? clusterUrl(f) : null,
    }),
    [client, hasGt, clusterUrl, protocol],
  );
}
