import { describe, expect, it } from 'vitest';
import { suggestFromCooccurrence } from '../../../main/engine/eval/mapping-carry.js';
import { distinctColour, extendedDefinition } from '../../../main/engine/eval/mapping-protocol.js';
import { getBuiltinProtocol, parseCustomProtocol } from '../../../shared/protocols/index.js';

describe('carrying a mapping between runs', () => {
  // A has 3 clusters (road, car, ignored), B has 3: B0 = A0, B1 = half A1 half A0, B2 = A2.
  const Ka = 3;
  const Kb = 3;
  const dense = [
    [100, 40, 0],
    [0, 60, 0],
    [0, 0, 50],
  ];
  const cells: number[] = [];
  const counts: number[] = [];
  dense.forEach((row, a) => row.forEach((v, b) => v > 0 && (cells.push(a * Kb + b), counts.push(v))));
  const s = suggestFromCooccurrence({ cells, counts }, Ka, Kb, [0, 1, -1], ['road', 'car']);
  const by = new Map(s.map((x) => [x.cluster, x]));

  it('votes by shared pixels; the vote share is the strength', () => {
    expect(by.get(0)).toMatchObject({ className: 'road', strength: 1, fromCluster: 0, status: 'pending' });
    expect(by.get(1)!.className).toBe('car');
    expect(by.get(1)!.strength).toBeCloseTo(0.6);
    expect(by.get(1)!.fromCluster).toBe(1);
    expect(by.get(2)).toMatchObject({ className: 'ignore', strength: 1 });
  });

  it('lists the strongest first and IoU against the best source cluster', () => {
    expect(s.map((x) => x.strength)).toEqual([...s.map((x) => x.strength)].sort((a, b) => b - a));
    expect(by.get(0)!.iou).toBeCloseTo(100 / (100 + 140 - 100));
  });
});

describe('a class the protocol lacks', () => {
  const base = getBuiltinProtocol('cityscapes-27')!;

  it('appends it, keeping every class index and the raw values the base reads', () => {
    const { id, definition } = extendedDefinition(base, [{ name: 'bollard', color: [255, 136, 0] }]);
    const p = parseCustomProtocol(definition, 'test');
    expect(p.id).toBe(id);
    expect(p.classNames).toEqual([...base.classNames, 'bollard']);
    for (let v = 0; v < 256; v++) if (base.known[v] === 1 && base.lut[v]! < base.classNames.length) expect(p.lut[v]).toBe(base.lut[v]);
    expect(p.colors[p.classNames.length - 1]).toEqual([255, 136, 0]);
    // Same base + same class = same protocol, so two runs share it.
    expect(extendedDefinition(base, [{ name: 'bollard', color: [255, 136, 0] }]).id).toBe(id);
  });

  it('refuses a name the protocol has, and "ignore"', () => {
    expect(() => extendedDefinition(base, [{ name: 'road' }])).toThrow(/already has a class 'road'/);
    expect(() => extendedDefinition(base, [{ name: 'ignore' }])).toThrow(/reserved/);
  });

  it('picks a colour away from the existing ones', () => {
    const c = distinctColour(base.colors);
    const nearest = Math.min(...base.colors.map((u) => (u[0] - c[0]) ** 2 + (u[1] - c[1]) ** 2 + (u[2] - c[2]) ** 2));
    expect(nearest).toBeGreaterThan(40 ** 2);
  });
});
