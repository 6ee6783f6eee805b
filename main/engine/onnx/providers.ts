// Execution-provider choice for onnxruntime-node, made in this one place. 'auto' tries the platform's
// accelerator (CUDA on Linux when its CUDA 12 libraries were fetched with ONNXRUNTIME_NODE_INSTALL=cuda12,
// DirectML on Windows, CoreML on macOS) and falls back to CPU with the reason logged; naming a
// provider forces it and fails clearly when it cannot be used.
import * as ort from 'onnxruntime-node';
import { StudioError } from '../../../shared/contract/errors.js';
import type { ExecutionProviderChoice } from '../../../shared/contract/backbones.js';

export type ProviderName = Exclude<ExecutionProviderChoice, 'auto'>;

const ORT_NAME: Record<ProviderName, string> = { cpu: 'cpu', cuda: 'cuda', dml: 'dml', coreml: 'coreml' };
const PLATFORM_OF: Partial<Record<ProviderName, NodeJS.Platform>> = { cuda: 'linux', dml: 'win32', coreml: 'darwin' };

/** Accelerators worth trying on this platform, best first. */
export function acceleratorsFor(platform: NodeJS.Platform): ProviderName[] {
  if (platform === 'linux') return ['cuda'];
  if (platform === 'win32') return ['dml', 'cuda'];
  if (platform === 'darwin') return ['coreml'];
  return [];
}

export interface ProviderPlan {
  /** Providers to try in order; the first whose session creation succeeds is used. */
  readonly candidates: readonly ProviderName[];
  /** True when the user named one: no fallback. */
  readonly forced: boolean;
}

export function planProviders(choice: ExecutionProviderChoice = 'auto', platform: NodeJS.Platform = process.platform): ProviderPlan {
  if (choice === 'auto') return { candidates: [...acceleratorsFor(platform), 'cpu'], forced: false };
  const needs = PLATFORM_OF[choice];
  if (needs && needs !== platform && !(choice === 'cuda' && platform === 'win32')) {
    throw new StudioError('unavailable', `execution provider '${choice}' is not available on ${platform} (it needs ${needs})`, {
      provider: choice,
    });
  }
  return { candidates: [choice], forced: true };
}

export interface CreatedSession {
  readonly session: ort.InferenceSession;
  readonly provider: ProviderName;
  /** Why earlier candidates were skipped (logged by the caller and kept with the feature set). */
  readonly fallbacks: readonly { provider: ProviderName; reason: string }[];
}

export interface SessionOptions {
  readonly provider?: ExecutionProviderChoice;
  /** Intra-op threads for CPU (default: ORT's choice, all cores). */
  readonly threads?: number;
  readonly platform?: NodeJS.Platform;
  /** Only for tests: pretend a provider's library failed to load. */
  readonly failProviders?: readonly ProviderName[];
  /**
   * Let ORT's worker threads spin between operators (default false). Spinning only pays when ORT owns
   * its cores; the studio always shares them (frame decoding overlaps inference, other jobs, the UI),
   * and measured here a spinning pool made end-to-end extraction ~10-20 points slower.
   */
  readonly spinning?: boolean;
}

// ORT prints a failed provider load to stderr itself (a red error line on every CPU-only machine);
// the failure reaches us as an exception and is reported once, with context, by the caller.
ort.env.logLevel = 'fatal';

export async function createSession(model: string | Uint8Array, label: string, options: SessionOptions = {}): Promise<CreatedSession> {
  const plan = planProviders(options.provider ?? 'auto', options.platform ?? process.platform);
  const fallbacks: { provider: ProviderName; reason: string }[] = [];
  for (const provider of plan.candidates) {
    try {
      if (options.failProviders?.includes(provider)) throw new Error(`${provider} provider library failed to load (simulated)`);
      const session = await ort.InferenceSession.create(model as Uint8Array, {
        executionProviders: [ORT_NAME[provider]],
        graphOptimizationLevel: 'all',
        // ORT prints provider-load failures itself at error level; we report them ourselves.
        logSeverityLevel: 4,
        ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
        ...(options.spinning === true ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
      });
      return { session, provider, fallbacks };
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0] ?? String(e);
      if (isModelError(reason)) throw modelError(label, reason);
      if (plan.forced || provider === 'cpu') {
        throw new StudioError(
          provider === 'cpu' ? 'internal' : 'unavailable',
          `${label}: execution provider '${provider}' could not be used: ${reason}` +
            (provider === 'cuda' ? ' (fetch its CUDA 12 libraries on a CUDA 12 machine: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install)' : ''),
          { provider },
        );
      }
      fallbacks.push({ provider, reason });
    }
  }
  throw new StudioError('unavailable', `${label}: no execution provider could be used`);
}

function isModelError(message: string): boolean {
  return /protobuf parsing failed|Load model|model_load|ModelProto|INVALID_GRAPH|INVALID_PROTOBUF|Node \(|ShapeInferenceError|Type Error/i.test(
    message,
  );
}

function modelError(label: string, reason: string): StudioError {
  const truncated = /protobuf parsing failed/i.test(reason);
  return new StudioError(
    'invalid_input',
    truncated
      ? `${label}: not a readable ONNX model (the file is truncated or not ONNX: ${reason})`
      : `${label}: ONNX Runtime refused the model: ${reason}`,
    { file: label },
  );
}
