/**
 * Composition: the built-in executors wrap an `inner` executor (by default one that calls the
 * registered handler), so they stack — a timeout inside a retry, a retry around a worker thread.
 *
 * @module
 */
import { describe } from "../../domain/durations.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { Resources } from "../context.js";
import { EntrypointExecutor, isExecutor, type AbstractEntrypointExecutor, type EntrypointExecutorParameters } from "./abstract.js";

/**
 * The executor a wrapper delegates to: `inner` when given (validated), else the default
 * {@link EntrypointExecutor} over `parameters.func`.
 * @throws InvalidArgumentError("inner") when `inner` is not an executor.
 */
export function resolveInner<R extends Resources>(parameters: EntrypointExecutorParameters<R>, inner: unknown): AbstractEntrypointExecutor<R> {
  if (inner === undefined) return new EntrypointExecutor(parameters);
  if (!isExecutor(inner)) {
    throw new InvalidArgumentError("inner", `must be an executor (an object with execute(job, context)), got ${describe(inner)}`);
  }
  return inner as AbstractEntrypointExecutor<R>;
}

/** Close `inner` when it has a `close()` (a wrapper owns what it wraps). */
export async function closeInner(inner: { close?(): Promise<void> }): Promise<void> {
  if (typeof inner.close === "function") await inner.close();
}
