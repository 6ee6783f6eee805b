// Pretraining checkpoints: one file holding the recipe, the step, the centre and the student, teacher
// and AdamW moments as raw float32 — everything a resumed run needs to continue bit for bit. Written to
// a temporary file and renamed, so a kill or a full disk mid-write leaves the previous checkpoint intact.
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { allParamNames, paramSize, type ParamMap } from './params.js';
import type { PretrainRecipe } from './recipe.js';
import type { PretrainState } from './trainer.js';

const MAGIC = 'CSPRETRAIN1\n';

interface Header {
  readonly recipe: PretrainRecipe;
  readonly step: number;
  readonly skipped: number;
  readonly center: number[];
  readonly extra: Record<string, unknown>;
}

export function encodeCheckpoint(
  recipe: PretrainRecipe,
  s: PretrainState,
  extra: Record<string, unknown> = {},
): Buffer {
  const header: Header = { recipe, step: s.step, skipped: s.skipped, center: Array.from(s.center), extra };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const parts: Buffer[] = [Buffer.from(MAGIC, 'utf8'), len, json];
  for (const set of [s.student, s.teacher, s.m, s.v]) {
    for (const name of allParamNames(recipe.spec)) {
      const a = set.get(name)!;
      parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    }
  }
  return Buffer.concat(parts);
}

export function writeCheckpoint(
  file: string,
  recipe: PretrainRecipe,
  s: PretrainState,
  extra: Record<string, unknown> = {},
): void {
  const tmp = `${file}.tmp`;
  try {
    fs.writeFileSync(tmp, encodeCheckpoint(recipe, s, extra));
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC') {
      throw new StudioError(
        'internal',
        `disk full while writing the checkpoint ${file}; the previous checkpoint (if any) is intact — free space and resume`,
        { file },
      );
    }
    throw new StudioError('internal', `cannot write checkpoint ${file}: ${err.message}`, { file });
  }
}

export function readCheckpoint(file: string): {
  recipe: PretrainRecipe;
  state: PretrainState;
  extra: Record<string, unknown>;
} {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new StudioError('not_found', `cannot read checkpoint ${file}: ${(e as Error).message}`, { file });
  }
  const bad = (why: string): never => {
    throw new StudioError('invalid_input', `${file}: not a usable pretraining checkpoint (${why})`, { file });
  };
  if (buf.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) bad('wrong magic');
  const len = buf.readUInt32LE(MAGIC.length);
  const header = JSON.parse(
    buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + len).toString('utf8'),
  ) as Header;
  let off = MAGIC.length + 4 + len;
  const names = allParamNames(header.recipe.spec);
  const sets: ParamMap[] = [];
  for (let k = 0; k < 4; k++) {
    const set: ParamMap = new Map();
    for (const name of names) {
      const n = paramSize(header.recipe.spec, name);
      if (off + 4 * n > buf.length) bad('truncated');
      set.set(name, new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + 4 * n)));
      off += 4 * n;
    }
    sets.push(set);
  }
  if (off !== buf.length) bad('trailing bytes');
  return {
    recipe: header.recipe,
    state: {
      step: header.step,
      skipped: header.skipped,
      center: Float32Array.from(header.center),
      student: sets[0]!,
      teacher: sets[1]!,
      m: sets[2]!,
      v: sets[3]!,
    },
    extra: header.extra,
  };
}
