// The workspace's model store: ONNX backbones copied into workspace/models/<sha256>/, validated by
// loading them and running one probe forward, hashed, and registered. `pull` fetches the known
// exports from the Hugging Face hub (resumable, checksummed) and registers them the same way.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { ModelSummary } from '../../../shared/contract/backbones.js';
import { deleteModel, getModelByName, getModelBySha, insertModel, listModels, toModelSummary, type ModelRow } from '../db/queries/models.js';
import { sha256File } from '../features/cache-key.js';
import { inspectOnnx, type OnnxGraphInfo } from '../onnx/onnx-inspect.js';
import type { Workspace } from '../workspace.js';
import { IMAGENET_MEAN, IMAGENET_STD, referenceSize, type TokenGrid } from './backbone.js';
import { FUSED_ATTENTION_FILE, probeImage, storedAttention, writeFusedVariant } from './fused-attention.js';
import { openOnnxBackbone } from './onnx-backbone.js';

export interface AddModelOptions {
  readonly file: string;
  readonly name: string;
  readonly family?: string;
  readonly patchSize?: number;
  /** 'file:<path>' by default; 'hub:<repo>' for pulled models. */
  readonly source?: string;
  readonly onLog?: (m: string) => void;
}

function guessFamily(file: string, metadata: Readonly<Record<string, string>>): string {
  const s = `${path.basename(file)} ${Object.values(metadata).join(' ')}`.toLowerCase();
  if (s.includes('dinov2')) return 'dinov2';
  if (s.includes('dino')) return 'dino';
  if (s.includes('mae')) return 'mae';
  return 'vit';
}

/** Operators that draw random numbers: a feature extractor's forward must be a function of its input. */
const RANDOM_OPS = ['RandomUniform', 'RandomUniformLike', 'RandomNormal', 'RandomNormalLike', 'Multinomial', 'Bernoulli'];

/**
 * Refuses a graph whose forward is random. The case that matters: an MAE export made from the
 * pre-training model (Hugging Face ViTMAEModel with its default mask_ratio 0.75) keeps a random quarter
 * of the patches on every run, so it has no patch grid and its tokens change from run to run.
 */
export function refuseRandomForward(file: string, opTypes: readonly string[], family: string): void {
  const random = opTypes.filter((o) => RANDOM_OPS.includes(o));
  if (!random.length) return;
  const mae = family === 'mae';
  throw new StudioError(
    'invalid_input',
    `${file}: the graph draws random numbers (${random.join(', ')})` +
      (mae
        ? ": this MAE export still applies MAE's random token masking, so it returns a random subset of the patches on every run and no patch grid. " +
          'Export the encoder with masking off (in transformers: ViTMAEModel.from_pretrained(name, mask_ratio=0.0)) and add that file.'
        : '; a backbone must give the same tokens for the same image (export it in eval mode, without dropout or random masking).'),
    { file },
  );
}

/**
 * External weights must be files inside the model's own folder, large enough for what the graph reads:
 * checked before ONNX Runtime opens anything, so a graph cannot point the store at /etc or at a file
 * beside its folder (which `models add` would then copy into the workspace).
 */
