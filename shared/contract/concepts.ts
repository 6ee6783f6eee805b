// Concepts: what an experiment's clusters look like in the data — each cluster's top-scoring patches from
// across the dataset, an atlas (UMAP of the centroids or the clusterbook) and the similar-patch probe.
// Everything is derived from the experiment's predictions and the cached backbone features they came from.
import { z } from 'zod';
import { method } from './define.js';

/**
 * One patch of the feature grid of one frame. `id` is the asset id of its thumbnail
 * (`/asset/patch/<id>`): `<featureSetId>:<frameId>:<gy>:<gx>`.
 */
export interface PatchRef {
  readonly id: string;
  readonly frameId: string;
  readonly frameName: string;
  readonly gx: number;
  readonly gy: number;
  /** The cluster most of the patch's pixels were predicted as. */
  readonly cluster: number;
  /**
   * Top patches: mean confidence (0..1) of the patch's pixels in its cluster × the share of the patch
   * they cover. Similar patches: cosine similarity to the probe's patch in backbone feature space.
   */
  readonly score: number;
}

/** Where the patch grid lies in a frame, in frame pixels (features see a centre crop of the frame). */
export interface GridRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ConceptPatches {
  readonly experimentId: string;
  readonly datasetId: string;
  readonly featureSetId: string;
  readonly grid: { readonly h: number; readonly w: number };
  readonly clusters: number;
  /** Frames indexed, and frames with predictions (they differ only when the index budget subsampled). */
  readonly frames: number;
  readonly framesPredicted: number;
  readonly concepts: readonly {
    readonly cluster: number;
    /** Share of all indexed patches whose majority cluster this is. */
    readonly patchShare: number;
    readonly patches: readonly PatchRef[];
  }[];
}

export type AtlasSource = 'centroids' | 'clusterbook';

export interface ConceptAtlas {
  readonly experimentId: string;
  readonly source: AtlasSource;
  /** 'umap', or 'pca' when there are too few points for a UMAP neighbourhood graph. */
  readonly layout: 'umap' | 'pca';
  readonly points: readonly {
    /** Cluster id (centroids) or clusterbook entry (clusterbook). */
    readonly index: number;
    /** Layout coordinates scaled to 0..1. */
    readonly x: number;
    readonly y: number;
    /** Centroids: the cluster itself; clusterbook: the majority cluster of the entry's nearest patches. */
    readonly cluster: number;
    /** The patch shown in the atlas cell (null when no indexed patch belongs to it). */
    readonly patch: PatchRef | null;
  }[];
}

export interface SimilarPatches {
  readonly experimentId: string;
  readonly frameId: string;
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly grid: { readonly h: number; readonly w: number };
  readonly region: GridRegion;
  /** The probed patch. */
  readonly gx: number;
  readonly gy: number;
  readonly cluster: number;
  /** Cosine similarity of every patch of the probed frame to the probed patch, row-major h×w. */
  readonly heatmap: readonly number[];
  /** Most similar patches across the indexed frames (the probed patch itself excluded), best first. */
  readonly matches: readonly PatchRef[];
  /** Patches compared. */
  readonly searched: number;
}

const id = z.string().min(1).max(80);

export const conceptMethods = {
  /** Each cluster's top-scoring patches across the dataset (the index is built once per prediction set). */
  'concepts.topPatches': method<ConceptPatches>()(
    z.object({ experimentId: id, perCluster: z.number().int().min(1).max(32).default(6) }).strict(),
  ),
  'concepts.atlas': method<ConceptAtlas>()(
    z.object({ experimentId: id, source: z.enum(['centroids', 'clusterbook']).default('centroids') }).strict(),
  ),
  /**
   * Probe: one patch of a frame — under (u, v), fractions of the frame's width and height, or the grid
   * cell (gx, gy) — against every indexed patch.
   */
  'concepts.similar': method<SimilarPatches>()(
    z
      .object({
        experimentId: id,
        frameId: id,
        u: z.number().min(0).max(1).optional(),
        v: z.number().min(0).max(1).optional(),
        gx: z.number().int().min(0).optional(),
        gy: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(200).default(24),
      })
      .strict()
      .refine((a) => (a.u !== undefined && a.v !== undefined) !== (a.gx !== undefined && a.gy !== undefined), {
        message: 'give either u and v, or gx and gy',
      }),
  ),
};
