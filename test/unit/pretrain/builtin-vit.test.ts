// The shipped builtin-vit asset: its recipe file says what it was trained on (world seeds disjoint from
// the scored worlds), and the registry lists and opens it as a backbone with a [B,3,H,W] → [B,T,D] grid.
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/engine/db/connection.js';
import { builtinVitFiles } from '../../../main/engine/backbones/builtin-vit.js';
import { describeBackbone, listBackbones, openBackbone } from '../../../main/engine/backbones/registry.js';
import { BUILTIN_WORLD_SEEDS } from '../../../main/engine/pretrain/builtin-recipe.js';
import { buildEncoderModel } from '../../../main/engine/pretrain/export-model.js';
import { readInitModel } from '../../../main/engine/pretrain/init-model.js';

const present = fs.existsSync(builtinVitFiles().model);

describe.skipIf(!present)('builtin-vit asset', () => {
  it('records its recipe, world seeds and loss curve, and stays under 25 MB', () => {
    const info = JSON.parse(fs.readFileSync(builtinVitFiles().info, 'utf8')) as {
      corpus: { worldSeeds: number[] };
      lossCurve: unknown[];
      bytes: number;
      recipe: { seed: number };
    };
    expect(info.corpus.worldSeeds).toEqual([...BUILTIN_WORLD_SEEDS]);
    expect(info.lossCurve.length).toBeGreaterThan(0);
    expect(fs.statSync(builtinVitFiles().model).size).toBe(info.bytes);
    expect(info.bytes).toBeLessThan(25 * 1024 * 1024);
  });

  it('the exporter writes its very bytes from its weights (so pretrain:builtin can reproduce its sha256)', () => {
    const file = builtinVitFiles().model;
    const w = readInitModel(file, file);
    const bytes = buildEncoderModel(w.recipe, w.encoder, {
      name: 'builtin-vit',
      world_seeds: BUILTIN_WORLD_SEEDS.join(','),
    });
    expect(Buffer.compare(Buffer.from(bytes), fs.readFileSync(file))).toBe(0);
  });

  it('is listed and opened by the registry like any backbone', async () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const d = describeBackbone(db, 'builtin-vit');
    expect(d).toMatchObject({ id: 'builtin-vit', patchSize: 8, dim: 192 });
    expect(listBackbones(db).map((b) => b.id)).toEqual(
      expect.arrayContaining(['rgb', 'builtin', 'builtin-vit']),
    );
    const b = await openBackbone(db, 'builtin-vit', {
      workspaceRoot: '/nonexistent',
      threads: 1,
      provider: 'cpu',
    });
    const g = await b.extract({ data: new Float32Array(3 * 48 * 64).fill(0.2), n: 1, height: 48, width: 64 });
    expect([g.h, g.w, g.dim]).toEqual([6, 8, 192]);
    expect(g.data.every(Number.isFinite)).toBe(true);
    await b.dispose();
    db.close();
  });
});
