// The one place that decides which TensorFlow.js backend trains and predicts.
// Order: 'tensorflow' (native libtensorflow via @tensorflow/tfjs-node-gpu, an optional dependency that is
// usually absent) → 'wasm' (SIMD, single thread in Node) → 'cpu' (pure JS, last resort).
// `@tensorflow/tfjs` (not tfjs-core alone) is imported because only it registers the gradients.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../shared/contract/errors.js';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';
export const TF_BACKENDS: readonly TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  readonly name: TfBackendName;
  /** Why earlier backends were skipped (empty when the first choice loaded). */
  readonly fallbacks: readonly string[];
}

let active: BackendChoice | undefined;

async function tryTensorflow(): Promise<void> {
  // A variable specifier keeps tsc and bundlers from resolving a package that is normally not installed.
  const spec = '@tensorflow/tfjs-node-gpu';
  await import(spec);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" did not initialise');
}

async function tryWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the .wasm binaries are read from the package folder, not fetched from a CDN.
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dir + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" did not initialise');
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" did not initialise');
}

const LOADERS: Record<TfBackendName, () => Promise<void>> = { tensorflow: tryTensorflow, wasm: tryWasm, cpu: tryCpu };

/**
 * Selects the backend once per process (or thread). `forced` makes exactly that backend load or fails with
 * a clear `unavailable` error; otherwise the first that loads wins and the skipped ones are reported.
 */
export async function initTfBackend(forced?: TfBackendName | 'auto', log?: (message: string) => void): Promise<BackendChoice> {
  const want = forced === 'auto' ? undefined : forced;
  if (active && (want === undefined || want === active.name)) return active;
  if (want !== undefined && !TF_BACKENDS.includes(want)) {
    throw new StudioError('bad_request', `unknown TensorFlow.js backend "${String(want)}" (use ${TF_BACKENDS.join(', ')})`);
  }
  const order = want ? [want] : TF_BACKENDS;
  const fallbacks: string[] = [];
  for (const name of order) {
    try {
      await LOADERS[name]();
      await tf.ready();
      active = { name, fallbacks };
      log?.(`tfjs backend: ${name}${fallbacks.length ? ` (skipped: ${fallbacks.join('; ')})` : ''}`);
      return active;
    } catch (e) {
      const why = `${name}: ${(e as Error).message.split('\n')[0]}`;
      if (want) throw new StudioError('unavailable', `TensorFlow.js backend ${why}`, { backend: name });
      fallbacks.push(why);
    }
  }
  throw new StudioError('unavailable', `no TensorFlow.js backend loaded (${fallbacks.join('; ')})`);
}

export function activeTfBackend(): TfBackendName | undefined {
  return active?.name;
}

export { tf };
