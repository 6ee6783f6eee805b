// datasets.* methods: queries over the dataset tables; import is handed to the 'datasets.import' job.
import fs from 'node:fs';
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import type { FrameSummary, PreflightReport } from '../../../shared/contract/datasets.js';
import { StudioError } from '../../../shared/contract/errors.js';
import {
  countFrameRows,
  getDatasetRow,
  getDatasetSummary,
  listDatasetSummaries,
  listFrameRows,
  listSequenceSummaries,
  type FrameRow,
} from '../db/queries/datasets.js';
import { IMPORT_JOB_KIND } from '../datasets/import-job.js';
import { newDatasetId } from '../datasets/importer.js';
import { listProtocols, resolveProtocolSpec } from '../datasets/protocols.js';
import { removeDataset } from '../datasets/remove.js';
import type { HandlerGroup } from './handler-types.js';

function requireDataset(ctx: { db: Database }, id: string) {
  const row = getDatasetRow(ctx.db, id);
  if (!row) throw new StudioError('not_found', `dataset '${id}' does not exist in this workspace`, { datasetId: id });
  return row;
}

function frameSummary(f: FrameRow): FrameSummary {
  return {
    id: f.id,
    datasetId: f.dataset_id,
    sequenceId: f.sequence_id,
    index: f.idx,
    ordinal: f.ordinal,
    split: f.split,
    name: f.name,
    imageRel: f.image_rel,
    labelRel: f.label_rel,
    width: f.width,
    height: f.height,
    timeSeconds: f.time_s,
  };
}

export const datasetHandlers: HandlerGroup<
  | 'datasets.list'
  | 'datasets.get'
  | 'datasets.remove'
  | 'datasets.import'
  | 'datasets.sequences'
  | 'datasets.frames'
  | 'datasets.protocols'
> = {
  'datasets.list': (_args, ctx) => listDatasetSummaries(ctx.db),
  'datasets.get': ({ id }, ctx) => {
    const row = requireDataset(ctx, id);
    return {
      ...getDatasetSummary(ctx.db, id)!,
      options: JSON.parse(row.options) as Record<string, unknown>,
      report: JSON.parse(row.report) as PreflightReport,
    };
  },
  'datasets.remove': ({ id }, ctx) => removeDataset(ctx.db, ctx.workspace, id),
  'datasets.import': (args, ctx) => {
    const abs = path.resolve(args.path);
    if (!fs.existsSync(abs)) throw new StudioError('not_found', `${abs}: does not exist`, { file: abs });
    // A bad protocol (unknown id, invalid JSON) fails now, with its message, rather than as a failed job.
    if (args.protocol !== undefined) resolveProtocolSpec(ctx.db, args.protocol);
    const labels = args.labels !== undefined ? path.resolve(args.labels) : undefined;
    if (labels !== undefined && !fs.existsSync(labels)) {
      throw new StudioError('not_found', `${labels}: label folder does not exist`, { file: labels });
    }
    const protocol =
      args.protocol !== undefined && /[\\/]|\.json$/.test(args.protocol) ? path.resolve(args.protocol) : args.protocol;
    if (args.datasetId !== undefined && getDatasetRow(ctx.db, args.datasetId)) {
      throw new StudioError('conflict', `dataset '${args.datasetId}' already exists; remove it first or import under another id`);
    }
    const datasetId = args.datasetId ?? newDatasetId();
    const job = ctx.jobs.submit(IMPORT_JOB_KIND, {
      ...args,
      path: abs,
      datasetId,
      ...(labels !== undefined ? { labels } : {}),
      ...(protocol !== undefined ? { protocol } : {}),
    });
    return { jobId: job.id, datasetId };
  },
  'datasets.sequences': ({ id, split }, ctx) => {
    requireDataset(ctx, id);
    return listSequenceSummaries(ctx.db, id, split);
  },
  'datasets.frames': ({ id, split, sequenceId, offset, limit }, ctx) => {
    requireDataset(ctx, id);
    const filter = { split, sequenceId };
    return {
      items: listFrameRows(ctx.db, id, filter, { offset, limit }).map(frameSummary),
      total: countFrameRows(ctx.db, id, filter),
      offset,
      limit,
    };
  },
  'datasets.protocols': (_args, ctx) =>
    listProtocols(ctx.db).map((p) => ({
      id: p.id,
      name: p.name,
      builtin: p.builtin,
      classNames: p.classNames,
      colors: p.colors,
      categories: p.categories,
      encoding: p.encoding,
    })),
};
