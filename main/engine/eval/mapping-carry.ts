// Carrying a saved mapping of run A to run B: each B cluster takes the class that the A clusters it
// overlaps vote for, weighted by shared pixels (the co-occurrence of an 'eval.compare' job). The vote's
// share is the suggestion's strength, so a B concept that A split between classes shows up as weak.
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { MappingDetail, RunComparisonReport } from '../../../shared/contract/evaluation.js';
import type { MappingSuggestion, MappingSuggestionSet } from '../../../shared/contract/mapping.js';
import { IGNORE, mappingToDocument } from '../../../shared/metrics/mapping-file.js';
import { getJobDetail } from '../db/queries/jobs.js';
import {
  getSuggestionSetRow,
  insertSuggestionSet,
  newestSuggestionSetRow,
  updateSuggestions,
  type SuggestionSetRow,
} from '../db/queries/mapping-suggestions.js';
import { currentMapping } from './mapping-edit.js';
import { getExperimentInfo } from './predictions.js';
import { getMapping, saveMapping } from './service.js';

/** Pure: suggestions for every B cluster with pixels, from A's mapping (cluster → class index, -1 ignore). */
export function suggestFromCooccurrence(
  co: { cells: readonly number[]; counts: readonly number[] },
  Ka: number,
  Kb: number,
  mappingA: ArrayLike<number>,
  classNames: readonly string[],
): MappingSuggestion[] {
  const dense = new Float64Array(Ka * Kb);
  co.cells.forEach((cell, i) => (dense[cell] = co.counts[i]!));
  const sizeA = new Float64Array(Ka);
  const sizeB = new Float64Array(Kb);
  for (let a = 0; a < Ka; a++)
    for (let b = 0; b < Kb; b++) {
      const v = dense[a * Kb + b]!;
      sizeA[a] = sizeA[a]! + v;
      sizeB[b] = sizeB[b]! + v;
    }
  const out: MappingSuggestion[] = [];
  for (let b = 0; b < Kb; b++) {
    if (sizeB[b] === 0) continue;
    const votes = new Map<number, number>();
    let fromCluster = -1;
    let iou = 0;
    for (let a = 0; a < Ka; a++) {
      const inter = dense[a * Kb + b]!;
      if (inter === 0) continue;
      const c = mappingA[a] ?? -1;
      votes.set(c, (votes.get(c) ?? 0) + inter);
      const u = inter / (sizeA[a]! + sizeB[b]! - inter);
      if (u > iou) {
        iou = u;
        fromCluster = a;
      }
    }
    let best = -1;
    let bestVotes = -1;
    for (const [c, v] of votes) if (v > bestVotes || (v === bestVotes && c > best)) [best, bestVotes] = [c, v];
    out.push({
      cluster: b,
      className: best < 0 ? IGNORE : (classNames[best] ?? IGNORE),
      strength: bestVotes / sizeB[b]!,
      fromCluster,
      iou,
      status: 'pending',
    });
  }
  return out.sort((x, y) => y.strength - x.strength || x.cluster - y.cluster);
}

function toSet(r: SuggestionSetRow): MappingSuggestionSet {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    fromExperimentId: r.from_experiment_id,
    fromMappingId: r.from_mapping_id ?? '',
    protocolId: r.protocol_id,
    classNames: JSON.parse(r.class_names) as string[],
    suggestions: JSON.parse(r.suggestions) as MappingSuggestion[],
    createdAt: r.created_at,
  };
}

