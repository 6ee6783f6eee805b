// Mapping sessions that need no ground truth: edit a mapping cluster by cluster (set, merge, a class the
// protocol lacks), see each concept's pixel share and presence along the frames, and carry a saved
// mapping of one run to another through cross-run concept matching, suggestion by suggestion.
import { z } from 'zod';
import { method } from './define.js';
import type { ProtocolSummary } from './datasets.js';
import type { MappingDetail } from './evaluation.js';

/** Per-cluster pixel statistics of an experiment's predictions, with or without ground truth. */
export interface ConceptPixelStats {
  readonly experimentId: string;
  /** Where they come from: an evaluation histogram, the label-free signals, or nothing measured yet. */
  readonly source: 'histogram' | 'label-free' | null;
  readonly clusters: number;
  /** Share of all measured pixels per cluster (empty when nothing is measured). */
  readonly share: readonly number[];
  /** Per-frame cluster pixel counts in frame order (sparse: cluster ids and counts). */
  readonly frames: readonly {
    readonly frameId: string;
    readonly sequenceId: string;
    readonly pixels: number;
    readonly clusters: readonly number[];
    readonly counts: readonly number[];
  }[];
}

export type SuggestionStatus = 'pending' | 'accepted' | 'rejected';

export interface MappingSuggestion {
  /** The cluster of the receiving experiment (B). */
  readonly cluster: number;
  /** Class name suggested from the source mapping ('ignore' when the matched concepts were ignored). */
  readonly className: string;
  /** Share of the cluster's pixels that the source run put in clusters mapped to that class (0..1). */
  readonly strength: number;
  /** The source cluster overlapping it most, and their IoU. */
  readonly fromCluster: number;
  readonly iou: number;
  readonly status: SuggestionStatus;
}

export interface MappingSuggestionSet {
  readonly id: string;
  readonly experimentId: string;
  readonly fromExperimentId: string;
  readonly fromMappingId: string;
  readonly protocolId: string;
  readonly classNames: readonly string[];
  readonly suggestions: readonly MappingSuggestion[];
  readonly createdAt: string;
}

const id = z.string().min(1).max(80);
const cluster = z.number().int().min(0).max(65535);
const colour = z.string().regex(/^#?[0-9a-fA-F]{6}$/, 'colour must be #rrggbb');

export const mappingMethods = {
  /**
   * Edits the experiment's newest mapping (or a new one, all clusters ignored, under `protocol`) and saves
   * the result as its next version. 'set' sends the clusters to `className` ('ignore' = no class); 'merge'
   * sends them all to one class: `className`, else the class of the first listed cluster that has one.
   * `newClass` adds `className` to the protocol (a custom protocol saved in the workspace) when it lacks it.
   */
  'mappings.edit': method<MappingDetail>()(
    z
      .object({
        experimentId: id,
        clusters: z.array(cluster).min(1).max(4096),
        className: z.string().min(1).max(100).optional(),
        mode: z.enum(['set', 'merge']).default('set'),
        protocol: z.string().min(1).optional(),
        newClass: z.object({ color: colour.optional() }).strict().optional(),
        name: z.string().min(1).max(200).optional(),
      })
      .strict(),
  ),
  /** A protocol with one more class: stored as a custom protocol of the workspace (same classes + same name = same id). */
  'mappings.addClass': method<ProtocolSummary>()(
    z.object({ protocolId: z.string().min(1), name: z.string().min(1).max(100), color: colour.optional() }).strict(),
  ),
  /** Pixel share and presence per cluster: from the newest evaluation histogram, else the label-free signals. */
  'mappings.conceptStats': method<ConceptPixelStats>()(z.object({ experimentId: id }).strict()),
  /**
   * Suggests a mapping for `experimentId` from a saved mapping of another run, through the co-occurrence of
   * a finished 'eval.compare' job (A = the mapping's experiment, B = `experimentId`). Stored; decide one by one.
   */
  'mappings.suggest': method<MappingSuggestionSet>()(
    z.object({ experimentId: id, fromMappingId: id, comparisonJobId: id }).strict(),
  ),
  /** The experiment's newest suggestion set, or null. */
  'mappings.suggestions': method<MappingSuggestionSet | null>()(z.object({ experimentId: id }).strict()),
  /**
   * Accepts or rejects suggestions. Accepting with `apply` also saves the experiment's next mapping version
   * with those clusters set (the UI applies them to its session instead and passes apply: false).
   */
  'mappings.decide': method<{ set: MappingSuggestionSet; mapping: MappingDetail | null }>()(
    z
      .object({
        suggestionSetId: id,
        clusters: z.array(cluster).max(4096).optional(),
        decision: z.enum(['accept', 'reject']),
        apply: z.boolean().default(true),
      })
      .strict(),
  ),
};
