// How a pool task is named on screen: ids are `<kind>-<32 hex input hash>`, too long for a table cell.
import type { PoolTaskInfo } from '../../../../shared/contract/pool.js';

export function shortTaskId(id: string): string {
  const m = /^(.*-)([0-9a-f]{32})$/.exec(id);
  return m ? `${m[1]}${m[2]!.slice(0, 8)}` : id;
}

const KIND_LABELS: Readonly<Record<string, string>> = {
  'features.shard': 'feature shard',
  'predict.range': 'prediction range',
};

export function taskKindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** Milliseconds from start to finish (or to now for a running task), or null when not started. */
export function taskElapsedMs(t: Pick<PoolTaskInfo, 'startedAt' | 'finishedAt'>, now: number): number | null {
  if (t.startedAt === null) return null;
  const end = t.finishedAt === null ? now : Date.parse(t.finishedAt);
  return Math.max(0, end - Date.parse(t.startedAt));
}
