import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import {
  BUILTIN_PROTOCOLS,
  CITYSCAPES_BY_ID,
  CITYSCAPES_LABELS,
  IGNORE,
  colorize,
  compatibleProtocols,
  getBuiltinProtocol,
  mapLabels,
  parseCustomProtocol,
  parseCustomProtocolText,
  unknownValues,
  type LabelProtocol,
} from '../../../shared/protocols/index.js';

// The official table, copied by hand from cityscapesScripts/helpers/labels.py (master): an independent
// copy, so a typo in shared/protocols/cityscapes-labels.ts fails here.
const OFFICIAL = `
unlabeled|0|255|void|0|False|True|0,0,0
ego vehicle|1|255|void|0|False|True|0,0,0
rectification border|2|255|void|0|False|True|0,0,0
out of roi|3|255|void|0|False|True|0,0,0
static|4|255|void|0|False|True|0,0,0
dynamic|5|255|void|0|False|True|111,74,0
ground|6|255|void|0|False|True|81,0,81
road|7|0|flat|1|False|False|128,64,128
sidewalk|8|1|flat|1|False|False|244,35,232
parking|9|255|flat|1|False|True|250,170,160
rail track|10|255|flat|1|False|True|230,150,140
building|11|2|construction|2|False|False|70,70,70
wall|12|3|construction|2|False|False|102,102,156
fence|13|4|construction|2|False|False|190,153,153
guard rail|14|255|construction|2|False|True|180,165,180
bridge|15|255|construction|2|False|True|150,100,100
tunnel|16|255|construction|2|False|True|150,120,90
pole|17|5|object|3|False|False|153,153,153
polegroup|18|255|object|3|False|True|153,153,153
traffic light|19|6|object|3|False|False|250,170,30
traffic sign|20|7|object|3|False|False|220,220,0
vegetation|21|8|nature|4|False|False|107,142,35
terrain|22|9|nature|4|False|False|152,251,152
sky|23|10|sky|5|False|False|70,130,180
person|24|11|human|6|True|False|220,20,60
rider|25|12|human|6|True|False|255,0,0
car|26|13|vehicle|7|True|False|0,0,142
truck|27|14|vehicle|7|True|False|0,0,70
bus|28|15|vehicle|7|True|False|0,60,100
caravan|29|255|vehicle|7|True|True|0,0,90
trailer|30|255|vehicle|7|True|True|0,0,110
train|31|16|vehicle|7|True|False|0,80,100
motorcycle|32|17|vehicle|7|True|False|0,0,230
bicycle|33|18|vehicle|7|True|False|119,11,32
license plate|-1|-1|vehicle|7|False|True|0,0,142
`
  .trim()
  .split('\n')
  .map((line) => {
    const [name, id, trainId, category, categoryId, inst, ign, color] = line.split('|') as [string, string, string, string, string, string, string, string];
    return {
      name,
      id: Number(id),
      trainId: Number(trainId),
      category,
      categoryId: Number(categoryId),
      hasInstances: inst === 'True',
      ignoreInEval: ign === 'True',
      color: color.split(',').map(Number),
    };
  });

// The 19 evaluated classes in trainId order with their official colours (as published with the benchmark).
const TRAIN19 = [
  ['road', [128, 64, 128]],
  ['sidewalk', [244, 35, 232]],
  ['building', [70, 70, 70]],
  ['wall', [102, 102, 156]],
  ['fence', [190, 153, 153]],
  ['pole', [153, 153, 153]],
  ['traffic light', [250, 170, 30]],
  ['traffic sign', [220, 220, 0]],
  ['vegetation', [107, 142, 35]],
  ['terrain', [152, 251, 152]],
  ['sky', [70, 130, 180]],
  ['person', [220, 20, 60]],
  ['rider', [255, 0, 0]],
  ['car', [0, 0, 142]],
  ['truck', [0, 0, 70]],
  ['bus', [0, 60, 100]],
  ['train', [0, 80, 100]],
  ['motorcycle', [0, 0, 230]],
  ['bicycle', [119, 11, 32]],
] as const;

