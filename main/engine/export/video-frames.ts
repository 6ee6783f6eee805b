// One frame of a video export, composed: what the local export pipes to ffmpeg and what a pool task
// ('video.range') renders for the studio to encode. Everything it needs from the database travels in a
// VideoRenderSpec, so both read the same inputs the same way.
import { clusterColor } from '../../../shared/palettes/cluster-palette.js';
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';
import type { LabelProtocol } from '../../../shared/protocols/label-protocol.js';
import { StudioError } from '../../../shared/contract/errors.js';
import type { VideoExportParams } from '../../../shared/contract/exports.js';
import { mapLabels, readImageRGB, readLabelMap, type FrameRecord } from '../datasets/frame-source.js';
import type { PredictionSource } from '../eval/predictions.js';
import { protocolFromSpec, type EvalProtocolSpec } from '../eval/protocol-spec.js';
import { composeFrame, type ColourScheme } from './frame-composer.js';
import type { GlyphAtlas } from './glyphs.js';

/** Colouring: cluster palette, or a cluster → class mapping into a protocol (resolved by the studio). */
export type SchemeSpec = { readonly kind: 'clusters' } | { readonly kind: 'classes'; readonly values: number[]; readonly protocol: EvalProtocolSpec };

export interface VideoRenderSpec {
  readonly title: string;
  /** Frames in the whole export (the caption reads `i/total`). */
  readonly total: number;
  readonly scheme: SchemeSpec;
  /** The dataset's protocol when a ground-truth panel is drawn (side-by-side with labels), else null. */
  readonly groundTruth: EvalProtocolSpec | null;
  readonly mode: VideoExportParams['mode'];
  readonly opacity: number;
  readonly captions: boolean;
  readonly panelWidth: number;
  readonly panelHeight: number;
}

export function schemeFrom(spec: SchemeSpec): ColourScheme {
  if (spec.kind === 'clusters') return { colourOf: clusterColor, legendKey: (k) => k, legendName: (k) => `cluster ${k}`, legendColour: clusterColor };
  const protocol = protocolFromSpec(spec.protocol);
  const values = spec.values;
  const colours = protocol.colors;
  return {
    colourOf: (k) => {
      const c = values[k] ?? -1;
      return c >= 0 ? (colours[c] ?? null) : null;
    },
    legendKey: (k) => values[k] ?? -1,
    legendName: (c) => protocol.classNames[c] ?? `class ${c}`,
    legendColour: (c) => colours[c] ?? [0, 0, 0],
  };
}

export interface VideoRenderer {
  /** Frame `index` (0-based in the export) composed, or why it was skipped (its image cannot be decoded). */
  render(f: FrameRecord, index: number): Promise<{ rgb: Uint8Array } | { skipped: { frameId: string; file: string; reason: string } }>;
}

export function videoRenderer(spec: VideoRenderSpec, preds: PredictionSource, atlas: GlyphAtlas): VideoRenderer {
  const scheme = schemeFrom(spec.scheme);
  const gt: LabelProtocol | null = spec.groundTruth ? protocolFromSpec(spec.groundTruth) : null;
  return {
    async render(f, i) {
      let image;
      try {
        image = await readImageRGB(f.imagePath);
      } catch (e) {
        // changed on disk since it was predicted: one bad frame does not stop the video
        return { skipped: { frameId: f.id, file: f.imagePath, reason: (e as Error).message.replace(`${f.imagePath}: `, '') } };
      }
      const clusters = await preds.readClusters(f);
      if (clusters.width !== image.width || clusters.height !== image.height) {
        throw new StudioError('invalid_input', `${preds.clusterPath(f)}: prediction is ${clusters.width}x${clusters.height}, frame is ${image.width}x${image.height}`);
      }
      let groundTruth: { classes: Uint8Array; colours: readonly RGB[] } | null = null;
      if (gt) {
        if (f.labelPath) {
          const raw = await readLabelMap(f.labelPath);
          groundTruth = { classes: mapLabels(gt, raw.data), colours: gt.colors };
        } else {
          groundTruth = { classes: new Uint8Array(image.width * image.height).fill(255), colours: gt.colors };
        }
      }
      const frame = await composeFrame(
        { image, clusters: clusters.data, groundTruth, frameLabel: `${f.name}  ${i + 1}/${spec.total}`, title: spec.title },
        scheme,
        { mode: spec.mode, opacity: spec.opacity, panelWidth: spec.panelWidth, panelHeight: spec.panelHeight, captions: spec.captions },
        atlas,
      );
      return { rgb: frame.rgb };
    },
  };
}
