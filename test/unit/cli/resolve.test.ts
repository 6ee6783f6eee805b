import { describe, expect, it } from 'vitest';
import { pickRef } from '../../../main/cli/resolve.js';

const list = [
  { id: 'f0017839-c7b2-4365-9c2e-d58836de2ea5', name: 'cause-mlp run' },
  { id: 'f0019999-0000-4000-8000-000000000000', name: 'kmeans run' },
  { id: '2fcf93f2-cb6e-4c19-9652-9420cb45f0f0', name: 'kmeans run' },
];

describe('pickRef (ids, prefixes, names on the command line)', () => {
  it('takes a full id, the 8-character prefix tables print, or a unique name', () => {
    expect(pickRef(list, '2fcf93f2-cb6e-4c19-9652-9420cb45f0f0', 'experiment', 'train list')).toBe(list[2]!.id);
    expect(pickRef(list, 'f0017839', 'experiment', 'train list')).toBe(list[0]!.id);
    expect(pickRef(list, 'cause-mlp run', 'experiment', 'train list')).toBe(list[0]!.id);
  });

  it('refuses an ambiguous prefix or name and lists the candidates', () => {
    expect(() => pickRef(list, 'f001', 'experiment', 'train list')).toThrow(/matches 2 experiments .*f0017839.*f0019999/);
    expect(() => pickRef(list, 'kmeans run', 'experiment', 'train list')).toThrow(/matches 2 experiments/);
  });

  it('names the list command when nothing matches, and ignores prefixes too short to mean anything', () => {
    expect(() => pickRef(list, 'deadbeef', 'experiment', 'train list')).toThrow(/no experiment 'deadbeef' .*cause-studio train list/);
    expect(() => pickRef(list, 'f', 'experiment', 'train list')).toThrow(/no experiment 'f'/);
  });
});