export function suggestMapping(db: Database, experimentId: string, fromMappingId: string, comparisonJobId: string): MappingSuggestionSet {
  const b = getExperimentInfo(db, experimentId);
  const from = getMapping(db, fromMappingId);
  const job = getJobDetail(db, comparisonJobId);
  if (!job || job.kind !== 'eval.compare') throw new StudioError('not_found', `job '${comparisonJobId}' is not a run comparison`);
  if (job.state !== 'succeeded') throw new StudioError('conflict', `comparison job ${comparisonJobId} is ${job.state}; wait for it to finish`);
  const report = job.result as RunComparisonReport;
  if (report.experimentA !== from.experimentId || report.experimentB !== b.id) {
    throw new StudioError(
      'bad_request',
      `comparison ${comparisonJobId} matched ${report.experimentA} → ${report.experimentB}, but the mapping is of ${from.experimentId} and the target is ${b.id}`,
    );
  }
  if (!report.cooccurrence) throw new StudioError('conflict', `comparison ${comparisonJobId} predates co-occurrence reports; compare the runs again`);
  if (from.mapping.length !== report.clustersA) throw new StudioError('conflict', `mapping ${from.id} has ${from.mapping.length} clusters, run A ${report.clustersA}`);
  const suggestions = suggestFromCooccurrence(report.cooccurrence, report.clustersA, report.clustersB, from.mapping, from.document.classNames);
  const row: SuggestionSetRow = {
    id: `sug-${randomUUID().slice(0, 8)}`,
    experiment_id: b.id,
    from_experiment_id: from.experimentId,
    from_mapping_id: from.id,
    protocol_id: from.protocolId,
    class_names: JSON.stringify(from.document.classNames),
    suggestions: JSON.stringify(suggestions),
    created_at: new Date().toISOString(),
  };
  insertSuggestionSet(db, row);
  return toSet(row);
}

export function newestSuggestions(db: Database, experimentId: string): MappingSuggestionSet | null {
  const r = newestSuggestionSetRow(db, experimentId);
  return r ? toSet(r) : null;
}

/**
 * Marks suggestions (all pending ones when `clusters` is not given). Accepting with `apply` saves the next
 * mapping version: the suggestions' protocol, the current classes of the other clusters kept by name.
 */
export function decideSuggestions(
  db: Database,
  setId: string,
  decision: 'accept' | 'reject',
  clusters: readonly number[] | undefined,
  apply: boolean,
): { set: MappingSuggestionSet; mapping: MappingDetail | null } {
  const row = getSuggestionSetRow(db, setId);
  if (!row) throw new StudioError('not_found', `suggestion set '${setId}' does not exist`);
  const set = toSet(row);
  const wanted = clusters ? new Set(clusters) : null;
  const chosen = set.suggestions.filter((s) => (wanted ? wanted.has(s.cluster) : s.status === 'pending'));
  if (wanted) {
    const missing = [...wanted].filter((k) => !set.suggestions.some((s) => s.cluster === k));
    if (missing.length > 0) throw new StudioError('not_found', `no suggestion for cluster ${missing.join(', ')} in ${setId}`);
  }
  const status: MappingSuggestion['status'] = decision === 'accept' ? 'accepted' : 'rejected';
  const picked = new Set(chosen.map((s) => s.cluster));
  const suggestions = set.suggestions.map((s) => (picked.has(s.cluster) ? { ...s, status } : s));
  let mapping: MappingDetail | null = null;
  db.transaction(() => {
    updateSuggestions(db, setId, JSON.stringify(suggestions));
    if (decision === 'accept' && apply && chosen.length > 0) {
      const state = currentMapping(db, set.experimentId, set.protocolId);
      const next = Int32Array.from(state.mapping);
      for (const s of chosen) next[s.cluster] = s.className === IGNORE ? -1 : set.classNames.indexOf(s.className);
      const doc = mappingToDocument(next, { id: set.protocolId, classNames: set.classNames }, {
        name: `carried from ${set.fromExperimentId}`,
        method: 'manual',
        experimentId: set.experimentId,
        note: `accepted ${chosen.map((s) => s.cluster).join(',')} of ${setId}`,
      });
      mapping = saveMapping(db, set.experimentId, doc, 'carried mapping', {
        expectClusters: next.length,
        ...(state.latest ? { parentId: state.latest.id } : {}),
      });
    }
  })();
  return { set: { ...set, suggestions }, mapping };
}
