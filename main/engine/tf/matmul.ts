// 2-D matMul with a hand-written gradient built only from non-transposed 2-D matMuls.
// Why: on wasm the stock matMul gradient emits transposed/batched matMuls that run 10-40× slower than a
// plain 2-D matMul; transposing explicitly first and multiplying plainly is what makes training usable.
// The `Const*` variants take one operand as a constant and skip its gradient entirely.
import * as tf from '@tensorflow/tfjs';

type T2 = tf.Tensor2D;
/** tf.customGrad's parameter type is variadic; our functions have fixed arity. */
export type GradFn = Parameters<typeof tf.customGrad>[0];

const both = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as T2, b as T2),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [T2, T2];
      return [tf.matMul(dy as T2, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as T2)];
    },
  };
}) as GradFn);

/** a·b with gradients for both operands. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return both(a, b) as T2;
}

/** a·b where `a` is a constant (features): only b gets a gradient (aᵀ·dy). */
export function matMulConstA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((bb: tf.Tensor, save: tf.GradSaveFunc) => {
    // Constants are saved too: the forward pass runs in a tidy scope that would dispose them.
    save([a]);
    return {
      value: tf.matMul(a, bb as T2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(tf.transpose(saved[0] as T2), dy as T2)],
    };
  }) as GradFn);
  return f(b) as T2;
}

/** a·b where `b` is a constant: only a gets a gradient (dy·bᵀ). */
export function matMulConstB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((aa: tf.Tensor, save: tf.GradSaveFunc) => {
    save([b]);
    return {
      value: tf.matMul(aa as T2, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy as T2, tf.transpose(saved[0] as T2))],
    };
  }) as GradFn);
  return f(a) as T2;
}

/** x·W + b for x of any rank (flattened to 2-D for the product). */
export function dense(x: tf.Tensor, w: tf.Tensor2D, bias?: tf.Tensor1D, constInput = false): tf.Tensor {
  const shape = x.shape;
  const x2 = x.reshape([-1, shape[shape.length - 1]!]) as T2;
  let y: tf.Tensor = constInput ? matMulConstA(x2, w) : matMul(x2, w);
  if (bias) y = tf.add(y, bias);
  return y.reshape([...shape.slice(0, -1), w.shape[1]]);
}
