import { describe, expect, it } from 'vitest';
import {
  parseSynthSize,
  synthGenerateArgs,
  synthSizeProblem,
  SYNTH_DEFAULTS,
} from '../../../shared/contract/synth.js';
import { isStudioError } from '../../../shared/contract/errors.js';

describe('SynthDrive sizes and arguments', () => {
  it('accepts multiples of 16 between 64 and 4096', () => {
    expect(parseSynthSize('512x256')).toEqual({ width: 512, height: 256 });
    expect(parseSynthSize('64x4096')).toEqual({ width: 64, height: 4096 });
  });

  it.each([
    ['500x256', /width 500 is not a multiple of 16/],
    ['512x250', /height 250 is not a multiple of 16/],
    ['48x256', /width 48 is below the minimum of 64/],
    ['512x32', /height 32 is below the minimum of 64/],
    ['4112x256', /width 4112 is above the maximum of 4096/],
    ['512', /expected WxH/],
    ['axb', /expected WxH/],
  ])('rejects %s with a message saying why', (size, why) => {
    expect(synthSizeProblem(size)).toMatch(why);
    try {
      parseSynthSize(size);
      expect.unreachable();
    } catch (e) {
      expect(isStudioError(e) && e.code).toBe('bad_request');
      expect((e as Error).message).toMatch(why);
    }
  });

  it('fills defaults and refuses bad sizes and unknown weather in the method schema', () => {
    const parsed = synthGenerateArgs.parse({ out: '/tmp/x' });
    expect(parsed).toMatchObject({
      sequences: 3,
      frames: 30,
      size: SYNTH_DEFAULTS.size,
      weather: 'mixed',
      split: 'train',
      force: false,
    });
    expect(synthGenerateArgs.safeParse({ out: '/tmp/x', size: '100x100' }).success).toBe(false);
    expect(synthGenerateArgs.safeParse({ out: '/tmp/x', weather: 'snow' }).success).toBe(false);
    expect(synthGenerateArgs.safeParse({ out: '/tmp/x', extra: 1 }).success).toBe(false);
  });
});
