// Prediction assets for the frame server: `asset/prediction/<experimentId>:<frameId>` serves the
// cluster map (raw ids; `?view=colour` renders a colour PNG), `asset/confidence/<…>` the confidence map.
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { readGrayPng } from '../eval/cluster-png.js';
import { getPredictionFrame } from '../db/queries/experiments.js';
import type { AssetResolver } from '../frames/asset-server.js';
import { colourClusterMap } from './prediction-png.js';

function split(id: string): { experimentId: string; frameId: string } {
  const i = id.indexOf(':');
  if (i <= 0 || i === id.length - 1) throw new StudioError('bad_request', `prediction asset id "${id}" is not <experimentId>:<frameId>`);
  return { experimentId: id.slice(0, i), frameId: id.slice(i + 1) };
}

const prediction: AssetResolver = async (id, params, ctx) => {
  const { experimentId, frameId } = split(id);
  const row = getPredictionFrame(ctx.db, experimentId, frameId);
  if (!row) return null;
  const file = path.join(ctx.workspace.root, row.cluster_file);
  const view = params.get('view');
  if (view === 'colour' || view === 'color') {
    const img = await readGrayPng(file);
    return { bytes: await colourClusterMap(img.data, img.width, img.height), contentType: 'image/png', maxAge: 60 };
  }
  if (view !== null && view !== 'raw') throw new StudioError('bad_request', `unknown prediction view "${view}" (raw or colour)`);
  return { file, contentType: 'image/png', maxAge: 60 };
};

const confidence: AssetResolver = async (id, _params, ctx) => {
  const { experimentId, frameId } = split(id);
  const row = getPredictionFrame(ctx.db, experimentId, frameId);
  if (!row) return null;
  return { file: path.join(ctx.workspace.root, row.confidence_file), contentType: 'image/png', maxAge: 60 };
};

export const PREDICTION_ASSET_TYPES: { readonly type: string; readonly resolve: AssetResolver }[] = [
  { type: 'prediction', resolve: prediction },
  { type: 'confidence', resolve: confidence },
];