export function checkExternalData(src: string, refs: OnnxGraphInfo['externalData']): void {
  const dir = path.dirname(src);
  let realDir: string;
  try {
    realDir = fs.realpathSync(dir);
  } catch {
    realDir = dir;
  }
  for (const r of refs) {
    const what = `external data '${r.location}' of tensor ${r.tensor}`;
    if (!r.location) throw new StudioError('invalid_input', `${src}: tensor ${r.tensor} is stored externally but names no file`, { file: src });
    if (path.isAbsolute(r.location)) {
      throw new StudioError('invalid_input', `${src}: ${what} is an absolute path; external weights must sit in the model's folder ${dir}`, { file: src });
    }
    const abs = path.resolve(dir, r.location);
    let real: string;
    let size: number;
    try {
      real = fs.realpathSync(abs);
      const st = fs.statSync(real);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      if (!isInside(dir, abs)) throw new StudioError('invalid_input', `${src}: ${what} leaves the model's folder ${dir}`, { file: src });
      throw new StudioError('invalid_input', `${src}: ${what}: external weight file ${abs} is missing`, { file: src });
    }
    if (!isInside(realDir, real)) throw new StudioError('invalid_input', `${src}: ${what} leaves the model's folder ${dir}`, { file: src });
    const end = r.offset + (r.length ?? 0);
    if (!Number.isFinite(end) || r.offset < 0 || end > size) {
      throw new StudioError('invalid_input', `${src}: ${what} needs bytes ${r.offset}..${end} but ${abs} holds ${size} bytes (truncated?)`, { file: src });
    }
  }
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export async function addModel(db: Database, ws: Workspace, options: AddModelOptions): Promise<ModelSummary> {
  const src = path.resolve(options.file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(src);
  } catch {
    throw new StudioError('not_found', `${src}: no such model file`, { file: src });
  }
  if (!stat.isFile()) throw new StudioError('invalid_input', `${src}: not a file`, { file: src });
  if (getModelByName(db, options.name)) {
    throw new StudioError('conflict', `a model named '${options.name}' already exists (remove it first or pick another --name)`);
  }
  const info = inspectOnnx(src);
  checkExternalData(src, info.externalData);
  refuseRandomForward(src, info.opTypes, options.family ?? guessFamily(src, info.metadata));
  const patchSize = options.patchSize ?? info.patchSize;
  if (!patchSize) {
    throw new StudioError(
      'invalid_input',
      `${src}: cannot find a patch-embedding convolution (kernel = stride) in the graph; give the patch size with --patch`,
      { file: src },
    );
  }
  const sha256 = await sha256File(src);
  const existing = getModelBySha(db, sha256);
  if (existing) throw new StudioError('conflict', `${src}: this model is already registered as '${existing.name}'`);

  // Validate with a real forward at the reference size (or the model's fixed size).
  const { probe, size, reference } = await probeForward(src, src, options.name, patchSize, sha256, options.onLog);
  const dim = reference.dim;
  const registers = Math.max(0, (probe.prefixTokens ?? 1) - 1);

  const dir = ws.dir('models', sha256.slice(0, 16));
  const dest = path.join(dir, 'model.onnx');
  fs.copyFileSync(src, dest);
  for (const ext of info.externalFiles) {
    const from = path.resolve(path.dirname(src), ext);
    const to = path.resolve(dir, ext);
    if (!to.startsWith(dir + path.sep)) throw new StudioError('invalid_input', `${src}: external data path ${ext} leaves the model folder`);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    try {
      fs.copyFileSync(from, to);
    } catch {
      throw new StudioError('invalid_input', `${src}: external weight file ${from} is missing`, { file: src });
    }
  }
  await fuse(options.name, dest, src, patchSize, size, reference, options.onLog);
  insertModel(db, {
    id: crypto.randomUUID(),
    name: options.name,
    family: options.family ?? guessFamily(src, info.metadata),
    file: path.relative(ws.root, dest),
    sha256,
    bytes: stat.size,
    patch_size: patchSize,
    dim,
    input_name: probe.inputName,
    output_name: probe.outputName,
    fixed_height: probe.fixedSize?.height ?? null,
    fixed_width: probe.fixedSize?.width ?? null,
    registers,
    mean: JSON.stringify(IMAGENET_MEAN),
    std: JSON.stringify(IMAGENET_STD),
    source: options.source ?? `file:${src}`,
    created_at: new Date().toISOString(),
  });
  return summarize(ws, getModelByName(db, options.name)!);
}

/** A varied image's tokens at the reference size (or the model's fixed size): validates the model, and is the reference the fused variant must match. */
async function probeForward(file: string, label: string, id: string, patchSize: number, sha256: string, onLog?: (message: string) => void) {
  const probe = await openOnnxBackbone({
    model: file,
    label,
    id,
    family: 'probe',
    patchSize,
    sha256,
    provider: 'cpu',
    ...(onLog ? { onLog } : {}),
  });
  const size = probe.fixedSize ?? { width: referenceSize(patchSize), height: referenceSize(patchSize) };
  try {
    const reference: TokenGrid = await probe.extract({ data: probeImage(size.height, size.width), n: 1, height: size.height, width: size.width });
    return { probe, size, reference };
  } finally {
    await probe.dispose();
  }
}

async function fuse(
  name: string,
  modelFile: string,
  label: string,
  patchSize: number,
  size: { width: number; height: number },
  reference: TokenGrid,
  onLog?: (message: string) => void,
): Promise<void> {
  const variant = await writeFusedVariant({ modelFile, label, patchSize, size, reference });
  onLog?.(
    variant.file
      ? `${name}: ${variant.fused} attention blocks fused into MultiHeadAttention (max token difference ${variant.maxDifference!.toExponential(1)}); extraction uses the fused graph`
      : `${name}: attention left as exported: ${variant.reason}`,
  );
}

function summarize(ws: Workspace, row: ModelRow): ModelSummary {
  return toModelSummary(row, storedAttention(ws.root, row.file));
}

export function listStoredModels(db: Database, ws: Workspace): ModelSummary[] {
  return listModels(db).map((row) => summarize(ws, row));
}

/**
 * Makes (or remakes) the fused-attention variant of a stored model, as `models add` does today, for
 * models added before the store made one. The variant is kept only if it reproduces the original's
 * tokens (fused-attention.ts); the feature-cache key is the original's hash either way.
 */
export async function optimizeModel(db: Database, ws: Workspace, name: string, onLog?: (message: string) => void): Promise<ModelSummary> {
  const row = getModelByName(db, name);
  if (!row) throw new StudioError('not_found', `no model named '${name}'`);
  const file = path.join(ws.root, row.file);
  if (!fs.existsSync(file)) throw new StudioError('not_found', `${file}: the stored copy of model '${name}' is missing (remove and add it again)`, { file });
  // The reference comes from the graph as exported, never from an earlier variant.
  fs.rmSync(path.join(path.dirname(file), FUSED_ATTENTION_FILE), { force: true });
  const { size, reference } = await probeForward(file, `${name} (${file})`, name, row.patch_size, row.sha256, onLog);
  await fuse(name, file, `${name} (${file})`, row.patch_size, size, reference, onLog);
  return summarize(ws, row);
}

/** Unregisters a model and deletes its copy (cached features stay until their feature sets are removed). */
export function removeModel(db: Database, ws: Workspace, name: string): boolean {
  const row = getModelByName(db, name);
  if (!row) throw new StudioError('not_found', `no model named '${name}'`);
  deleteModel(db, name);
  const dir = path.dirname(path.join(ws.root, row.file));
  if (dir.startsWith(path.join(ws.root, 'models') + path.sep)) fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Pulling from the Hugging Face hub.

/** Exports in the `pixel_values → last_hidden_state` form published for transformers.js. */
export const HUB_PRESETS: Readonly<Record<string, { repo: string; file: string; family: string; patchSize: number }>> = {
  'dinov2-small': { repo: 'Xenova/dinov2-small', file: 'onnx/model.onnx', family: 'dinov2', patchSize: 14 },
  'dinov2-base': { repo: 'Xenova/dinov2-base', file: 'onnx/model.onnx', family: 'dinov2', patchSize: 14 },
  'dinov2-large': { repo: 'Xenova/dinov2-large', file: 'onnx/model.onnx', family: 'dinov2', patchSize: 14 },
  'dinov2-small-reg': { repo: 'onnx-community/dinov2-with-registers-small', file: 'onnx/model.onnx', family: 'dinov2', patchSize: 14 },
  'dinov2-base-reg': { repo: 'onnx-community/dinov2-with-registers-base', file: 'onnx/model.onnx', family: 'dinov2', patchSize: 14 },
  // MAE ViT-B/16 (the proposal names it beside DINOv2). If this export still masks tokens at random,
  // the store refuses it with the re-export command (refuseRandomForward).
  'mae-base': { repo: 'Xenova/vit-mae-base', file: 'onnx/model.onnx', family: 'mae', patchSize: 16 },
  'dino-vits8': { repo: 'Xenova/dino-vits8', file: 'onnx/model.onnx', family: 'dino', patchSize: 8 },
  'dino-vits16': { repo: 'Xenova/dino-vits16', file: 'onnx/model.onnx', family: 'dino', patchSize: 16 },
  'dino-vitb8': { repo: 'Xenova/dino-vitb8', file: 'onnx/model.onnx', family: 'dino', patchSize: 8 },
  'dino-vitb16': { repo: 'Xenova/dino-vitb16', file: 'onnx/model.onnx', family: 'dino', patchSize: 16 },
};

export const DEFAULT_HUB = 'https://huggingface.co';

export interface PullOptions {
  readonly preset: string;
  readonly name?: string;
  readonly endpoint?: string;
  /** Time allowed to connect / between bytes (default 15 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (received: number, total: number | null) => void;
  readonly onLog?: (m: string) => void;
}

export async function pullModel(db: Database, ws: Workspace, options: PullOptions): Promise<ModelSummary> {
  const preset = HUB_PRESETS[options.preset];
  if (!preset || !Object.prototype.hasOwnProperty.call(HUB_PRESETS, options.preset)) {
    throw new StudioError('bad_request', `unknown model '${options.preset}' (known: ${Object.keys(HUB_PRESETS).join(', ')})`);
  }
  const name = options.name ?? options.preset;
  if (getModelByName(db, name)) throw new StudioError('conflict', `a model named '${name}' already exists`);
  const base = (options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB).replace(/\/+$/, '');
  const url = `${base}/${preset.repo}/resolve/main/${preset.file}`;
  const downloads = ws.dir('models', 'downloads');
  const part = path.join(downloads, `${options.preset}.onnx.part`);
  const file = await download(url, part, options);
  try {
    return await addModel(db, ws, {
      file,
      name,
      family: preset.family,
      patchSize: preset.patchSize,
      source: `hub:${preset.repo}`,
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Resumable download to `part` (continues from its size with a Range request), checksum-verified when the hub gives one. */
async function download(url: string, part: string, options: PullOptions): Promise<string> {
  const timeout = options.timeoutMs ?? 15_000;
  const host = new URL(url).host;
  const offline = (why: string) =>
    new StudioError(
      'unavailable',
      `cannot download ${url}: ${why}. \`models pull\` needs the Hugging Face hub; on an offline machine download the .onnx ` +
        'file elsewhere and register it with `cause-studio models add <file.onnx> --name N`',
      { url },
    );
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort();
  options.signal?.addEventListener('abort', onAbort);
  let timer = setTimeout(() => ctrl.abort(), timeout);
  const bump = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(), timeout);
  };
  try {
    const request = async (method: 'HEAD' | 'GET', redirect: 'manual' | 'follow', headers: Record<string, string> = {}) => {
      try {
        return await fetch(url, { method, headers, signal: ctrl.signal, redirect });
      } catch (e) {
        if (options.signal?.aborted) throw new StudioError('cancelled', 'download cancelled');
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        if (ctrl.signal.aborted) throw offline(`no answer from ${host} within ${timeout} ms`);
        throw offline(`${host} unreachable (${cause?.code ?? cause?.message ?? (e as Error).message})`);
      }
    };
    // The hub states an LFS file's sha256 on its redirect (X-Linked-Etag), not on the CDN's answer.
    const head = await request('HEAD', 'manual');
    const linked = head.headers.get('x-linked-etag');
    bump();
    const res = await request('GET', 'follow', have > 0 ? { Range: `bytes=${have}-` } : {});
    if (res.status === 416 && have > 0) {
      // Already complete on disk.
    } else if (!res.ok) {
      throw new StudioError(res.status === 404 ? 'not_found' : 'unavailable', `cannot download ${url}: HTTP ${res.status} ${res.statusText}`, { url });
    }
    if (res.status === 200 && have > 0) have = 0; // server ignored the Range: start over
    const expectedSha = (linked ?? res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? '').replace(/^W\//, '').replace(/"/g, '');
    const lenHeader = res.headers.get('content-length');
    const total = lenHeader ? have + Number(lenHeader) : null;
    if (res.status !== 416 && res.body) {
      const out = fs.createWriteStream(part, { flags: have > 0 ? 'a' : 'w' });
      let received = have;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          bump();
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
          received += chunk.length;
          options.onProgress?.(received, total);
        }
      } catch (e) {
        if (options.signal?.aborted) throw new StudioError('cancelled', 'download cancelled (the partial file is kept; pull again to resume)');
        throw offline(`transfer interrupted after ${received} bytes (${(e as Error).message}); pull again to resume`);
      } finally {
        await new Promise<void>((r) => out.end(() => r()));
      }
    }
    if (/^[a-f0-9]{64}$/.test(expectedSha)) {
      const got = await sha256File(part);
      if (got !== expectedSha) {
        fs.rmSync(part, { force: true });
        throw new StudioError('invalid_input', `${url}: checksum mismatch (got ${got}, the hub says ${expectedSha}); the download was deleted, pull again`);
      }
    }
    const done = part.replace(/\.part$/, '');
    fs.renameSync(part, done);
    return done;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
