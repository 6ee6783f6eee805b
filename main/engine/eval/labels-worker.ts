// Worker half of 'exports.labels'.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { openDatabase } from '../db/connection.js';
import { listFrames } from '../datasets/frame-source.js';
import { getProtocol } from '../datasets/protocols.js';
import type { JobContext } from '../jobs/job-kind.js';
import { writeFileAtomic } from '../workspace.js';
import { encodeClusterPng } from './cluster-png.js';
import { cityOf, classToRawTable, clustersToClasses, clustersToLabelIds, writeCityscapesLabels, writeProtocolLabels } from './export-labels.js';
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
    let toRaw: Uint8Array | null = null;
    let mapping: Int32Array | null = null;
    // Protocols other than Cityscapes labelIds (custom ones a mapping session made) write their own values.
    let other: LabelProtocol | null = null;
    if (p.format === 'cityscapes') {
      if (!p.mapping) throw new StudioError('bad_request', 'Cityscapes labels need a cluster→class mapping');
      const protocol = getProtocol(db, p.mapping.protocolId);
      if (protocol.encoding === 'cityscapes-labelid') toRaw = classToRawTable(protocol);
      else other = protocol;
      mapping = Int32Array.from(p.mapping.values);
    }
    // A resumed attempt starts the partial folder again: each run writes every frame.
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    let files = 0;
    for (let i = 0; i < frames.length; i++) {
      ctx.throwIfCancelled();
      const f = frames[i]!;
      const m = await source.readClusters(f);
      if (mapping && mapping.length !== source.clusters) {
        throw new StudioError('invalid_input', `mapping has ${mapping.length} clusters, experiment ${p.experimentId} has ${source.clusters}`);
      }
      if (toRaw && mapping) {
        await writeCityscapesLabels(partial, f.name, clustersToLabelIds(m.data, mapping, toRaw), m.width, m.height);
        files += 3;
      } else if (other && mapping) {
        await writeProtocolLabels(partial, f.name, clustersToClasses(m.data, mapping), other, m.width, m.height);
        files += 3;
      } else {
        const dir = path.join(partial, cityOf(f.name));
        fs.mkdirSync(dir, { recursive: true });
        writeFileAtomic(path.join(dir, `${f.name}_clusters.png`), await encodeClusterPng(m));
        files += 1;
      }
      if (i % 5 === 4 || i === frames.length - 1) ctx.progress({ step: i + 1, totalSteps: frames.length, stage: 'export', message: f.name });
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
