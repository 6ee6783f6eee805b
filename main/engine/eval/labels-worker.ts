// Worker half of 'exports.labels': every frame's label files into a partial folder, renamed into place
// at the end. With a queue configured the frames are written on the worker pool in ranges.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { openDatabase } from '../db/connection.js';
import { listFrames } from '../datasets/frame-source.js';
import { getProtocol } from '../datasets/protocols.js';
import type { JobContext } from '../jobs/job-kind.js';
import { writeFileAtomic } from '../workspace.js';
import { labelsOnPoolIfConfigured } from '../pool/labels-remote.js';
import { labelTarget, writeFrameLabels } from './export-labels.js';
import type { LabelProtocol } from '../../../shared/protocols/label-protocol.js';
import type { LabelsJobParams, LabelsJobResult } from './labels-job.js';
import { openPredictionSource } from './predictions.js';

export async function run(ctx: JobContext, p: LabelsJobParams): Promise<LabelsJobResult> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  const out = path.resolve(p.out);
  const partial = `${out}.partial-${ctx.jobId.slice(0, 8)}`;
  try {
    const source = openPredictionSource(db, ctx.workspaceRoot, p.experimentId, p.datasetId);
    const frames = listFrames(db, p.datasetId, p.split ? { split: p.split } : {}).filter((f) => source.has(f));
    if (frames.length === 0) throw new StudioError('not_found', `experiment ${p.experimentId} has no predictions for dataset ${p.datasetId}`);
    let target = labelTarget(null, null);
    // Protocols other than Cityscapes labelIds (custom ones a mapping session made) write their own values.
    if (p.format === 'cityscapes') {
      if (!p.mapping) throw new StudioError('bad_request', 'Cityscapes labels need a cluster→class mapping');
      target = labelTarget(getProtocol(db, p.mapping.protocolId), p.mapping.values);
      if (p.mapping.values.length !== source.clusters) {
        throw new StudioError('invalid_input', `mapping has ${p.mapping.values.length} clusters, experiment ${p.experimentId} has ${source.clusters}`);
      }
    }
    const other = target.other;
    // A resumed attempt starts the partial folder again: each run writes every frame.
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    // With a queue, the frames are written on the pool in ranges and moved in here (labels-remote.ts).
    let files = await labelsOnPoolIfConfigured(ctx, db, p, source, frames, partial);
    if (files === null) {
      files = 0;
      for (let i = 0; i < frames.length; i++) {
        ctx.throwIfCancelled();
        const f = frames[i]!;
        files += (await writeFrameLabels(partial, f.name, await source.readClusters(f), target)).length;
        if (i % 5 === 4 || i === frames.length - 1) ctx.progress({ step: i + 1, totalSteps: frames.length, stage: 'export', message: f.name });
      }
    }
    if (p.mapping) {
      writeFileAtomic(path.join(partial, 'mapping.json'), JSON.stringify(p.mapping.document, null, 2) + '\n');
      files += 1;
    }
    if (other && !other.builtin) {
      // The labels' own protocol, so the set can be imported as a labelled dataset (--protocol protocol.json).
      writeFileAtomic(path.join(partial, 'protocol.json'), JSON.stringify(protocolDefinition(other), null, 2) + '\n');
      files += 1;
    }
    const bytes = folderBytes(partial);
    if (fs.existsSync(out)) {
      if (!p.force) throw new StudioError('conflict', `${out}: already exists (use force to replace it)`);
      fs.rmSync(out, { recursive: true, force: true });
    }
    fs.renameSync(partial, out);
    return { frames: frames.length, files, bytes };
  } catch (e) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw e;
  } finally {
    db.close();
  }
}

function protocolDefinition(p: LabelProtocol): unknown {
  const classes = p.classNames.map((name, t) => {
    const values: number[] = [];
    for (let v = 0; v < 256; v++) if (p.known[v] === 1 && p.lut[v] === t) values.push(v);
    return { name, color: [...p.colors[t]!], category: p.categories[t] ?? name, values };
  });
  return { schemaVersion: 1, id: p.id, name: p.name, description: p.description, classes, ignore: [...p.ignoreValues] };
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}
