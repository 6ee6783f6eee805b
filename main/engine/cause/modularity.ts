// The soft-modularity loss of Step 1 (clusterbook) and Step 3 (cluster probe).
// loss = − mean_b (1/e_b) Σ_ij W_ij δ_ij with W = A − d dᵀ/e (A = clamped cosine affinity, zero
// diagonal) and δ_ij = max_k tanh(C_ik C_jk / τ), C = clamped cosine to the centroids.
import * as tf from '@tensorflow/tfjs';
import { matMulConstA, type GradFn } from '../tf/matmul.js';
import { l2normalize } from './ops.js';

export interface ModularityGraph {
  /** [B, n, n] modularity matrix (diagonal kept: −d_i²/e). */
  readonly W: tf.Tensor3D;
  /** [B] total affinity; 1 where an image has no positive affinity (its W is then 0, so is its loss). */
  readonly e: tf.Tensor1D;
  /** [B·n, D] normalised tokens, reused for the assignment. */
  readonly xhat: tf.Tensor2D;
}

/** Builds the per-image graph from sampled tokens [B, n, D]; everything here is a constant. */
export function modularityGraph(tokens: tf.Tensor3D): ModularityGraph {
  return tf.tidy(() => {
    const [B, n, D] = tokens.shape;
    const xhat3 = l2normalize(tokens);
    const offDiag = tf.sub(1, tf.eye(n));
    const As: tf.Tensor2D[] = [];
    // Per-image 2-D products: batched matMuls are slow on wasm.
    for (let b = 0; b < B; b++) {
      const xb = xhat3.slice([b, 0, 0], [1, n, D]).reshape([n, D]) as tf.Tensor2D;
      As.push(tf.mul(tf.relu(tf.matMul(xb, tf.transpose(xb))), offDiag) as tf.Tensor2D);
    }
    const A = tf.stack(As) as tf.Tensor3D;
    const d = tf.sum(A, 2); // [B, n]
    const eRaw = tf.sum(d, 1); // [B]
    const e = tf.where(tf.greater(eRaw, 0), eRaw, tf.onesLike(eRaw)) as tf.Tensor1D;
    const ddT = tf.mul(d.expandDims(2), d.expandDims(1));
    const W = tf.sub(A, tf.div(ddT, e.reshape([B, 1, 1]))) as tf.Tensor3D;
    return { W, e, xhat: xhat3.reshape([B * n, D]) as tf.Tensor2D };
  });
}

export function disposeGraph(g: ModularityGraph): void {
  tf.dispose([g.W, g.e, g.xhat]);
}

/** Clamped cosine assignment C = max(0, x̂ · normalize(M)ᵀ) → [B, n, k]; gradient reaches M only. */
export function assignment(xhat: tf.Tensor2D, centroids: tf.Tensor2D, B: number, n: number): tf.Tensor3D {
  const mT = tf.transpose(l2normalize(centroids)) as tf.Tensor2D;
  return tf.relu(matMulConstA(xhat, mT)).reshape([B, n, centroids.shape[0]]) as tf.Tensor3D;
}

/**
 * δ_ij = max_k tanh(C_ik C_jk / τ) = tanh(max_k C_ik C_jk / τ) (tanh is monotone), with a hand-written
 * gradient that routes through the winning concept k*_ij:
 *   ∂L/∂C_ik = Σ_j (g_ij + g_ji)(1 − δ_ij²)/τ · C_jk · [k*_ij = k].
 * Both passes are plain typed-array loops rather than tensor ops: the reference materialises the
 * n×n×k product (chunked over concepts to bound memory), but on wasm broadcast element-wise kernels run
 * at ~30 M elements/s, so a [16,100,100,2048] product costs tens of seconds. The loop needs O(B·n²)
 * memory whatever k is, exploits δ's symmetry, and its backward touches only the winners.
 */
export function coMembership(C: tf.Tensor3D, tau: number): tf.Tensor3D {
  const [B, n, k] = C.shape;
  const f = tf.customGrad(((c: tf.Tensor, save: tf.GradSaveFunc) => {
    const cv = c.dataSync() as Float32Array;
    const delta = new Float32Array(B * n * n);
    const winner = new Int32Array(B * n * n);
    for (let b = 0; b < B; b++) {
      const base = b * n * k;
      for (let i = 0; i < n; i++) {
        const oi = base + i * k;
        for (let j = i; j < n; j++) {
          const oj = base + j * k;
          let best = -1;
          let bk = 0;
          for (let q = 0; q < k; q++) {
            const p = cv[oi + q]! * cv[oj + q]!;
            if (p > best) {
              best = p;
              bk = q;
            }
          }
          const d = Math.tanh(best / tau);
          const ij = (b * n + i) * n + j;
          const ji = (b * n + j) * n + i;
          delta[ij] = d;
          delta[ji] = d;
          winner[ij] = bk;
          winner[ji] = bk;
        }
      }
    }
    const value = tf.tensor3d(delta, [B, n, n]);
    save([c as tf.Tensor3D, value, tf.tensor3d(winner, [B, n, n], 'int32')]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = dy.dataSync() as Float32Array;
        const cs = saved[0]!.dataSync() as Float32Array;
        const ds = saved[1]!.dataSync() as Float32Array;
        const ws = saved[2]!.dataSync() as Int32Array;
        const out = new Float32Array(B * n * k);
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < n; i++) {
            const rowI = (b * n + i) * k;
            for (let j = 0; j < n; j++) {
              const ij = (b * n + i) * n + j;
              const ji = (b * n + j) * n + i;
              const d = ds[ij]!;
              const G = ((g[ij]! + g[ji]!) * (1 - d * d)) / tau;
              const q = ws[ij]!;
              out[rowI + q]! += G * cs[(b * n + j) * k + q]!;
            }
          }
        }
        return [tf.tensor3d(out, [B, n, k])];
      },
    };
  }) as GradFn);
  return f(C) as tf.Tensor3D;
}

/** Plain-autodiff δ over the full [B, n, n, k] tensor: the oracle the chunked version is tested against. */
export function coMembershipReference(C: tf.Tensor3D, tau: number): tf.Tensor3D {
  const prod = tf.mul(C.expandDims(2), C.expandDims(1));
  return tf.max(tf.tanh(tf.div(prod, tau)), 3) as tf.Tensor3D;
}

/** − mean_b (1/e_b) Σ_ij W_ij δ_ij. */
export function modularityLossFromDelta(g: ModularityGraph, delta: tf.Tensor3D): tf.Scalar {
  const B = g.e.shape[0];
  const perImage = tf.div(tf.sum(tf.mul(g.W, delta), [1, 2]), g.e);
  return tf.neg(tf.div(tf.sum(perImage), B)) as tf.Scalar;
}

/** The full loss for centroids (a variable) on a fixed graph. */
export function modularityLoss(
  g: ModularityGraph,
  centroids: tf.Tensor2D,
  tau: number,
  B: number,
  n: number,
): tf.Scalar {
  const C = assignment(g.xhat, centroids, B, n);
  return modularityLossFromDelta(g, coMembership(C, tau));
}
