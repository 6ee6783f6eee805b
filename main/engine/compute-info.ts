// What this machine can compute with, found without loading the heavy runtimes at start-up.
import { createRequire } from 'node:module';
import type { ComputeBackendInfo } from '../../shared/contract/engine.js';

const require = createRequire(import.meta.url);

function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

let cached: ComputeBackendInfo[] | undefined;

export function detectComputeBackends(): ComputeBackendInfo[] {
  if (cached) return cached;
  const out: ComputeBackendInfo[] = [];
  try {
    const ort = require('onnxruntime-node') as { listSupportedBackends?: () => { name: string; bundled: boolean }[] };
    const all = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
    // Unbundled providers (cuda, tensorrt) need libraries installed separately; say so rather than claim them.
    const providers = all.filter((b) => b.bundled).map((b) => b.name);
    const optional = all.filter((b) => !b.bundled).map((b) => b.name);
    out.push({
      name: 'onnxruntime',
      available: true,
      providers,
      ...(optional.length ? { detail: `needs extra install: ${optional.join(', ')}` } : {}),
    });
  } catch (e) {
    out.push({ name: 'onnxruntime', available: false, providers: [], detail: (e as Error).message });
  }
  const tf: string[] = [];
  if (resolvable('@tensorflow/tfjs-node-gpu')) tf.push('tensorflow');
  if (resolvable('@tensorflow/tfjs-backend-wasm')) tf.push('wasm');
  if (resolvable('@tensorflow/tfjs')) tf.push('cpu');
  out.push({
    name: 'tfjs',
    available: tf.length > 0,
    providers: tf,
    ...(tf.includes('tensorflow') ? {} : { detail: '@tensorflow/tfjs-node-gpu not installed; training uses wasm' }),
  });
  cached = out;
  return out;
}
