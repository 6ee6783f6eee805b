// A class the mapping's protocol lacks: the protocol is copied into a custom one with the new class
// appended (so every existing class keeps its index and a mapping carries over unchanged), stored in
// the workspace like an imported protocol. Built-in raw values are kept, so ground truth of the base
// still reads the same classes; the new class takes a raw value nothing else uses.
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { parseCustomProtocol, type LabelProtocol, type RGB } from '../../../shared/protocols/index.js';
import { upsertProtocolRow } from '../db/queries/datasets.js';
import { getProtocol } from '../datasets/protocols.js';

export interface NewClass {
  readonly name: string;
  readonly color?: RGB;
  readonly category?: string;
}

/** A colour far from the protocol's (greedy max-min over a coarse RGB grid), so the new class stands out. */
export function distinctColour(used: readonly RGB[]): RGB {
  let best: RGB = [255, 0, 255];
  let bestD = -1;
  for (let r = 0; r < 256; r += 51)
    for (let g = 0; g < 256; g += 51)
      for (let b = 0; b < 256; b += 51) {
        let d = Infinity;
        for (const u of used) d = Math.min(d, (u[0] - r) ** 2 + (u[1] - g) ** 2 + (u[2] - b) ** 2);
        if (d > bestD) {
          bestD = d;
          best = [r, g, b];
        }
      }
  return best;
}

export function parseColour(s: string): RGB {
  const m = /^#?([0-9a-fA-F]{6})$/.exec(s.trim());
  if (!m) throw new StudioError('bad_request', `colour '${s}' is not #rrggbb`);
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The custom protocol definition: the base's classes (with the raw values it reads as each) plus `added`. */
export function extendedDefinition(base: LabelProtocol, added: readonly NewClass[]): { id: string; definition: unknown } {
  const names = new Set(base.classNames);
  for (const c of added) {
    if (c.name === 'ignore') throw new StudioError('bad_request', `'ignore' is reserved (it means "no class")`);
    if (names.has(c.name)) throw new StudioError('conflict', `protocol '${base.id}' already has a class '${c.name}'`);
    names.add(c.name);
  }
  const values: number[][] = base.classNames.map(() => []);
  for (let v = 0; v < 256; v++) {
    const t = base.lut[v]!;
    if (base.known[v] === 1 && t < base.classNames.length) values[t]!.push(v);
  }
  const taken = new Set<number>([...values.flat(), ...base.ignoreValues, 255]);
  const free = () => {
    for (let v = 254; v >= 0; v--) if (!taken.has(v)) return (taken.add(v), v);
    throw new StudioError('invalid_input', `protocol '${base.id}' has no raw label value left for another class`);
  };
  const colours: RGB[] = [...base.colors];
  const classes = base.classNames.map((name, i) => ({
    name,
    color: [...base.colors[i]!] as [number, number, number],
    category: base.categories[i] ?? name,
    values: values[i]!.length > 0 ? values[i]! : [free()],
  }));
  for (const c of added) {
    const color = c.color ?? distinctColour(colours);
    colours.push(color);
    classes.push({ name: c.name, color: [...color] as [number, number, number], category: c.category ?? 'custom', values: [free()] });
  }
  // Same base + same added classes = same id, so adding a class twice in two runs shares the protocol.
  const root = base.builtin ? base.id : base.id.replace(/-x[0-9a-f]{8}$/, '');
  const hash = createHash('sha1').update(JSON.stringify([base.id, classes.map((c) => [c.name, c.color])])).digest('hex').slice(0, 8);
  const id = `${root}-x${hash}`.slice(0, 60);
  return {
    id,
    definition: {
      schemaVersion: 1,
      id,
      name: `${base.name} + ${added.map((c) => c.name).join(', ')}`,
      description: `Derived from '${base.id}' by a mapping session.`,
      classes,
      ignore: base.ignoreValues.filter((v) => !classes.some((c) => c.values.includes(v))),
    },
  };
}

/** Creates (or finds) the custom protocol `baseId` + `added` and stores it in the workspace. */
export function extendProtocol(db: Database, baseId: string, added: readonly NewClass[]): LabelProtocol {
  if (added.length === 0) throw new StudioError('bad_request', 'no class to add');
  const base = getProtocol(db, baseId);
  const { id, definition } = extendedDefinition(base, added);
  const protocol = parseCustomProtocol(definition, `protocol '${id}'`);
  upsertProtocolRow(db, { id, name: protocol.name, definition, sourcePath: null });
  return protocol;
}
