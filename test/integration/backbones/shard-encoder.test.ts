// The shard encoder's thread produces the same shards as encoding in-thread, takes grids without
// copying them, and reports bad input on the next flush.
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import { inThreadShardEncoder, workerShardEncoder, type ShardEncoder } from '../../../main/engine/features/shard-encoder.js';
import { parseShard } from '../../../main/engine/features/shard-format.js';
import { fromHalf } from '../../../main/engine/features/float16.js';

const meta = { gridH: 2, gridW: 3, dim: 4 };
const tensorLen = 2 * 3 * 4;
const grid = (frames: number, crops: number, seed: number) => Float32Array.from({ length: frames * crops * tensorLen }, (_, i) => Math.sin(i * 0.3 + seed) * 3);

let open: ShardEncoder[] = [];
afterEach(async () => {
  await Promise.all(open.map((e) => e.close()));
  open = [];
});

describe('shard encoder', () => {
  it('encodes in its own thread exactly as in-thread, transferring each grid', async () => {
    const worker = workerShardEncoder();
    const local = inThreadShardEncoder();
    open = [worker, local];
    const a = grid(2, 5, 1);
    const b = grid(1, 5, 2);
    local.add(['h1', 'h2'], a.slice(), 5, tensorLen);
    local.add(['h3'], b.slice(), 5, tensorLen);
    worker.add(['h1', 'h2'], a, 5, tensorLen);
    worker.add(['h3'], b, 5, tensorLen);
    expect(a.length).toBe(0); // transferred to the encoder's thread, not copied
    const [sw, sl] = await Promise.all([worker.flush(meta), local.flush(meta)]);
    expect(sw!.fileSha256).toBe(sl!.fileSha256);
    const parsed = parseShard('w.csf', sw!.bytes);
    expect(parsed.header.entries).toEqual([
      { contentHash: 'h1', firstSlot: 0, crops: 5 },
      { contentHash: 'h2', firstSlot: 5, crops: 5 },
      { contentHash: 'h3', firstSlot: 10, crops: 5 },
    ]);
    const ref = grid(1, 5, 2);
    for (let i = 0; i < ref.length; i++) expect(Math.abs(fromHalf(parsed.halfs[10 * tensorLen + i]!) - ref[i]!)).toBeLessThan(3 * 2 ** -10);
    // Everything was taken: the next flush has nothing.
    expect(await worker.flush(meta)).toBeNull();
  });

  it('reports a grid of the wrong size on the next flush', async () => {
    const worker = workerShardEncoder();
    open = [worker];
    worker.add(['h1'], new Float32Array(tensorLen - 1), 1, tensorLen);
    const e = await worker.flush(meta).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).message).toMatch(/feature batch has 23 values, expected 1 × 1 × 24/);
  });
});
