// eval.*, mappings.*, exports.labels and bundles.* methods. Pixel work runs in jobs; the rest reads stored
// histograms and mappings.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { mappingToDocument } from '../../../shared/metrics/mapping-file.js';
import { getDataset } from '../datasets/frame-source.js';
import { getProtocol } from '../datasets/protocols.js';
import { findHistogram, listLabelFree } from '../db/queries/evaluation.js';
import { listPredictionSets } from '../db/queries/experiments.js';
import type { EvalJobParams } from '../eval/eval-job.js';
import { insertExport } from '../db/queries/exports.js';
import { exportBundle, importBundle } from '../eval/bundle.js';
import type { CompareJobParams } from '../eval/compare-job.js';
import type { LabelsJobParams } from '../eval/labels-job.js';
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
  loadHistogram,
  proposeMapping,
  resolveMapping,
  saveMapping,
  scoreStored,
} from '../eval/service.js';
import type { HandlerGroup } from './handler-types.js';

type EvalMethods =
  | 'bundles.export'
  | 'bundles.import'
  | 'exports.labels'
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
  'bundles.export': ({ experimentId, out, force }, ctx) => {
    const r = exportBundle(ctx.db, ctx.workspace, experimentId, out, force);
    insertExport(ctx.db, {
      id: `bundle-${randomUUID().slice(0, 8)}`,
      kind: 'bundle',
      experimentId,
      jobId: null,
      path: r.path,
      bytes: r.bytes,
      params: { experimentId },
      summary: { files: r.files },
    });
    return r;
  },
  'bundles.import': ({ path: file, datasetId, name }, ctx) =>
    importBundle(ctx.db, ctx.workspace, file, { ...(datasetId ? { datasetId } : {}), ...(name ? { name } : {}) }),
  'exports.labels': (args, ctx) => {
    const exp = getExperimentInfo(ctx.db, args.experimentId);
    const datasetId = args.datasetId ?? exp.datasetId;
    getDataset(ctx.db, datasetId);
    openPredictionSource(ctx.db, ctx.workspace.root, exp.id, datasetId); // fails early without predictions
    const out = path.resolve(args.out);
    if (!args.force && fs.existsSync(out)) throw new StudioError('conflict', `${out}: already exists (use force to replace it)`);
    let mapping: LabelsJobParams['mapping'] = null;
    if (args.format === 'cityscapes' || args.mapping) {
      const hist = listHistograms(ctx.db, exp.id).find((h) => h.datasetId === datasetId) ?? listHistograms(ctx.db, exp.id)[0];
      const spec = args.mapping ?? listMappings(ctx.db, exp.id)[0]?.id ?? 'hungarian';
      if (!hist && (spec === 'hungarian' || spec === 'majority')) {
        throw new StudioError('invalid_input', `experiment '${exp.id}' has not been evaluated, so there is no ${spec} mapping yet: run \`cause-studio eval --experiment ${exp.id}\` or pass a mapping`);
      }
      // A saved mapping stands on its own (its protocol may differ from the histogram's, e.g. a custom class).
      const isStored = spec !== 'hungarian' && spec !== 'majority' && !spec.endsWith('.json');
      const loaded = hist && !isStored ? loadHistogram(ctx.db, hist.id) : null;
      const m = loaded ? resolveMapping(ctx.db, loaded, spec) : null;
      const stored = m === null ? getMapping(ctx.db, spec) : null;
      const values = m ? Array.from(m.mapping) : [...stored!.mapping];
      const protocolId = loaded ? loaded.meta.protocol_id : stored!.protocolId;
      const classNames = loaded ? loaded.classNames : stored!.document.classNames;
      if (values.length !== exp.clusters) {
        throw new StudioError('invalid_input', `mapping '${spec}' has ${values.length} clusters, experiment '${exp.id}' has ${exp.clusters}`);
      }
      const name = m ? m.name : stored!.name;
      const document = mappingToDocument(Int32Array.from(values), { id: protocolId, classNames }, { name, method: m ? m.method : stored!.method, experimentId: exp.id });
      mapping = { values, protocolId, name, document };
    }
    const params: LabelsJobParams = { experimentId: exp.id, datasetId, split: args.split ?? null, format: args.format, mapping, out, force: args.force };
    return { jobId: ctx.jobs.submit('exports.labels', params).id };
  },
  'eval.run': (args, ctx) => {
    const exp = getExperimentInfo(ctx.db, args.experimentId);
    const datasetId = args.datasetId ?? exp.datasetId;
    const dataset = getDataset(ctx.db, datasetId);
    const { protocol, spec } = resolveEvalProtocol(ctx.db, args.protocol);
    const datasetProtocol = dataset.protocolId ? getProtocol(ctx.db, dataset.protocolId) : null;
    if (datasetProtocol || !args.labelFree) checkProtocolFits(protocol, datasetProtocol, dataset.name);
    const source = openPredictionSource(ctx.db, ctx.workspace.root, exp.id, datasetId);
    // The set's key is the id of the predict job that made it (cause/predict-job.ts).
    if (args.predictionJobId !== undefined && source.key !== args.predictionJobId) {
      const current = listPredictionSets(ctx.db, exp.id).find((p) => p.datasetId === datasetId);
      throw new StudioError(
        'not_found',
        `experiment '${exp.id}' has no prediction set from job '${args.predictionJobId}' on dataset '${dataset.name}': its current set there is from job '${source.key}'${current ? ` (refine ${current.refine}, temporal ${current.temporal})` : ''}; predict again to score another set`,
        { experimentId: exp.id, datasetId, predictionJobId: args.predictionJobId },
      );
    }
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
  'eval.histogram': ({ id, frames }, ctx) => histogramData(ctx.db, id, frames, ctx.workspace.root),
  'eval.score': ({ histogramId, mapping, worstFrames }, ctx) => scoreStored(ctx.db, histogramId, mapping, worstFrames, process.cwd(), ctx.workspace.root),
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
