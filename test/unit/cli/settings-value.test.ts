// How `settings set` reads a value typed on the command line.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettingValue } from '../../../main/cli/commands/settings.js';

describe('parseSettingValue', () => {
  it('keeps a bare ffmpeg name (looked up on PATH) and makes a relative path absolute', () => {
    expect(parseSettingValue('ffmpegPath', 'ffmpeg')).toBe('ffmpeg');
    expect(parseSettingValue('ffmpegPath', 'bin/ffmpeg')).toBe(path.resolve('bin/ffmpeg'));
    expect(parseSettingValue('ffmpegPath', '/usr/bin/ffmpeg')).toBe('/usr/bin/ffmpeg');
  });

  it('refuses an empty ffmpegPath and points at unset', () => {
    expect(() => parseSettingValue('ffmpegPath', ' ')).toThrow(/settings unset ffmpegPath/);
  });

  it('reads other values as JSON when they parse, else as text', () => {
    expect(parseSettingValue('ui.zoom', '1.5')).toBe(1.5);
    expect(parseSettingValue('ui.flags', '{"a":true}')).toEqual({ a: true });
    expect(parseSettingValue('ui.theme', 'dark')).toBe('dark');
  });
});
