import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16, fromHalf, toHalf } from '../../../main/engine/features/float16.js';
import { encodeShard, parseShard } from '../../../main/engine/features/shard-format.js';

describe('float16', () => {
  it('encodes exact halves exactly and the edge cases correctly', () => {
    for (const v of [0, 1, -2, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 1000.5]) expect(fromHalf(toHalf(v))).toBe(v);
    expect(toHalf(-0)).toBe(0x8000);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(fromHalf(toHalf(-1e6))).toBe(-Infinity);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    expect(fromHalf(toHalf(2 ** -26))).toBe(0); // below half the smallest subnormal
  });

  it('rounds to nearest, ties to even', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even mantissa (1).
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1);
    // 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even).
    expect(fromHalf(toHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromHalf(toHalf(1 + 2 ** -11 + 2 ** -20))).toBe(1 + 2 ** -10);
  });

  it('keeps relative error under 2^-11 over a typical feature range', () => {
    const src = new Float32Array(10000);
    for (let i = 0; i < src.length; i++) src[i] = (Math.sin(i * 12.9898) * 43758.5453) % 8;
    const back = decodeFloat16(encodeFloat16(src));
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    }
  });
});

describe('feature shards', () => {
  const meta = { gridH: 2, gridW: 3, dim: 4 };
  const tensor = (seed: number) => encodeFloat16(Float32Array.from({ length: 24 }, (_, i) => seed + i / 8));

  it('round-trips entries, crops and slots', () => {
    const shard = encodeShard(meta, [
      { contentHash: 'aa', tensors: [tensor(0)] },
      { contentHash: 'bb', tensors: [tensor(1), tensor(2)] },
    ]);
    const parsed = parseShard('x.csf', shard.bytes);
    expect(parsed.header.tensors).toBe(3);
    expect(parsed.header.entries).toEqual([
      { contentHash: 'aa', firstSlot: 0, crops: 1 },
      { contentHash: 'bb', firstSlot: 1, crops: 2 },
    ]);
    const slot2 = decodeFloat16(parsed.halfs.subarray(2 * 24, 3 * 24));
    expect(slot2[0]).toBe(2);
    expect(slot2[23]).toBe(2 + 23 / 8);
  });

  it('detects a flipped byte and a truncated file, naming the file', () => {
    const shard = encodeShard(meta, [{ contentHash: 'aa', tensors: [tensor(0)] }]);
    const flipped = new Uint8Array(shard.bytes);
    flipped[flipped.length - 3]! ^= 0x40;
    expect(() => parseShard('/w/s1.csf', flipped)).toThrow(/\/w\/s1\.csf: feature shard is damaged \(checksum mismatch\)/);
    expect(() => parseShard('/w/s2.csf', shard.bytes.subarray(0, shard.bytes.length - 10))).toThrow(/s2\.csf: .*damaged \(size/);
    expect(() => parseShard('/w/s3.csf', new Uint8Array(40))).toThrow(/s3\.csf: .*bad magic/);
  });

  it('refuses tensors of the wrong size', () => {
    expect(() => encodeShard(meta, [{ contentHash: 'aa', tensors: [new Uint16Array(5)] }])).toThrow(/expected 24/);
  });
});
