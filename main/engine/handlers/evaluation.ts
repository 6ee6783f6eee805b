// eval.* and mappings.* methods. Pixel work runs in jobs; everything here reads stored histograms.
import { StudioError } from '../../../shared/contract/errors.js';
import { getDataset } from '../datasets/frame-source.js';
import { getProtocol } from '../datasets/protocols.js';
import { findHistogram, listLabelFree } from '../db/queries/evaluation.js';
import type { EvalJobParams } from '../eval/eval-job.js';
import type { CompareJobParams } from '../eval/compare-job.js';
import { getExperimentInfo, openPredictionSource } from '../eval/predictions.js';
import { checkProtocolFits, resolveEvalProtocol } from '../eval/protocol-spec.js';
import {
  exportMappingFile,
  getMapping,
  histogramData,
  importMappingFile,
  listHistograms,
  listLabelFreeReports,
  listMappings,
  proposeMapping,
  saveMapping,
  scoreStored,
} from '../eval/service.js';
import type { HandlerGroup } from './handler-types.js';

type EvalMethods =
  | 'eval.run'
  | 'eval.histograms'
  | 'eval.histogram'
  | 'eval.score'
  | 'eval.labelFree'
  | 'eval.compare'
  | 'mappings.list'
  | 'mappings.get'
  | 'mappings.propose'
  | 'mappings.save'
  | 'mappings.import'
  | 'mappings.export';

export const evaluationHandlers: HandlerGroup<EvalMethods> = {
  'eval.run': (args, ctx) => {
    const exp = getExperimentInfo(ctx.db, args.experimentId);
    const datasetId = args.datasetId ?? exp.datasetId;
    const dataset = getDataset(ctx.db, datasetId);
    const { protocol, spec } = resolveEvalProtocol(ctx.db, args.protocol);
    const datasetProtocol = dataset.protocolId ? getProtocol(ctx.db, dataset.protocolId) : null;
    if (datasetProtocol || !args.labelFree) checkProtocolFits(protocol, datasetProtocol, dataset.name);
    const source = openPredictionSource(ctx.db, ctx.workspace.root, exp.id, datasetId);
    const split = args.split ?? null;
    if (!args.force && datasetProtocol) {
      const existing = findHistogram(ctx.db, {
        experimentId: exp.id,
        datasetId,
        split,
        protocolId: protocol.id,
        geometry: args.geometry,
        predictionKey: source.key,
      });
      const haveLabelFree =
        !args.labelFree ||
        listLabelFree(ctx.db, exp.id).some(
          (r) => r.dataset_id === datasetId && r.split === split && r.geometry === args.geometry && r.prediction_key === source.key,
        );
      if (existing && haveLabelFree) return { jobId: null, histogramId: existing.id };
    }
    const params: EvalJobParams = {
      experimentId: exp.id,
      datasetId,
      split,
      protocol: spec,
      geometry: args.geometry,
      labelFree: args.labelFree,
      predictionKey: source.key,
    };
    return { jobId: ctx.jobs.submit('eval.histogram', params).id, histogramId: null };
  },
  'eval.histograms': ({ experimentId }, ctx) => listHistograms(ctx.db, experimentId),
  'eval.histogram': ({ id, frames }, ctx) => histogramData(ctx.db, id, frames),
  'eval.score': ({ histogramId, mapping, worstFrames }, ctx) => scoreStored(ctx.db, histogramId, mapping, worstFrames),
  'eval.labelFree': ({ experimentId }, ctx) => listLabelFreeReports(ctx.db, experimentId),
  'eval.compare': (args, ctx) => {
    if (args.experimentA === args.experimentB) throw new StudioError('bad_request', 'compare needs two different experiments');
    const a = getExperimentInfo(ctx.db, args.experimentA);
    getExperimentInfo(ctx.db, args.experimentB);
    const datasetId = args.datasetId ?? a.datasetId;
    getDataset(ctx.db, datasetId);
    const params: CompareJobParams = {
      experimentA: args.experimentA,
      experimentB: args.experimentB,
      datasetId,
      split: args.split ?? null,
      geometry: args.geometry,
    };
    return { jobId: ctx.jobs.submit('eval.compare', params).id };
  },
  'mappings.list': ({ experimentId }, ctx) => listMappings(ctx.db, experimentId),
  'mappings.get': ({ id }, ctx) => getMapping(ctx.db, id),
  'mappings.propose': ({ histogramId, method, name }, ctx) => proposeMapping(ctx.db, histogramId, method, name),
  'mappings.save': ({ experimentId, document, parentId, histogramId }, ctx) => {
    const exp = getExperimentInfo(ctx.db, experimentId);
    return saveMapping(ctx.db, exp.id, document, 'mapping document', {
      expectClusters: exp.clusters,
      ...(parentId ? { parentId } : {}),
      ...(histogramId ? { histogramId } : {}),
    });
  },
  'mappings.import': ({ experimentId, path }, ctx) => {
    const exp = getExperimentInfo(ctx.db, experimentId);
    return importMappingFile(ctx.db, exp.id, path, exp.clusters);
  },
  'mappings.export': ({ id, path, force }, ctx) => exportMappingFile(ctx.db, id, path, force),
};
