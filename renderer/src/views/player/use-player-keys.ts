// Binds the player's keyboard map (player-keys.ts) to the window. Shortcuts work from anywhere but text
// fields, and not while the go-to box is open.
import { useEffect } from 'react';
import { LAYER_BITS } from '../../gl/layers.js';
import { isTypingTarget } from '../../lib/keys.js';
import { playerAction, seekIndex } from './player-keys.js';
import { stepOpacity } from './player-rules.js';

export interface PlayerKeyTargets {
  readonly index: number;
  readonly count: number;
  /** Frames per Shift+arrow step. */
  readonly stepN: number;
  /** The go-to box takes the keys while open. */
  readonly gotoOpen: boolean;
  setIndex(i: number): void;
  setPlaying: React.Dispatch<React.SetStateAction<boolean>>;
  setOpacity: React.Dispatch<React.SetStateAction<number>>;
  setLayers: React.Dispatch<React.SetStateAction<number>>;
  openGoto(): void;
  isolateHovered(): void;
  fit(): void;
}

export function usePlayerKeys(t: PlayerKeyTargets): void {
  const { index, count, stepN, gotoOpen, setIndex, setPlaying, setOpacity, setLayers, openGoto, isolateHovered, fit } = t;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTypingTarget(e.target) || gotoOpen) return;
      const action = playerAction(e);
      if (action === null) return;
      e.preventDefault();
      switch (action.type) {
        case 'toggle-play':
          setPlaying((p) => !p);
          break;
        case 'step':
          setPlaying(false);
          setIndex(index + action.delta);
          break;
        case 'step-n':
          setPlaying(false);
          setIndex(index + action.sign * stepN);
          break;
        case 'seek-fraction':
          setIndex(seekIndex(action.fraction, count));
          break;
        case 'goto':
          openGoto();
          break;
        case 'opacity':
          setOpacity((o) => stepOpacity(o, action.delta));
          break;
        case 'toggle-layer':
          setLayers((l) => l ^ LAYER_BITS[action.layer]);
          break;
        case 'isolate':
          isolateHovered();
          break;
        case 'fit':
          fit();
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [index, count, stepN, setIndex, gotoOpen, isolateHovered, setPlaying, setOpacity, setLayers, openGoto, fit]);
}
