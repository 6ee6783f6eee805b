// Custom label protocols from a JSON file, validated with a schema; every problem is reported with its
// JSON path so a user can fix the file in one go. Example:
// { "schemaVersion": 1, "id": "my-roads", "name": "My roads",
//   "classes": [ { "name": "road", "color": [128, 64, 128], "values": [7], "category": "flat" },
//                { "name": "car", "color": "#00008e", "values": [26, 27] } ],
//   "ignore": [0, 255] }
// A class without "values" reads the raw value equal to its index. Values not listed anywhere are unknown
// (reported by the preflight) and treated as ignored.
import { z } from 'zod';
import { StudioError } from '../contract/errors.js';
import type { RGB } from './cityscapes-labels.js';
import { buildTables, IGNORE, type LabelProtocol } from './label-protocol.js';

const byte = z.number().int().min(0).max(255);
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must be [r, g, b] or "#rrggbb"');

export const customProtocolSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z
      .string()
      .min(1)
      .max(60)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'id must be lower-case letters, digits, ".", "_" or "-"'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    classes: z
      .array(
        z
          .object({
            name: z.string().min(1).max(100),
            color: z.union([z.tuple([byte, byte, byte]), hexColor]),
            category: z.string().min(1).max(100).optional(),
            values: z.array(byte).min(1).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(255),
    ignore: z.array(byte).default([]),
  })
  .strict();

export type CustomProtocolDefinition = z.input<typeof customProtocolSchema>;

function toRGB(c: readonly [number, number, number] | string): RGB {
  if (typeof c === 'string') {
    const n = parseInt(c.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  return [c[0], c[1], c[2]];
}

function pathOf(p: readonly PropertyKey[]): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || '(root)';
}

/**
 * Validates a parsed JSON value as a custom protocol. `source` (a file path) starts every error message.
 * Throws StudioError('invalid_input') listing all problems.
 */
export function parseCustomProtocol(json: unknown, source: string): LabelProtocol {
  const parsed = customProtocolSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`);
    throw new StudioError('invalid_input', `${source}: invalid label protocol: ${problems.join('; ')}`, {
      file: source,
      problems,
    });
  }
  const def = parsed.data;
  const problems: string[] = [];
  const owner = new Map<number, string>();
  const names = new Set<string>();
  const entries: { value: number; index: number }[] = [];
  def.classes.forEach((c, index) => {
    if (names.has(c.name)) problems.push(`classes[${index}].name: duplicate class name '${c.name}'`);
    names.add(c.name);
    for (const v of c.values ?? [index]) {
      const prev = owner.get(v);
      if (prev !== undefined) problems.push(`classes[${index}].values: raw value ${v} is already used by ${prev}`);
      else owner.set(v, `class '${c.name}'`);
      entries.push({ value: v, index });
    }
  });
  for (const v of def.ignore) {
    const prev = owner.get(v);
    if (prev !== undefined) problems.push(`ignore: raw value ${v} is also used by ${prev}`);
  }
  if (def.classes.length >= IGNORE) problems.push(`classes: at most ${IGNORE} classes (index ${IGNORE} means ignore)`);
  if (problems.length > 0) {
    throw new StudioError('invalid_input', `${source}: invalid label protocol: ${problems.join('; ')}`, {
      file: source,
      problems,
    });
  }
  const { lut, known } = buildTables(entries, def.ignore);
  return {
    id: def.id,
    name: def.name,
    builtin: false,
    encoding: `custom:${def.id}`,
    classNames: def.classes.map((c) => c.name),
    colors: def.classes.map((c) => toRGB(c.color)),
    categories: def.classes.map((c) => c.category ?? c.name),
    lut,
    known,
    ignoreValues: [...def.ignore],
    description: def.description ?? '',
  };
}

/** Parses the text of a protocol file; a JSON syntax error names the file too. */
export function parseCustomProtocolText(text: string, source: string): LabelProtocol {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StudioError('invalid_input', `${source}: label protocol is not valid JSON (${(e as Error).message})`, {
      file: source,
    });
  }
  return parseCustomProtocol(json, source);
}
