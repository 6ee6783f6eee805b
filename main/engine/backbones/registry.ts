// Which backbones exist: the built-ins (always) and the ONNX models in the workspace's store.
// Descriptors come without loading anything (for the cache key and the UI); `openBackbone` loads.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { BackboneInfo, ExecutionProviderChoice } from '../../../shared/contract/backbones.js';
import { getModelByName, listModels, type ModelRow } from '../db/queries/models.js';
import { referenceSize, type Backbone, type BackboneDescriptor } from './backbone.js';
import { BUILTIN_DIM, createBuiltinBackbone, createRgbBackbone } from './builtin.js';
import { openOnnxBackbone } from './onnx-backbone.js';
import { fusedVariantOf, storedAttention } from './fused-attention.js';
import { BUILTIN_VIT_ID, builtinVitDescriptor, openBuiltinVit } from './builtin-vit.js';

interface BuiltinEntry {
  readonly descriptor: BackboneDescriptor;
  readonly description: string;
  create(): Backbone;
}

const BUILTINS: Readonly<Record<string, BuiltinEntry>> = {
  rgb: {
    descriptor: descriptorOf(createRgbBackbone()),
    description: 'per-patch colour mean and spread (6 dims): the trivial baseline',
    create: createRgbBackbone,
  },
  builtin: {
    descriptor: descriptorOf(createBuiltinBackbone()),
    description: `fixed multi-scale filter bank (Lab colour and context, oriented gradient energy at 3 scales, texture, position; ${BUILTIN_DIM} dims) — no download, no substitute for DINOv2`,
    create: createBuiltinBackbone,
  },
};

function descriptorOf(b: BackboneDescriptor): BackboneDescriptor {
  return {
    id: b.id,
    kind: b.kind,
    family: b.family,
    patchSize: b.patchSize,
    dim: b.dim,
    mean: b.mean,
    std: b.std,
    fixedSize: b.fixedSize,
    cacheId: b.cacheId,
  };
}

function modelDescriptor(row: ModelRow): BackboneDescriptor {
  return {
    id: row.name,
    kind: 'onnx',
    family: row.family,
    patchSize: row.patch_size,
    dim: row.dim,
    mean: JSON.parse(row.mean) as [number, number, number],
    std: JSON.parse(row.std) as [number, number, number],
    fixedSize: row.fixed_width !== null && row.fixed_height !== null ? { width: row.fixed_width, height: row.fixed_height } : null,
    cacheId: `onnx:${row.sha256}`,
  };
}

export function isBuiltinBackbone(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTINS, id) || (id === BUILTIN_VIT_ID && builtinVitDescriptor() !== null);
}

const BUILTIN_VIT_DESCRIPTION =
  'the filter bank followed by a small Transformer encoder the studio pretrained itself, label-free, on SynthDrive (`npm run pretrain:builtin`)';

export function describeBackbone(db: Database, id: string): BackboneDescriptor {
  if (id === BUILTIN_VIT_ID && builtinVitDescriptor()) return builtinVitDescriptor()!;
  const builtin = BUILTINS[id];
  if (builtin && isBuiltinBackbone(id)) return builtin.descriptor;
  const row = getModelByName(db, id);
  if (!row) {
    const known = [...Object.keys(BUILTINS), ...listModels(db).map((m) => m.name)];
    throw new StudioError('not_found', `no backbone '${id}' (known: ${known.join(', ')}; add ONNX models with \`cause-studio models add\`)`);
  }
  return modelDescriptor(row);
}

/** With `workspaceRoot`, a model's description says whether extraction runs its fused-attention variant. */
export function listBackbones(db: Database, workspaceRoot?: string): BackboneInfo[] {
  const info = (d: BackboneDescriptor, description: string): BackboneInfo => ({
    id: d.id,
    kind: d.kind,
    family: d.family,
    patchSize: d.patchSize,
    dim: d.dim,
    referenceSize: d.fixedSize?.width ?? referenceSize(d.patchSize),
    description,
  });
  return [
    ...Object.values(BUILTINS).map((b) => info(b.descriptor, b.description)),
    ...(builtinVitDescriptor() ? [info(builtinVitDescriptor()!, BUILTIN_VIT_DESCRIPTION)] : []),
    ...listModels(db).map((m) => {
      const attention =
        workspaceRoot === undefined
          ? ''
          : storedAttention(workspaceRoot, m.file) === 'fused'
            ? ', attention fused'
            : `, attention as exported (\`cause-studio models optimize ${m.name}\` may make it faster)`;
      return info(modelDescriptor(m), `${m.family} ONNX model (${m.source})${attention}`);
    }),
  ];
}

export interface OpenBackboneOptions {
  readonly workspaceRoot: string;
  readonly provider?: ExecutionProviderChoice;
  readonly threads?: number;
  readonly onLog?: (message: string) => void;
  /**
   * 'fused' (default) runs the store's fused-attention variant when `models add` made one;
   * 'as-exported' runs the file as it was added (for comparison, and the benchmark).
   */
  readonly attention?: 'fused' | 'as-exported';
}

export async function openBackbone(db: Database, id: string, options: OpenBackboneOptions): Promise<Backbone> {
  if (id === BUILTIN_VIT_ID && builtinVitDescriptor()) {
    return openBuiltinVit({
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
  }
  const builtin = BUILTINS[id];
  if (builtin && isBuiltinBackbone(id)) return builtin.create();
  const row = getModelByName(db, id);
  if (!row) describeBackbone(db, id); // throws not_found with the list
  const r = row!;
  const file = path.join(options.workspaceRoot, r.file);
  const fused = options.attention === 'as-exported' ? null : fusedVariantOf(file);
  return openOnnxBackbone({
    model: fused ?? file,
    label: file,
    id: r.name,
    family: r.family,
    patchSize: r.patch_size,
    sha256: r.sha256,
    mean: JSON.parse(r.mean) as [number, number, number],
    std: JSON.parse(r.std) as [number, number, number],
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
}
