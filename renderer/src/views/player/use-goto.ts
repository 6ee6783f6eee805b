// The G box: jump to a frame by index or name; a miss says what the sequence holds.
import { useCallback, useMemo, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import { useStudio } from '../../state/studio-context.js';
import { resolveGoto } from './player-keys.js';

export interface Goto {
  readonly open: boolean;
  readonly text: string;
  setText(text: string): void;
  show(): void;
  close(): void;
  submit(): void;
}

export function useGoto(frames: readonly FrameSummary[], setIndex: (i: number) => void): Goto {
  const { store } = useStudio();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const names = useMemo(() => frames.map((f) => f.name), [frames]);
  const show = useCallback(() => {
    setText('');
    setOpen(true);
  }, []);
  const close = useCallback(() => setOpen(false), []);
  const submit = (): void => {
    const i = resolveGoto(text, names);
    if (i === null) {
      const count = frames.length;
      store.notify(
        'error',
        `No frame '${text}' in this sequence (${count} frames: give an index 0–${count - 1} or a name).`,
      );
      return;
    }
    setIndex(i);
    setOpen(false);
  };
  return { open, text, setText, show, close, submit };
}
