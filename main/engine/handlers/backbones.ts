// backbones.*, models.*, features.*: the model store, and feature extraction as a job.
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { deleteFeatureSet, deleteShard, getFeatureSet, listFeatureSets, listShards, toFeatureSetSummary } from '../db/queries/features.js';
import { getDataset } from '../datasets/frame-source.js';
import { addModel, listStoredModels, optimizeModel, pullModel, removeModel } from '../backbones/model-store.js';
import { resolvePreprocessing } from '../backbones/preprocess.js';
import { describeBackbone, listBackbones } from '../backbones/registry.js';
import { featureCacheKey, featureSetIdFor } from '../features/cache-key.js';
import type { ExtractParams } from '../features/extract.js';
import { cacheDir, featureSetDir } from '../features/manifest.js';
import type { HandlerGroup } from './handler-types.js';

type Methods =
  | 'backbones.list'
  | 'models.list'
  | 'models.add'
  | 'models.pull'
  | 'models.remove'
  | 'models.optimize'
  | 'features.list'
  | 'features.get'
  | 'features.extract'
  | 'features.remove';

export const backboneHandlers: HandlerGroup<Methods> = {
  'backbones.list': (_args, ctx) => listBackbones(ctx.db, ctx.workspace.root),
  'models.list': (_args, ctx) => listStoredModels(ctx.db, ctx.workspace),
  'models.add': (args, ctx) =>
    addModel(ctx.db, ctx.workspace, {
      file: args.path,
      name: args.name,
      ...(args.family ? { family: args.family } : {}),
      ...(args.patchSize ? { patchSize: args.patchSize } : {}),
      onLog: (message) => ctx.emit({ type: 'log', level: 'warn', message }),
    }),
  'models.pull': (args, ctx) => {
    let last = 0;
    return pullModel(ctx.db, ctx.workspace, {
      preset: args.preset,
      ...(args.name ? { name: args.name } : {}),
      ...(args.endpoint ? { endpoint: args.endpoint } : {}),
      ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
      signal: ctx.signal,
      onProgress: (received, total) => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        const mb = (n: number) => (n / 1e6).toFixed(1);
        ctx.emit({
          type: 'log',
          level: 'info',
          message: `models pull ${args.preset}: ${mb(received)}${total ? ` / ${mb(total)}` : ''} MB`,
        });
      },
      onLog: (message) => ctx.emit({ type: 'log', level: 'warn', message }),
    });
  },
  'models.remove': ({ name }, ctx) => ({ removed: removeModel(ctx.db, ctx.workspace, name) }),
  'models.optimize': ({ name }, ctx) => optimizeModel(ctx.db, ctx.workspace, name, (message) => ctx.emit({ type: 'log', level: 'info', message })),
  'features.list': ({ datasetId }, ctx) => listFeatureSets(ctx.db, datasetId).map(toFeatureSetSummary),
  'features.get': ({ id }, ctx) => {
    const row = getFeatureSet(ctx.db, id);
    if (!row) throw new StudioError('not_found', `no feature set '${id}'`);
    return toFeatureSetSummary(row);
  },
  'features.extract': (args, ctx) => {
    getDataset(ctx.db, args.datasetId);
    const backbone = describeBackbone(ctx.db, args.backbone);
    const prep = resolvePreprocessing(backbone, {
      ...(args.width ? { width: args.width } : {}),
      ...(args.height ? { height: args.height } : {}),
      ...(args.crops ? { crops: args.crops } : {}),
    });
    const cacheKey = featureCacheKey(backbone.cacheId, prep);
    const params: ExtractParams = {
      featureSetId: featureSetIdFor(args.datasetId, cacheKey),
      datasetId: args.datasetId,
      backbone: backbone.id,
      family: backbone.family,
      patchSize: backbone.patchSize,
      modelSha256: backbone.cacheId.startsWith('onnx:') ? backbone.cacheId.slice(5) : null,
      cacheKey,
      preprocessing: prep,
      ...(args.provider ? { provider: args.provider } : {}),
      ...(args.threads ? { threads: args.threads } : {}),
      ...(args.batchSize ? { batchSize: args.batchSize } : {}),
    };
    return ctx.jobs.submit('features.extract', params);
  },
  'features.remove': ({ id }, ctx) => {
    const row = getFeatureSet(ctx.db, id);
    if (!row) throw new StudioError('not_found', `no feature set '${id}'`);
    const others = listFeatureSets(ctx.db).filter((s) => s.id !== id && s.cache_key === row.cache_key);
    ctx.db.transaction(() => {
      deleteFeatureSet(ctx.db, id);
      // Shards are shared by every dataset on the same key: free them only with the last user.
      if (others.length === 0) for (const s of listShards(ctx.db, row.cache_key)) deleteShard(ctx.db, s.id);
    })();
    fs.rmSync(featureSetDir(ctx.workspace.root, id), { recursive: true, force: true });
    if (others.length === 0) fs.rmSync(cacheDir(ctx.workspace.root, row.cache_key), { recursive: true, force: true });
    return { removed: true };
  },
};
