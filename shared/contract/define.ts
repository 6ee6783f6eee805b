// How a contract method is declared: a zod schema for its arguments (validated at the engine boundary)
// and a phantom type for its result. Both transports and the renderer derive their types from this.
import type { z } from 'zod';

export interface MethodSpec<A extends z.ZodType, R> {
  readonly args: A;
  /** Phantom: carries the result type only. */
  readonly result: R;
  /** Long requests take an AbortSignal and can be cancelled by the caller. */
  readonly cancellable: boolean;
}

/** `method<Result>()(argsSchema)` — two calls so the result type can be given while args are inferred. */
export function method<R>() {
  return <A extends z.ZodType>(args: A, options: { cancellable?: boolean } = {}): MethodSpec<A, R> => ({
    args,
    result: undefined as unknown as R,
    cancellable: options.cancellable ?? false,
  });
}

/** The part of AbortSignal the contract relies on (shared/ has no DOM or Node typings). */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
}
