import { describe, expect, it } from 'vitest';
import { isStudioError } from '../../../shared/contract/errors.js';
import { mappingToDocument, parseMappingDocument, parseMappingJson } from '../../../shared/metrics/mapping-file.js';

const protocol = { id: 'toy-3', classNames: ['road', 'car', 'sky'] };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isStudioError(e) ? e.code : 'not-a-studio-error';
  }
  return undefined;
}

describe('mapping JSON', () => {
  it('round-trips a mapping through JSON text, ignore included', () => {
    const mapping = Int32Array.from([2, -1, 0, 1, 0]);
    const doc = mappingToDocument(mapping, protocol, { name: 'm1', method: 'manual', experimentId: 'exp-1' });
    expect(doc.clusters).toEqual(['sky', 'ignore', 'road', 'car', 'road']);
    const text = JSON.stringify(doc);
    const back = parseMappingJson(text, 'm1.json', { protocol, clusterCount: 5 });
    expect(Array.from(back.mapping)).toEqual([2, -1, 0, 1, 0]);
    expect(back.document).toEqual(doc);
  });

  it('names the file and the field on schema errors', () => {
    const good = mappingToDocument(Int32Array.from([0, 1]), protocol, { name: 'x', method: 'hungarian' });
    expect(() => parseMappingDocument({ ...good, method: 'guess' }, 'a.json')).toThrow(/a\.json: invalid mapping file at method/);
    const { clusters: _c, ...missing } = good;
    void _c;
    expect(() => parseMappingDocument(missing, 'b.json')).toThrow(/b\.json: invalid mapping file at clusters/);
    expect(() => parseMappingDocument({ ...good, extra: 1 }, 'c.json')).toThrow(/c\.json/);
    expect(() => parseMappingJson('{not json', 'd.json')).toThrow(/d\.json: not valid JSON/);
    expect(() => parseMappingDocument([1, 2], 'e.json')).toThrow(/must be a JSON object/);
  });

  it('rejects unknown class names, wrong protocol and wrong cluster count', () => {
    const good = mappingToDocument(Int32Array.from([0, 1]), protocol, { name: 'x', method: 'manual' });
    expect(() => parseMappingDocument({ ...good, clusters: ['road', 'tree'] }, 'f.json')).toThrow(/cluster 1 maps to 'tree'/);
    expect(() => parseMappingDocument(good, 'g.json', { protocol: { id: 'other', classNames: ['road', 'car', 'sky'] } })).toThrow(
      /expected 'other'/,
    );
    expect(() => parseMappingDocument(good, 'h.json', { clusterCount: 3 })).toThrow(/has 2 clusters, the experiment has 3/);
    expect(codeOf(() => parseMappingDocument(good, 'h.json', { clusterCount: 3 }))).toBe('invalid_input');
  });

  it('with allowAddedClasses accepts the protocol with classes appended, and nothing else', () => {
    const extended = { id: 'toy-3-x0000abcd', classNames: ['road', 'car', 'sky', 'bollard'] };
    const doc = mappingToDocument(Int32Array.from([3, 0, -1]), extended, { name: 'x', method: 'manual' });
    expect(() => parseMappingDocument(doc, 'i.json', { protocol })).toThrow(/expected 'toy-3'/);
    const ok = parseMappingDocument(doc, 'i.json', { protocol, allowAddedClasses: true });
    expect(Array.from(ok.mapping)).toEqual([3, 0, -1]);
    // classes of the base reordered or missing: still refused
    const shuffled = mappingToDocument(Int32Array.from([0]), { id: 'y', classNames: ['car', 'road', 'sky', 'bollard'] }, { name: 'y', method: 'manual' });
    expect(() => parseMappingDocument(shuffled, 'j.json', { protocol, allowAddedClasses: true })).toThrow(/expected 'toy-3'/);
    const shorter = mappingToDocument(Int32Array.from([0]), { id: 'z', classNames: ['road', 'car'] }, { name: 'z', method: 'manual' });
    expect(() => parseMappingDocument(shorter, 'k.json', { protocol, allowAddedClasses: true })).toThrow(/expected 'toy-3'/);
  });

  it('refuses a file from a newer studio with schema_too_new', () => {
    const good = mappingToDocument(Int32Array.from([0]), protocol, { name: 'x', method: 'manual' });
    expect(codeOf(() => parseMappingDocument({ ...good, schemaVersion: 2 }, 'n.json'))).toBe('schema_too_new');
  });
});
