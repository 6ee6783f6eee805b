// The PyTorch side of the benches that compare with it: Debian's python3-torch run in the same
// invocation, so a ratio compares two runs under the same machine load. The studio never needs Python:
// without it a bench says so and falls back to a stored figure, printed as "stale" with its date.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Debian's interpreter, not whatever python3 is first on PATH (pyenv's has no torch): python3-torch
 * installs into /usr/lib/python3/dist-packages. BENCH_PYTHON overrides it.
 */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

let probed: { ok: true; version: string; blas: string } | { ok: false; why: string } | null = null;

/** Whether PyTorch loads here, its version and BLAS; probed once per process. */
export function torchAvailable(): { ok: true; version: string; blas: string } | { ok: false; why: string } {
  if (probed) return probed;
  if (process.env.BENCH_TORCH === '0') return (probed = { ok: false, why: 'BENCH_TORCH=0' });
  if (!fs.existsSync(PYTHON)) return (probed = { ok: false, why: `${PYTHON} not found` });
  const r = spawnSync(
    PYTHON,
    ['-c', 'import torch; print(torch.__version__)'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout || '').trim().split('\n').pop() ?? '';
    return (probed = { ok: false, why: `${PYTHON} cannot import torch (${last}); apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread` });
  }
  const version = r.stdout.trim();
  // Debian's torch calls whichever libblas.so.3 the alternatives system points at: the reference BLAS
  // (~5 GFLOP/s) unless libopenblas0-pthread is installed.
  let blas = 'unknown BLAS';
  try {
    blas = fs.realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    /* not Debian's layout */
  }
  if (!/openblas/i.test(blas)) blas += ' (not OpenBLAS: PyTorch will be slow; apt-get install libopenblas0-pthread)';
  return (probed = { ok: true, version, blas });
}

export const pytorchDir = fileURLToPath(new URL('../pytorch/', import.meta.url));

/**
 * Runs one bench/pytorch script with OpenBLAS and OpenMP bound to `threads` (torch.set_num_threads alone
 * does not bind OpenBLAS's pthreads), streams its lines through `log` with a prefix, and returns the
 * JSON of its `PYTORCH {json}` line.
 */
export function runTorch<T>(script: string, args: string[], threads: number, log: (s: string) => void): T {
  const file = fileURLToPath(new URL(`../pytorch/${script}`, import.meta.url));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  let out: string;
  try {
    out = execFileSync(PYTHON, [file, '--threads', String(threads), ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${script} failed: ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
  let result: T | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('PYTORCH ')) result = JSON.parse(line.slice(8)) as T;
    else if (line.trim()) log(`  [pytorch] ${line}`);
  }
  if (result === undefined) throw new Error(`${script} printed no PYTORCH line`);
  return result;
}

/** The exact command a reader can rerun for the PyTorch side. */
export function torchCommand(script: string, args: string[], threads: number): string {
  return `OPENBLAS_NUM_THREADS=${threads} OMP_NUM_THREADS=${threads} ${PYTHON} bench/pytorch/${script} --threads ${threads} ${args.join(' ')}`.trim();
}
