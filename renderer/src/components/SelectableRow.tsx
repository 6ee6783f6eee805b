// A table row that selects on click and on Enter, as every run list in the studio does (the Experiments
// view's training and pretraining runs). The row carries its status for tests and styling.
import type { ReactNode } from 'react';

export interface SelectableRowProps {
  readonly id: string;
  readonly selected: boolean;
  readonly status: string;
  readonly testId: string;
  onSelect(id: string): void;
  readonly children: ReactNode;
}

export function SelectableRow({ id, selected, status, testId, onSelect, children }: SelectableRowProps) {
  return (
    <tr
      data-testid={testId}
      data-status={status}
      className={selected ? 'selected' : ''}
      tabIndex={0}
      onClick={() => onSelect(id)}
      onKeyDown={(e) => e.key === 'Enter' && onSelect(id)}
    >
      {children}
    </tr>
  );
}
