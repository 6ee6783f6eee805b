// A class the protocol lacks: the engine stores a custom protocol (the same classes plus this one) in the
// workspace and the session switches to it, keeping every mapped cluster and the undo history.
import { useState } from 'react';
import type { ProtocolSummary } from '../../../../shared/contract/datasets.js';
import { useStudio } from '../../state/studio-context.js';

export function AddClassForm({ protocolId, onAdded }: { protocolId: string; onAdded(p: ProtocolSummary): void }) {
  const { call } = useStudio();
  const [name, setName] = useState('');
  const [color, setColor] = useState('#ff8800');
  const [busy, setBusy] = useState(false);
  const add = async (): Promise<void> => {
    setBusy(true);
    try {
      onAdded(await call('mappings.addClass', { protocolId, name: name.trim(), color }));
      setName('');
    } catch {
      // call() showed the engine's message.
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        void add();
      }}
    >
      <input data-testid="new-class-name" placeholder="new class" value={name} onChange={(e) => setName(e.target.value)} aria-label="New class name" />
      <input data-testid="new-class-color" type="color" value={color} onChange={(e) => setColor(e.target.value)} aria-label="New class colour" />
      <button type="submit" data-testid="add-class" disabled={busy || name.trim() === ''}>
        Add class
      </button>
    </form>
  );
}
