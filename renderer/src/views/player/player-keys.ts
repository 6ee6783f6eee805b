// The player's keyboard map as a pure function, so the shortcut sheet and the handler cannot drift.
// Digits seek (0–9 → 0–90 %, per the issue); Shift+1–5 toggles layers, because plain 1–5 are seeks.
import type { LayerName } from '../../gl/layers.js';

export type PlayerAction =
  | { type: 'toggle-play' }
  | { type: 'step'; delta: number }
  | { type: 'step-n'; sign: 1 | -1 }
  | { type: 'seek-fraction'; fraction: number }
  | { type: 'goto' }
  | { type: 'opacity'; delta: number }
  | { type: 'toggle-layer'; layer: LayerName }
  | { type: 'isolate' }
  | { type: 'fit' };

export const LAYER_ORDER: readonly LayerName[] = ['image', 'gt', 'clusters', 'classes', 'errors'];

export interface KeyLike {
  readonly key: string;
  readonly code: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

export function playerAction(e: KeyLike): PlayerAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === ' ' || e.code === 'Space') return { type: 'toggle-play' };
  if (e.key === 'ArrowRight') return e.shiftKey ? { type: 'step-n', sign: 1 } : { type: 'step', delta: 1 };
  if (e.key === 'ArrowLeft') return e.shiftKey ? { type: 'step-n', sign: -1 } : { type: 'step', delta: -1 };
  const digit = /^Digit([0-9])$/.exec(e.code)?.[1] ?? /^Numpad([0-9])$/.exec(e.code)?.[1];
  if (digit !== undefined) {
    const d = Number(digit);
    if (e.shiftKey) {
      const layer = LAYER_ORDER[d - 1];
      return layer === undefined ? null : { type: 'toggle-layer', layer };
    }
    return { type: 'seek-fraction', fraction: d / 10 };
  }
  switch (e.key) {
    case 'g':
    case 'G':
      return { type: 'goto' };
    case '+':
    case '=':
      return { type: 'opacity', delta: 0.1 };
    case '-':
    case '_':
      return { type: 'opacity', delta: -0.1 };
    case 'i':
    case 'I':
      return { type: 'isolate' };
    case 'z':
    case 'Z':
      return { type: 'fit' };
    default:
      return null;
  }
}

/** Frame index after a seek to `fraction` of a sequence of `count` frames. */
export function seekIndex(fraction: number, count: number): number {
  if (count <= 0) return 0;
  return Math.min(count - 1, Math.max(0, Math.floor(fraction * count)));
}

/** Resolves what the user typed in "go to frame": a 0-based index, or a frame name (or part of one). */
export function resolveGoto(input: string, names: readonly string[]): number | null {
  const text = input.trim();
  if (text === '') return null;
  if (/^\d+$/.test(text)) {
    const i = Number(text);
    return i < names.length ? i : null;
  }
  const exact = names.indexOf(text);
  if (exact >= 0) return exact;
  const partial = names.findIndex((n) => n.includes(text));
  return partial >= 0 ? partial : null;
}
