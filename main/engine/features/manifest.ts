// A feature set's manifest: which cached tensors make up the features of one dataset under one
// (backbone, preprocessing) key. Written atomically when extraction completes; readers need only
// the workspace folder (no database), so training workers can open it directly.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StudioError } from '../../../shared/contract/errors.js';
import { writeFileAtomic } from '../workspace.js';
import { preprocessingSchema, type Preprocessing } from '../../../shared/contract/backbones.js';

export { preprocessingSchema, type Preprocessing };

export const MANIFEST_SCHEMA_VERSION = 1;

export const manifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  id: z.string(),
  datasetId: z.string(),
  backbone: z.object({
    id: z.string(),
    family: z.string(),
    patchSize: z.number().int().positive(),
    modelSha256: z.string().nullable(),
  }),
  preprocessing: preprocessingSchema,
  cacheKey: z.string(),
  provider: z.string(),
  grid: z.object({ h: z.number().int().positive(), w: z.number().int().positive() }),
  dim: z.number().int().positive(),
  createdAt: z.string(),
  /** Shard paths relative to the workspace root, with the whole-file sha256 recorded at write time. */
  shards: z.array(z.object({ file: z.string(), sha256: z.string() })),
  items: z.array(
    z.object({
      frameId: z.string(),
      contentHash: z.string(),
      /** 0 when crops = 'none'; 0..4 = top-left, top-right, bottom-left, bottom-right, centre. */
      crop: z.number().int().min(0),
      /** Index into `shards`. */
      shard: z.number().int().min(0),
      /** Tensor index inside the shard's payload. */
      slot: z.number().int().min(0),
    }),
  ),
});
export type FeatureSetManifest = z.infer<typeof manifestSchema>;

export function featureSetDir(workspaceRoot: string, featureSetId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(featureSetId)) {
    throw new StudioError('bad_request', `feature set id "${featureSetId}" is not a valid id`);
  }
  return path.join(workspaceRoot, 'features', 'sets', featureSetId);
}

export function cacheDir(workspaceRoot: string, cacheKey: string): string {
  return path.join(workspaceRoot, 'features', 'cache', cacheKey);
}

export function manifestPath(workspaceRoot: string, featureSetId: string): string {
  return path.join(featureSetDir(workspaceRoot, featureSetId), 'manifest.json');
}

export function writeManifest(workspaceRoot: string, manifest: FeatureSetManifest): string {
  const file = manifestPath(workspaceRoot, manifest.id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(manifest));
  return file;
}

export function readManifest(workspaceRoot: string, featureSetId: string): FeatureSetManifest {
  const file = manifestPath(workspaceRoot, featureSetId);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new StudioError('not_found', `${file}: no feature set "${featureSetId}" in this workspace (extract features first)`, {
      file,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StudioError('invalid_input', `${file}: feature set manifest is not valid JSON`, { file });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const v = (json as { schemaVersion?: unknown }).schemaVersion;
    if (typeof v === 'number' && v > MANIFEST_SCHEMA_VERSION) {
      throw new StudioError('schema_too_new', `${file}: manifest schema ${v} is newer than this studio understands`, { file });
    }
    throw new StudioError('invalid_input', `${file}: feature set manifest is malformed: ${parsed.error.issues[0]?.message ?? ''}`, {
      file,
    });
  }
  return parsed.data;
}