const P = (id: string): LabelProtocol => {
  const p = getBuiltinProtocol(id);
  if (!p) throw new Error(`missing protocol ${id}`);
  return p;
};

describe('Cityscapes label table', () => {
  it('matches the official labels.py entry by entry', () => {
    expect(CITYSCAPES_LABELS.length).toBe(OFFICIAL.length);
    OFFICIAL.forEach((o, i) => {
      const l = CITYSCAPES_LABELS[i]!;
      expect({ ...l, color: [...l.color] }).toEqual(o);
    });
  });

  it('indexes labelIds 0..33', () => {
    for (let id = 0; id < 34; id++) expect(CITYSCAPES_BY_ID[id]?.id).toBe(id);
  });
});

describe('built-in protocols', () => {
  it('are the five named protocols with consistent tables', () => {
    expect(BUILTIN_PROTOCOLS.map((p) => p.id)).toEqual(['cityscapes-34', 'cityscapes-19', 'cityscapes-27', 'cityscapes-7', 'bdd100k-19']);
    for (const p of BUILTIN_PROTOCOLS) {
      const k = p.classNames.length;
      expect(p.colors.length).toBe(k);
      expect(p.categories.length).toBe(k);
      expect(p.lut.length).toBe(256);
      for (let v = 0; v < 256; v++) {
        const c = p.lut[v]!;
        expect(c === IGNORE || c < k).toBe(true);
        if (c !== IGNORE) expect(p.known[v]).toBe(1);
      }
      // every class is reachable from some raw value
      for (let c = 0; c < k; c++) expect([...p.lut].includes(c)).toBe(true);
    }
  });

  it('cityscapes-34 keeps every labelId with its name, colour and category', () => {
    const p = P('cityscapes-34');
    expect(p.classNames.length).toBe(34);
    for (const o of OFFICIAL.filter((x) => x.id >= 0)) {
      expect(p.lut[o.id]).toBe(o.id);
      expect(p.classNames[o.id]).toBe(o.name);
      expect([...p.colors[o.id]!]).toEqual(o.color);
      expect(p.categories[o.id]).toBe(o.category);
    }
    expect(p.known[34]).toBe(0);
    expect(p.known[255]).toBe(0);
  });

  it('cityscapes-19 maps every labelId to its official trainId', () => {
    const p = P('cityscapes-19');
    expect(p.classNames).toEqual(TRAIN19.map((t) => t[0]));
    expect(p.colors.map((c) => [...c])).toEqual(TRAIN19.map((t) => [...t[1]]));
    for (const o of OFFICIAL.filter((x) => x.id >= 0)) {
      expect(p.lut[o.id]).toBe(o.trainId);
      expect(p.known[o.id]).toBe(1);
    }
    expect(p.known[34]).toBe(0);
  });

  it('cityscapes-27 maps labelIds 7..33 to 0..26 and ignores void', () => {
    const p = P('cityscapes-27');
    expect(p.classNames.length).toBe(27);
    for (let id = 0; id < 7; id++) {
      expect(p.lut[id]).toBe(IGNORE);
      expect(p.known[id]).toBe(1);
    }
    for (let id = 7; id <= 33; id++) {
      const o = OFFICIAL.find((x) => x.id === id)!;
      expect(p.lut[id]).toBe(id - 7);
      expect(p.classNames[id - 7]).toBe(o.name);
      expect([...p.colors[id - 7]!]).toEqual(o.color);
    }
    expect(p.classNames[0]).toBe('road');
    expect(p.classNames[26]).toBe('bicycle');
  });

  it('cityscapes-7 maps labelIds to categories flat..vehicle', () => {
    const p = P('cityscapes-7');
    expect(p.classNames).toEqual(['flat', 'construction', 'object', 'nature', 'sky', 'human', 'vehicle']);
    for (const o of OFFICIAL.filter((x) => x.id >= 0)) {
      expect(p.lut[o.id]).toBe(o.categoryId === 0 ? IGNORE : o.categoryId - 1);
    }
  });

  it('bdd100k-19 reads trainIds directly in Cityscapes order and colours, 255 ignored', () => {
    const p = P('bdd100k-19');
    expect(p.classNames).toEqual(TRAIN19.map((t) => t[0]));
    expect(p.colors.map((c) => [...c])).toEqual(TRAIN19.map((t) => [...t[1]]));
    for (let v = 0; v < 19; v++) expect(p.lut[v]).toBe(v);
    expect(p.lut[255]).toBe(IGNORE);
    expect(p.known[255]).toBe(1);
    expect(p.known[19]).toBe(0);
  });

  it('groups protocols by the raw label maps they read', () => {
    expect(compatibleProtocols(P('cityscapes-27')).map((p) => p.id)).toEqual(['cityscapes-34', 'cityscapes-19', 'cityscapes-27', 'cityscapes-7']);
    expect(compatibleProtocols(P('bdd100k-19')).map((p) => p.id)).toEqual(['bdd100k-19']);
  });

  it('maps and colours label maps, and finds unknown values', () => {
    const p = P('cityscapes-19');
    const raw = Uint8Array.from([7, 26, 0, 200]);
    const classes = mapLabels(p, raw);
    expect([...classes]).toEqual([0, 13, IGNORE, IGNORE]);
    expect([...colorize(p, classes)]).toEqual([128, 64, 128, 0, 0, 142, 0, 0, 0, 0, 0, 0]);
    const hist = new Array(256).fill(0);
    for (const v of raw) hist[v]++;
    expect(unknownValues(p, hist)).toEqual([200]);
  });
});

