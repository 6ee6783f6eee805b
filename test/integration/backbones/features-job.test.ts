// features.extract as a real job: worker thread, host-side shard registration, the feature-set row;
// and a real kill of the engine process mid-extraction, resumed by the next engine.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../../main/engine/engine.js';
import { openDatabase } from '../../../main/engine/db/connection.js';
import { describeBackbone } from '../../../main/engine/backbones/registry.js';
import { resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { featureCacheKey, featureSetIdFor } from '../../../main/engine/features/cache-key.js';
import { openFeatureSet } from '../../../main/engine/features/feature-reader.js';
import { REPO_ROOT } from '../../helpers/temp-workspace.js';
import { makeFixture, type Fixture } from '../../../bench/lib/folder-dataset.js';

let fx: Fixture | undefined;
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs) p.kill('SIGKILL');
  procs.length = 0;
  fx?.cleanup();
  fx = undefined;
});

describe('features.extract job', () => {
  it('runs in a worker, records the feature set and reuses the cache on the next run', async () => {
    fx = await makeFixture({ frames: 4 });
    fx.db.close();
    const engine = await createEngine({ workspace: fx.ws.root });
    try {
      const job = await engine.call('features.extract', { datasetId: fx.datasetId, backbone: 'builtin', width: 64, height: 48 });
      const done = await engine.call('jobs.wait', { id: job.id });
      expect(done.state).toBe('succeeded');
      const sets = await engine.call('features.list', {});
      expect(sets).toHaveLength(1);
      expect(sets[0]).toMatchObject({ backbone: 'builtin', provider: 'js', grid: { h: 6, w: 8 }, frameCount: 4, itemCount: 4 });
      const fs1 = openFeatureSet(fx.ws.root, sets[0]!.id);
      expect(fs1.read(3).length).toBe(6 * 8 * fs1.dim);

      const again = await engine.call('features.extract', { datasetId: fx.datasetId, backbone: 'builtin', width: 64, height: 48 });
      await engine.call('jobs.wait', { id: again.id });
      const detail = await engine.call('jobs.get', { id: again.id });
      expect(detail.result).toMatchObject({ computed: 0, reused: 4, featureSetId: sets[0]!.id });

      const bad = await engine.call('features.extract', { datasetId: fx.datasetId, backbone: 'dinov9' }).catch((e: Error) => e);
      expect(String(bad)).toMatch(/no backbone 'dinov9' \(known: rgb, builtin/);
      expect(await engine.call('features.remove', { id: sets[0]!.id })).toEqual({ removed: true });
      expect(await engine.call('features.list', {})).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('resumes after the engine process is killed mid-extraction, keeping finished shards', async () => {
    fx = await makeFixture({ frames: 24, width: 320, height: 240 });
    const d = describeBackbone(fx.db, 'builtin');
    const prep = resolvePreprocessing(d, {});
    const cacheKey = featureCacheKey(d.cacheId, prep);
    const params = {
      featureSetId: featureSetIdFor(fx.datasetId, cacheKey),
      datasetId: fx.datasetId,
      backbone: 'builtin',
      family: d.family,
      patchSize: d.patchSize,
      modelSha256: null,
      cacheKey,
      preprocessing: prep,
      batchSize: 1,
      shardBytes: 1, // one shard per frame: progress is durable frame by frame
    };
    fx.db.close();
    const child = path.join(REPO_ROOT, 'test', 'integration', 'backbones', 'features-child.ts');
    const start = (args: string[]) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, fx!.ws.root, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      procs.push(proc);
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      const waitFor = async (re: RegExp, ms: number) => {
        const t0 = Date.now();
        while (!re.test(out)) {
          if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; child printed: ${out}`);
          if (proc.exitCode !== null) throw new Error(`child exited (${proc.exitCode}): ${out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        return re.exec(out)!;
      };
      return { proc, waitFor };
    };
    const shardCount = () => {
      const db = openDatabase(fx!.ws.databasePath, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM feature_shards').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };

    const first = start(['submit', JSON.stringify(params)]);
    const jobId = (await first.waitFor(/job (\S+)/, 60_000))[1]!;
    const t0 = Date.now();
    while (shardCount() < 3) {
      if (Date.now() - t0 > 120_000) throw new Error('no shards written');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const before = shardCount();
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(24);

    const second = start([]);
    await second.waitFor(new RegExp(`(succeeded|failed) ${jobId}`), 240_000);
    second.proc.kill('SIGKILL');
    await new Promise((r) => second.proc.once('exit', r));
    const db = openDatabase(fx.ws.databasePath, { readonly: true });
    try {
      const row = db.prepare('SELECT state, attempts, result FROM jobs WHERE id = ?').get(jobId) as { state: string; attempts: number; result: string };
      expect(row.state).toBe('succeeded');
      const result = JSON.parse(row.result) as { computed: number; reused: number; itemCount: number };
      expect(result.reused).toBeGreaterThanOrEqual(before);
      expect(result.computed + result.reused).toBe(24);
      expect(result.itemCount).toBe(24);
    } finally {
      db.close();
    }
    expect(openFeatureSet(fx.ws.root, params.featureSetId).items).toHaveLength(24);
  });
});
