import { describe, expect, it } from 'vitest';
import { playerAction, resolveGoto, seekIndex } from '../../../renderer/src/views/player/player-keys.js';

const key = (k: string, code: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  code,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('player keyboard map', () => {
  it('maps the transport keys', () => {
    expect(playerAction(key(' ', 'Space'))).toEqual({ type: 'toggle-play' });
    expect(playerAction(key('ArrowRight', 'ArrowRight'))).toEqual({ type: 'step', delta: 1 });
    expect(playerAction(key('ArrowLeft', 'ArrowLeft'))).toEqual({ type: 'step', delta: -1 });
    expect(playerAction(key('ArrowRight', 'ArrowRight', { shiftKey: true }))).toEqual({ type: 'step-n', sign: 1 });
    expect(playerAction(key('ArrowLeft', 'ArrowLeft', { shiftKey: true }))).toEqual({ type: 'step-n', sign: -1 });
    expect(playerAction(key('g', 'KeyG'))).toEqual({ type: 'goto' });
    expect(playerAction(key('z', 'KeyZ'))).toEqual({ type: 'fit' });
  });

  it('seeks with digits and toggles layers with Shift+digit, by physical key', () => {
    expect(playerAction(key('7', 'Digit7'))).toEqual({ type: 'seek-fraction', fraction: 0.7 });
    expect(playerAction(key('0', 'Numpad0'))).toEqual({ type: 'seek-fraction', fraction: 0 });
    // Shift+3 types '#' on US layouts and '§' elsewhere: the code decides, not the character.
    expect(playerAction(key('#', 'Digit3', { shiftKey: true }))).toEqual({ type: 'toggle-layer', layer: 'clusters' });
    expect(playerAction(key('%', 'Digit5', { shiftKey: true }))).toEqual({ type: 'toggle-layer', layer: 'errors' });
    expect(playerAction(key('^', 'Digit6', { shiftKey: true }))).toBeNull();
  });

  it('leaves modified keys (Ctrl+Z undo, browser shortcuts) alone', () => {
    expect(playerAction(key('z', 'KeyZ', { ctrlKey: true }))).toBeNull();
    expect(playerAction(key('ArrowRight', 'ArrowRight', { altKey: true }))).toBeNull();
    expect(playerAction(key('q', 'KeyQ'))).toBeNull();
  });

  it('adjusts opacity with + and -', () => {
    expect(playerAction(key('+', 'Equal', { shiftKey: true }))).toEqual({ type: 'opacity', delta: 0.1 });
    expect(playerAction(key('=', 'Equal'))).toEqual({ type: 'opacity', delta: 0.1 });
    expect(playerAction(key('-', 'Minus'))).toEqual({ type: 'opacity', delta: -0.1 });
  });
});

describe('seekIndex', () => {
  it('maps a fraction onto a valid frame index', () => {
    expect(seekIndex(0, 40)).toBe(0);
    expect(seekIndex(0.5, 40)).toBe(20);
    expect(seekIndex(0.9, 40)).toBe(36);
    expect(seekIndex(1, 40)).toBe(39);
    expect(seekIndex(0.5, 0)).toBe(0);
    expect(seekIndex(0.9, 3)).toBe(2);
  });
});

describe('resolveGoto', () => {
  const names = ['aachen_000000_000019', 'aachen_000000_000020', 'bochum_000001_000003'];
  it('takes an index or a (partial) frame name', () => {
    expect(resolveGoto('1', names)).toBe(1);
    expect(resolveGoto(' 2 ', names)).toBe(2);
    expect(resolveGoto('aachen_000000_000020', names)).toBe(1);
    expect(resolveGoto('bochum', names)).toBe(2);
  });
  it('returns null for what is not there', () => {
    expect(resolveGoto('3', names)).toBeNull();
    expect(resolveGoto('zurich', names)).toBeNull();
    expect(resolveGoto('', names)).toBeNull();
  });
});
