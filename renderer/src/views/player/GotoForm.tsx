// The G box over the stage (Enter jumps, Escape closes).
import type { Goto } from './use-goto.js';

export function GotoForm({ goto }: { goto: Goto }) {
  return (
    <form
      className="goto"
      onSubmit={(e) => {
        e.preventDefault();
        goto.submit();
      }}
    >
      <label>
        Go to frame (index or name){' '}
        <input
          autoFocus
          data-testid="goto-input"
          value={goto.text}
          onChange={(e) => goto.setText(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && goto.close()}
        />
      </label>
    </form>
  );
}
