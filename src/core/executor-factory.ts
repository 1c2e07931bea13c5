/**
 * Resolving an `executorFactory` — the executor class itself, or a function
 * `(parameters) => executor` — for entrypoints and schedules alike.
 *
 * @module
 */
import { InvalidExecutorFactoryError } from "../domain/errors.js";

/** What {@link resolveExecutorFactory} needs to know about one kind of executor. */
export interface ExecutorKind<P, E> {
  /** The abstract base class every executor of this kind extends. */
  readonly base: abstract new (parameters: P) => E;
  /** Builds the default executor when no factory is given. */
  readonly createDefault: (parameters: P) => E;
  /** Names the executor in messages: "executor" or "schedule executor". */
  readonly noun: string;
  /** The signature of `execute`, for messages: "execute(job, context)". */
  readonly signature: string;
}

/** True when `value` can serve as an executor: an instance of `base`, or anything with `execute`. */
export function looksLikeExecutor<E>(value: unknown, base: abstract new (...args: never[]) => E): value is E {
  return value instanceof base || (typeof value === "object" && value !== null && typeof (value as { execute?: unknown }).execute === "function");
}

/**
 * Build an executor from a factory.
 * @param owner the entrypoint or schedule name, for error messages.
 * @throws InvalidExecutorFactoryError (a `TypeError`) naming `owner` when the factory is neither
 * a subclass of `kind.base` nor a function, or returns something that is not an executor.
 */
export function resolveExecutorFactory<P, E>(kind: ExecutorKind<P, E>, owner: string, parameters: P, factory: unknown): E {
  if (factory === undefined) return kind.createDefault(parameters);
  if (typeof factory === "function" && factory.prototype instanceof kind.base) {
    return new (factory as new (parameters: P) => E)(parameters);
  }
  if (typeof factory !== "function") {
    throw new InvalidExecutorFactoryError(owner, `executorFactory must be a ${kind.noun} class or a function (parameters) => ${kind.noun}, got ${typeof factory}`);
  }
  let executor: unknown;
  try {
    executor = (factory as (parameters: P) => unknown)(parameters);
  } catch (error) {
    // Calling a class without `new` throws this TypeError: a class that does not extend the base.
    if (error instanceof TypeError && /class constructor/i.test(error.message)) {
      throw new InvalidExecutorFactoryError(owner, `executorFactory is a class that does not extend ${kind.base.name}`);
    }
    throw error;
  }
  if (!looksLikeExecutor(executor, kind.base)) {
    throw new InvalidExecutorFactoryError(owner, `executorFactory returned something that is not a ${kind.noun} (no ${kind.signature} method)`);
  }
  return executor;
}
