import { describe, expect, it } from 'vitest';
import { getBuiltinProtocol } from '../../../shared/protocols/builtin.js';
import { accumulate } from '../../../shared/metrics/confusion.js';
import { applySampler, referenceSampler } from '../../../main/engine/eval/geometry.js';
import { mulberry32 } from '../../../shared/random.js';
import {
  decodeDense,
  decodeSparse,
  encodeDense,
  encodeSparse,
  fromSparse,
  HistogramBuilder,
  toSparse,
} from '../../../main/engine/eval/histogram.js';

const cs27 = getBuiltinProtocol('cityscapes-27')!;


describe('HistogramBuilder', () => {
  it('counts full-geometry pixels through the protocol table (void labelIds ignored)', () => {
    const b = new HistogramBuilder(3, cs27, 'full');
    // labelIds: 7 road → class 0, 26 car → class 19, 0 unlabeled → ignore, 23 sky → class 16.
    const label = { data: Uint8Array.from([7, 7, 26, 0, 23, 23]), width: 3, height: 2 };
    const pred = { data: Uint16Array.from([0, 1, 2, 2, 1, 1]), width: 3, height: 2 };
    expect(b.addFrame({ frameId: 'f', labelPath: 'f.png' }, pred, label)).toBe(5);
    const C = cs27.classNames.length;
    expect(C).toBe(27);
    const h = b.result().histogram;
    expect(h[0 * C + 0]).toBe(1);
    expect(h[1 * C + 0]).toBe(1);
    expect(h[2 * C + 19]).toBe(1);
    expect(h[1 * C + 16]).toBe(2);
    expect(h.reduce((a, v) => a + v, 0)).toBe(5);
  });

  it('at reference geometry equals sampling both maps then accumulating (independent path)', () => {
    const rand = mulberry32(3);
    const W = 400;
    const H = 200;
    const K = 5;
    const labelRaw = new Uint8Array(W * H);
    const pred = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) {
      labelRaw[i] = Math.floor(rand() * 34);
      pred[i] = Math.floor(rand() * K);
    }
    const b = new HistogramBuilder(K, cs27, 'reference');
    b.addFrame({ frameId: 'f', labelPath: 'f.png' }, { data: pred, width: W, height: H }, { data: labelRaw, width: W, height: H });
    const s = referenceSampler(W, H);
    const lab = applySampler(s, labelRaw);
    const cls = new Uint8Array(lab.length);
    for (let i = 0; i < lab.length; i++) cls[i] = cs27.lut[lab[i]!]!;
    const expected = new Float64Array(K * 27);
    accumulate(expected, applySampler(s, pred), cls, K, 27);
    expect(Array.from(b.result().histogram)).toEqual(Array.from(expected));
    expect(b.result().frames[0]!.pixels).toBe(expected.reduce((a, v) => a + v, 0));
  });

  it('names the frame when a prediction holds a cluster id ≥ K', () => {
    const b = new HistogramBuilder(2, cs27, 'full');
    expect(() =>
      b.addFrame({ frameId: 'f9', labelPath: '/d/f9_labelIds.png' }, { data: Uint8Array.from([5]), width: 1, height: 1 }, { data: Uint8Array.from([7]), width: 1, height: 1 }),
    ).toThrow(/f9.*f9_labelIds\.png.*K = 2/);
  });
});

describe('histogram storage', () => {
  it('round-trips sparse and dense encodings', () => {
    const h = new Float64Array(50);
    h[3] = 5;
    h[17] = 2 ** 40 + 1; // beyond 32 bits, still exact
    h[49] = 1;
    const s = toSparse(h);
    expect(Array.from(s.cells)).toEqual([3, 17, 49]);
    const back = fromSparse(decodeSparse(encodeSparse(s)), 50);
    expect(Array.from(back)).toEqual(Array.from(h));
    expect(Array.from(decodeDense(encodeDense(h), 50))).toEqual(Array.from(h));
    expect(() => decodeDense(encodeDense(h), 51)).toThrow(/expected 408/);
    expect(decodeSparse(encodeSparse(toSparse(new Float64Array(4)))).cells.length).toBe(0);
  });
});