describe('custom protocols', () => {
  const good = {
    schemaVersion: 1,
    id: 'my-roads',
    name: 'My roads',
    classes: [
      { name: 'road', color: [128, 64, 128], values: [7, 9], category: 'flat' },
      { name: 'car', color: '#00008e' },
    ],
    ignore: [0, 255],
  };

  it('builds tables from names, colours, values and ignore values', () => {
    const p = parseCustomProtocol(good, 'my.json');
    expect(p.id).toBe('my-roads');
    expect(p.encoding).toBe('custom:my-roads');
    expect(p.classNames).toEqual(['road', 'car']);
    expect(p.colors.map((c) => [...c])).toEqual([[128, 64, 128], [0, 0, 142]]);
    expect(p.categories).toEqual(['flat', 'car']);
    expect(p.lut[7]).toBe(0);
    expect(p.lut[9]).toBe(0);
    expect(p.lut[1]).toBe(1); // default value = class index
    expect(p.lut[0]).toBe(IGNORE);
    expect(p.known[0]).toBe(1);
    expect(p.known[255]).toBe(1);
    expect(p.known[2]).toBe(0);
  });

  const failsWith = (json: unknown, ...parts: RegExp[]) => {
    let err: unknown;
    try {
      parseCustomProtocol(json, '/data/proto.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('invalid_input');
    expect((err as StudioError).message).toMatch(/^\/data\/proto\.json: invalid label protocol/);
    for (const p of parts) expect((err as StudioError).message).toMatch(p);
  };

  it('names the file and every problem', () => {
    failsWith({ ...good, schemaVersion: 2 }, /schemaVersion/);
    failsWith({ ...good, id: 'Bad Id' }, /id: id must be lower-case/);
    failsWith({ ...good, classes: [{ name: 'x', color: [1, 2, 300] }] }, /classes\[0\]\.color/);
    failsWith({ ...good, classes: [{ name: 'x', color: 'red' }] }, /classes\[0\]\.color/);
    failsWith({ ...good, classes: [] }, /classes/);
    failsWith({ ...good, extra: 1 }, /extra|unrecognized/i);
    failsWith(
      { ...good, classes: [{ name: 'a', color: [0, 0, 0], values: [3] }, { name: 'a', color: [0, 0, 0], values: [3] }] },
      /duplicate class name 'a'/,
      /raw value 3 is already used by class 'a'/,
    );
    failsWith({ ...good, ignore: [7] }, /ignore: raw value 7 is also used by class 'road'/);
  });

  it('reports a JSON syntax error with the file name', () => {
    expect(() => parseCustomProtocolText('{ nope', '/x/p.json')).toThrow(/^\/x\/p\.json: label protocol is not valid JSON/);
  });
});
