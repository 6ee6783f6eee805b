// `cause-studio settings list | get <key> | set <key> <value> | unset <key>`: the workspace's settings
// (e.g. ffmpegPath, which video import and video export use before $CAUSE_STUDIO_FFMPEG and PATH).
import path from 'node:path';
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import { table, type CliRuntime } from '../runtime.js';

/** Settings the engine reads, with what a value means; other keys (e.g. the UI's) are stored as given. */
const KNOWN: Readonly<Record<string, string>> = {
  ffmpegPath: 'ffmpeg binary for video import and export (wins over $CAUSE_STUDIO_FFMPEG, the packaged binary and PATH)',
  queue: 'redis://host:port[/db] of a worker pool: feature extraction and prediction are split into tasks there (--queue wins)',
};

/** A value typed on the command line: paths for path settings, JSON when it parses, else the text. */
export function parseSettingValue(key: string, raw: string): unknown {
  if (key === 'ffmpegPath') {
    if (raw.trim() === '') throw new StudioError('bad_request', 'ffmpegPath: expected a path to ffmpeg (use `settings unset ffmpegPath` to clear it)');
    // a bare name is looked up on PATH; anything with a separator is a file, made absolute against the cwd
    return raw.includes('/') || raw.includes(path.sep) ? path.resolve(raw) : raw;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function register(program: Command, rt: CliRuntime): void {
  const settings = program.command('settings').description(`workspace settings (${Object.keys(KNOWN).join(', ')})`);

  settings
    .command('list')
    .description('every stored setting')
    .action(async () => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = (await engine.call('settings.list', {})).filter((s) => s.value !== null);
        rt.print(list, () => (list.length ? table(['key', 'value'], list.map((s) => [s.key, show(s.value)])) : 'no settings stored'));
      });
    });

  settings
    .command('get <key>')
    .description('one setting')
    .action(async (key: string) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const all = await engine.call('settings.list', {});
        const found = all.find((s) => s.key === key && s.value !== null);
        if (!found) {
          if (!KNOWN[key]) throw new StudioError('not_found', `no setting '${key}'`);
          rt.print({ key, value: null }, () => `${key} is not set (${KNOWN[key]})`);
          return;
        }
        rt.print(found, () => show(found.value));
      });
    });

  settings
    .command('set <key> <value>')
    .description('store a setting')
    .action(async (key: string, raw: string) => {
      const value = parseSettingValue(key, raw);
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const r = await engine.call('settings.set', { key, value });
        rt.print(r, () => `${key} = ${show(r.value)}`);
      });
    });

  settings
    .command('unset <key>')
    .description('clear a setting (ffmpegPath falls back to $CAUSE_STUDIO_FFMPEG, the packaged binary, PATH)')
    .action(async (key: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const r = await engine.call('settings.set', { key, value: null });
        rt.print(r, () => `${key} cleared`);
      });
    });
}
