import type { ViewName } from '../state/store.js';
import { useStudio, useStudioState } from '../state/studio-context.js';

export const VIEWS: readonly { name: ViewName; label: string; key: string }[] = [
  { name: 'datasets', label: 'Datasets', key: 'D' },
  { name: 'experiments', label: 'Experiments', key: 'E' },
  { name: 'concepts', label: 'Concepts', key: 'C' },
  { name: 'mapping', label: 'Mapping', key: 'M' },
  { name: 'exports', label: 'Exports', key: 'X' },
  { name: 'studies', label: 'Studies', key: 'S' },
  { name: 'pool', label: 'Pool', key: 'P' },
];

export function Nav() {
  const { store } = useStudio();
  const view = useStudioState((s) => s.view);
  return (
    <nav className="nav" aria-label="Views" data-testid="nav">
      <div className="brand">Cause Studio</div>
      {VIEWS.map((v) => (
        <button
          key={v.name}
          type="button"
          className={v.name === view ? 'nav-item active' : 'nav-item'}
          aria-current={v.name === view ? 'page' : undefined}
          data-testid={`nav-${v.name}`}
          onClick={() => store.update({ view: v.name })}
        >
          {v.label}
        </button>
      ))}
    </nav>
  );
}
