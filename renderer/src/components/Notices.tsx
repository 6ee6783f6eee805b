// Engine errors surface here with their message and code; they are never swallowed.
import { useStudio, useStudioState } from '../state/studio-context.js';

export function Notices() {
  const notices = useStudioState((s) => s.notices);
  const { store } = useStudio();
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="alert" data-testid="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.level}`} data-testid="notice">
          <span>
            {n.code !== undefined && <strong>{n.code}: </strong>}
            {n.message}
          </span>
          <button type="button" aria-label="Dismiss" onClick={() => store.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
