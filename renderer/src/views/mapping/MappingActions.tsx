// Proposals, undo/redo, save as a version and export of the mapping being edited.
import type { MappingSave } from './use-mapping-save.js';
import type { MappingSessionState } from './use-mapping-session.js';

export function MappingActions({ session, saver }: { session: MappingSessionState; saver: MappingSave }) {
  return (
    <>
      <button type="button" data-testid="propose-hungarian" onClick={() => session.propose('hungarian')}>
        Hungarian
      </button>
      <button type="button" data-testid="propose-majority" onClick={() => session.propose('majority')}>
        Majority
      </button>
      <button type="button" data-testid="undo" disabled={session.session.past.length === 0} onClick={session.undo} title="Ctrl/Cmd+Z">
        Undo
      </button>
      <button type="button" data-testid="redo" disabled={session.session.future.length === 0} onClick={session.redo} title="Shift+Ctrl/Cmd+Z">
        Redo
      </button>
      <button type="button" className="primary" data-testid="save-mapping" disabled={saver.saving} onClick={() => void saver.save()}>
        Save version
      </button>
      <button type="button" data-testid="download-mapping" onClick={saver.download}>
        Export JSON
      </button>
    </>
  );
}
