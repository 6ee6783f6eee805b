// Tick several clusters, pick one class, merge: a single undoable step in either mapping board (scored
// against ground truth or not). The ticks live with the board; this is the bar that acts on them, with
// the form that adds a class the protocol lacks (the merge then targets the new class).
import { useState } from 'react';
import type { ProtocolSummary } from '../../../../shared/contract/datasets.js';
import { AddClassForm } from './AddClassForm.js';

export interface MergeBarProps {
  readonly ticked: ReadonlySet<number>;
  readonly classNames: readonly string[];
  /** The class the ticked clusters go to (-1 = ignore); the board holds it (it picks a class just added). */
  readonly classIndex: number;
  onClassChange(classIndex: number): void;
  onMerge(clusters: readonly number[], classIndex: number): void;
}

export function MergeBar({ ticked, classNames, classIndex, onClassChange, onMerge }: MergeBarProps) {
  const into = classIndex < classNames.length ? classIndex : -1;
  return (
    <>
      <span>{ticked.size} ticked →</span>
      <select data-testid="merge-class" value={into} onChange={(e) => onClassChange(Number(e.target.value))} aria-label="Class to merge the ticked clusters into">
        <option value={-1}>ignore</option>
        {classNames.map((n, t) => (
          <option key={n} value={t}>
            {n}
          </option>
        ))}
      </select>
      <button type="button" data-testid="merge-ticked" disabled={ticked.size === 0} onClick={() => onMerge([...ticked].sort((a, b) => a - b), into)}>
        Merge into one class
      </button>
    </>
  );
}

/** Toggles one cluster in a tick set (a new set, for React state). */
export function toggleTick(ticked: ReadonlySet<number>, k: number, on: boolean): ReadonlySet<number> {
  const n = new Set(ticked);
  if (on) n.add(k);
  else n.delete(k);
  return n;
}

export interface EditBarProps {
  readonly ticked: ReadonlySet<number>;
  readonly classNames: readonly string[];
  /** The protocol a new class is added to (a custom protocol is stored with it appended). */
  readonly protocolId: string;
  onMerge(clusters: readonly number[], classIndex: number): void;
  onAdded(protocol: ProtocolSummary): void;
}

/** The merge bar and the add-class form, as both mapping boards show them. */
export function EditBar({ ticked, classNames, protocolId, onMerge, onAdded }: EditBarProps) {
  const [mergeInto, setMergeInto] = useState(0);
  return (
    <div className="row">
      <MergeBar ticked={ticked} classNames={classNames} classIndex={mergeInto} onClassChange={setMergeInto} onMerge={onMerge} />
      <span className="grow" />
      <AddClassForm
        protocolId={protocolId}
        onAdded={(p) => {
          setMergeInto(p.classNames.length - 1);
          onAdded(p);
        }}
      />
    </div>
  );
}
