// `cause-studio import` and `datasets list|show|remove` as a user runs them (child processes).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';
import { makeBrokenFolder } from '../../unit/datasets/fixtures.js';

const tmp = tempDir('cs-cli-ds-');
const data = path.join(tmp.dir, 'drive');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await makeBrokenFolder(data);
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CAUSE_STUDIO_HOME: path.join(tmp.dir, 'ws'), CAUSE_STUDIO_FROM_SOURCE: '1' },
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cause-studio import / datasets', () => {
  let id = '';

  it('imports a folder and prints the preflight report naming each bad file', () => {
    const r = cli(['import', data, '--name', 'drive-a', '--split', 'val']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/drive-a\s+\(folder\)/);
    expect(r.out).toMatch(/frames\s+7 \(6 labelled\)/);
    expect(r.out).toMatch(/dropped\s+images\/frame6\.png: PNG is truncated/);
    expect(r.out).toMatch(/kept\s+labels\/frame7\.png: label is 80x20/);
    expect(r.out).toMatch(/labels\/frame8\.png: value\(s\) 200 are not in protocol cityscapes-27/);
  });

  it('lists, shows (by name) and removes with --json', () => {
    const list = cli(['--json', 'datasets', 'list']);
    expect(list.code, list.err).toBe(0);
    const datasets = JSON.parse(list.out) as { id: string; name: string; frameCount: number; splits: string[] }[];
    expect(datasets).toHaveLength(1);
    expect(datasets[0]).toMatchObject({ name: 'drive-a', frameCount: 7, splits: ['val'] });
    id = datasets[0]!.id;

    const show = cli(['--json', 'datasets', 'show', 'drive-a']);
    expect(show.code, show.err).toBe(0);
    const d = JSON.parse(show.out) as { id: string; report: { issues: { file: string }[] } };
    expect(d.id).toBe(id);
    expect(d.report.issues.map((i) => i.file).sort()).toEqual(['images/frame6.png', 'labels/frame7.png', 'labels/frame8.png']);

    const human = cli(['datasets', 'list']);
    expect(human.out).toMatch(new RegExp(`${id}\\s+drive-a\\s+folder\\s+7\\s+6`));

    const rm = cli(['datasets', 'remove', id]);
    expect(rm.code, rm.err).toBe(0);
    expect(rm.out).toMatch(/original files left in place/);
    expect(fs.existsSync(path.join(data, 'images', 'frame1.png'))).toBe(true);
    expect(cli(['datasets', 'list']).out).toMatch(/no datasets/);
  });

  it('fails with one line on bad input', () => {
    const missing = cli(['import', path.join(tmp.dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe(`cause-studio: error: ${path.join(tmp.dir, 'nowhere')}: does not exist`);
    const badFormat = cli(['import', data, '--format', 'kitti']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toMatch(/'kitti' is not one of auto, cityscapes, bdd100k, folder, video/);
    const unknown = cli(['datasets', 'show', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no dataset 'nope'/);
  });
});
