// The soft-modularity loss of Step 1 (clusterbook) and Step 3 (cluster probe).
// loss = − mean_b (1/e_b) Σ_ij W_ij δ_ij with W = A − d dᵀ/e (A = clamped cosine affinity, zero
// diagonal) and δ_ij = max_k tanh(C_ik C_jk / τ), C = clamped cosine to the centroids.
import * as tf from '@tensorflow/tfjs';
import { matMulConstA, type GradFn } from '../tf/matmul.js';
import { l2normalize } from './ops.js';

/** Elements of one [B, n, n, kc] co-membership chunk; bounds memory whatever k is. */
export const CHUNK_ELEMENTS = 4_000_000;

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

function chunkSize(B: number, n: number, k: number, budget: number): number {
  return Math.max(1, Math.min(k, Math.floor(budget / Math.max(1, B * n * n))));
}

/**
 * δ_ij = max_k tanh(C_ik C_jk / τ) = tanh(max_k C_ik C_jk / τ) (tanh is monotone), computed over chunks
 * of concepts so only one [B, n, n, kc] block lives at a time. The gradient is written by hand for the
 * same reason: autodiff would keep every chunk alive for the backward pass. It routes through the
 * winning concept k*_ij: ∂L/∂C_ik = Σ_j (g_ij + g_ji)(1 − δ_ij²)/τ · C_jk · [k*_ij = k].
 */
export function coMembership(C: tf.Tensor3D, tau: number, budget = CHUNK_ELEMENTS): tf.Tensor3D {
  const [B, n, k] = C.shape;
  const kc = chunkSize(B, n, k, budget);
  const f = tf.customGrad(((c: tf.Tensor, save: tf.GradSaveFunc) => {
    const c3 = c as tf.Tensor3D;
    let best: tf.Tensor3D = tf.fill([B, n, n], -1) as tf.Tensor3D;
    let bestK: tf.Tensor3D = tf.zeros([B, n, n], 'int32') as tf.Tensor3D;
    for (let k0 = 0; k0 < k; k0 += kc) {
      const len = Math.min(kc, k - k0);
      const [nb, nk] = tf.tidy(() => {
        const cc = c3.slice([0, 0, k0], [B, n, len]);
        const prod = tf.mul(cc.expandDims(2), cc.expandDims(1)); // [B, n, n, len]
        const m = tf.max(prod, 3) as tf.Tensor3D;
        const arg = tf.add(tf.argMax(prod, 3), k0) as tf.Tensor3D;
        const better = tf.greater(m, best);
        return [tf.where(better, m, best), tf.where(better, arg, bestK)] as [tf.Tensor3D, tf.Tensor3D];
      });
      tf.dispose([best, bestK]);
      best = nb;
      bestK = nk;
    }
    const delta = tf.tidy(() => tf.tanh(tf.div(best, tau))) as tf.Tensor3D;
    best.dispose();
    save([c3, delta, bestK]);
    return {
      value: delta,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sc, sdelta, sk] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const G = tf.tidy(() =>
          tf.mul(tf.add(dy, tf.transpose(dy, [0, 2, 1])), tf.div(tf.sub(1, tf.square(sdelta)), tau)),
        );
        const parts: tf.Tensor[] = [];
        for (let k0 = 0; k0 < k; k0 += kc) {
          const len = Math.min(kc, k - k0);
          parts.push(
            tf.tidy(() => {
              const cc = sc.slice([0, 0, k0], [B, n, len]);
              const ids = tf.add(tf.range(0, len, 1, 'int32'), k0).reshape([1, 1, 1, len]);
              const mask = tf.equal(sk.expandDims(3), ids).toFloat(); // [B, n, n, len]
              const weighted = tf.mul(tf.mul(mask, G.expandDims(3)), cc.expandDims(1));
              return tf.sum(weighted, 2); // [B, n, len]
            }),
          );
        }
        G.dispose();
        const out = parts.length === 1 ? parts[0]! : tf.concat(parts, 2);
        if (parts.length > 1) tf.dispose(parts);
        return [out];
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
  budget = CHUNK_ELEMENTS,
): tf.Scalar {
  const C = assignment(g.xhat, centroids, B, n);
  return modularityLossFromDelta(g, coMembership(C, tau, budget));
}
