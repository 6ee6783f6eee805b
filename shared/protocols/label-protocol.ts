// What a label protocol is: classes (index 0..K-1) with names, colours and categories, and the table that
// turns a raw label-map value into a class index. 255 is "ignore" everywhere (as in Cityscapes trainIds).
import type { RGB } from './cityscapes-labels.js';

export const IGNORE = 255;

/**
 * Which raw values a protocol reads. Protocols with the same encoding read the same label maps, e.g.
 * Cityscapes-34/19/27/7 all read `*_labelIds.png`; BDD100K-19 reads trainId masks.
 */
export type LabelEncoding = 'cityscapes-labelid' | 'cityscapes-trainid' | `custom:${string}`;

export interface LabelProtocol {
  readonly id: string;
  readonly name: string;
  readonly builtin: boolean;
  readonly encoding: LabelEncoding;
  readonly classNames: readonly string[];
  readonly colors: readonly RGB[];
  /** Category name of each class (Cityscapes categories for the built-ins). */
  readonly categories: readonly string[];
  /** raw value (0..255) → class index, or IGNORE. */
  readonly lut: Uint8Array;
  /** 1 where the raw value is defined by the protocol (as a class or as explicitly ignored); others are unknown. */
  readonly known: Uint8Array;
  /** Raw values the protocol defines as ignored (e.g. Cityscapes void labelIds under the 19-class protocol). */
  readonly ignoreValues: readonly number[];
  readonly description: string;
}

export function numClasses(p: LabelProtocol): number {
  return p.classNames.length;
}

/** Raw label values → class indices (IGNORE for ignored and unknown values), no per-pixel allocation. */
export function mapLabels(p: LabelProtocol, raw: Uint8Array, out: Uint8Array = new Uint8Array(raw.length)): Uint8Array {
  const lut = p.lut;
  for (let i = 0; i < raw.length; i++) out[i] = lut[raw[i]!]!;
  return out;
}

/** 256×3 bytes: class index → colour; IGNORE and unused indices are black. */
export function classPalette(p: LabelProtocol): Uint8Array {
  const pal = new Uint8Array(256 * 3);
  p.colors.forEach((c, i) => {
    pal[i * 3] = c[0];
    pal[i * 3 + 1] = c[1];
    pal[i * 3 + 2] = c[2];
  });
  return pal;
}

/** Class-index map → packed RGB using the protocol's colours. */
export function colorize(p: LabelProtocol, classes: Uint8Array, out: Uint8Array = new Uint8Array(classes.length * 3)): Uint8Array {
  const pal = classPalette(p);
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]! * 3;
    out[i * 3] = pal[c]!;
    out[i * 3 + 1] = pal[c + 1]!;
    out[i * 3 + 2] = pal[c + 2]!;
  }
  return out;
}

/** Values present in `histogram` (length 256) that the protocol does not define. */
export function unknownValues(p: LabelProtocol, histogram: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if ((histogram[v] ?? 0) > 0 && p.known[v] === 0) out.push(v);
  return out;
}

export function buildTables(entries: readonly { value: number; index: number }[], ignoreValues: readonly number[]) {
  const lut = new Uint8Array(256).fill(IGNORE);
  const known = new Uint8Array(256);
  for (const e of entries) {
    lut[e.value] = e.index;
    known[e.value] = 1;
  }
  for (const v of ignoreValues) known[v] = 1;
  return { lut, known };
}
