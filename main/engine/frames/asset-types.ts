// The asset types this engine serves. Domain modules add `{ type, resolve }` entries here
// (e.g. 'frame', 'thumb', 'gt', 'prediction'), and dataset roots through BUILTIN_ROOT_PROVIDERS.
import type { AssetResolver, RootProvider } from './asset-server.js';
import { DATASET_ASSET_TYPES, datasetRootProvider } from '../datasets/assets.js';
import { PREDICTION_ASSET_TYPES } from '../cause/assets.js';
import { CONCEPT_ASSET_TYPES } from '../concepts/patch-asset.js';

export const BUILTIN_ASSET_TYPES: { readonly type: string; readonly resolve: AssetResolver }[] = [...DATASET_ASSET_TYPES, ...PREDICTION_ASSET_TYPES, ...CONCEPT_ASSET_TYPES];

export const BUILTIN_ROOT_PROVIDERS: RootProvider[] = [datasetRootProvider];
