// Tick several clusters, pick one class, merge: a single undoable step in either mapping board (scored
// against ground truth or not). The ticks live with the board; this is the bar that acts on them.

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
