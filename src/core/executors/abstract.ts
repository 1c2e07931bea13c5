/**
 * Executors: the object that runs a dequeued job for one entrypoint. The worker calls
 * `executor.execute(job, context)` and turns what it returns or throws into the job's
 * outcome (core/outcome.ts). Subclass {@link AbstractEntrypointExecutor} to wrap, dispatch,
 * retry or refuse work; pass the class itself or a factory function as `executorFactory`.
 *
 * @module
 */
import { InvalidExecutorFactoryError } from "../../domain/errors.js";
import type { Job, OnFailure } from "../../domain/types.js";
import type { Context, EntrypointHandler, Resources } from "../context.js";

/** What an executor is built from: the entrypoint's registration. */
export interface EntrypointExecutorParameters<R extends Resources = Resources> {
  /** The entrypoint's name. */
  readonly name: string;
  /** The handler registered with the entrypoint. */
  readonly func: EntrypointHandler<R>;
  /** Global cap on running jobs of this entrypoint across all workers (0 = unlimited). */
  readonly concurrencyLimit: number;
  /** What happens when execution throws: `delete` (log `exception`) or `hold` (`failed`). */
  readonly onFailure: OnFailure;
}

/** Base class of every executor. */
export abstract class AbstractEntrypointExecutor<R extends Resources = Resources> {
  /** The registration this executor serves. */
  readonly parameters: EntrypointExecutorParameters<R>;

  constructor(parameters: EntrypointExecutorParameters<R>) {
    this.parameters = parameters;
  }

  /**
   * Run one job. Resolve when it succeeded; throw to fail it (`RetryRequested` re-queues it).
   * Honour `context.signal`: when it aborts, stop and throw (or return) promptly.
   */
  abstract execute(job: Job, context: Context<R>): Promise<unknown>;

  /**
   * Optional: release what the executor holds (a thread pool, a connection). The worker
   * calls it once when it shuts down, after its last job; executors that wrap another
   * close the one they wrap.
   */
  close?(): Promise<void>;
}

/** The default executor: calls the registered handler with `(job, context)`. */
export class EntrypointExecutor<R extends Resources = Resources> extends AbstractEntrypointExecutor<R> {
  async execute(job: Job, context: Context<R>): Promise<unknown> {
    return this.parameters.func(job, context);
  }
}

/** An executor class (constructed as `new C(parameters)`). */
export type ExecutorClass<R extends Resources = Resources> = new (parameters: EntrypointExecutorParameters<R>) => AbstractEntrypointExecutor<R>;

/** A function that builds the executor. */
export type ExecutorFactoryFunction<R extends Resources = Resources> = (parameters: EntrypointExecutorParameters<R>) => AbstractEntrypointExecutor<R>;

/** What `executorFactory` accepts: the executor class itself, or a factory function. */
export type ExecutorFactory<R extends Resources = Resources> = ExecutorClass<R> | ExecutorFactoryFunction<R>;

/** True when `value` is a class deriving from {@link AbstractEntrypointExecutor}. */
function isExecutorClass(value: unknown): value is ExecutorClass {
  return typeof value === "function" && value.prototype instanceof AbstractEntrypointExecutor;
}

/** True when `value` can serve as an executor (a subclass instance, or anything with `execute`). */
export function isExecutor(value: unknown): value is AbstractEntrypointExecutor {
  return (
    value instanceof AbstractEntrypointExecutor ||
    (typeof value === "object" && value !== null && typeof (value as { execute?: unknown }).execute === "function")
  );
}

/**
 * Build the executor for an entrypoint from its `executorFactory` (default
 * {@link EntrypointExecutor}).
 * @throws InvalidExecutorFactoryError (a `TypeError`) naming the entrypoint when the factory is
 * neither an executor class nor a function, or returns something that is not an executor.
 */
export function buildExecutor<R extends Resources>(parameters: EntrypointExecutorParameters<R>, factory: unknown): AbstractEntrypointExecutor<R> {
  if (factory === undefined) return new EntrypointExecutor(parameters);
  if (isExecutorClass(factory)) return new factory(parameters as EntrypointExecutorParameters) as AbstractEntrypointExecutor<R>;
  if (typeof factory !== "function") {
    throw new InvalidExecutorFactoryError(parameters.name, `executorFactory must be an executor class or a function (parameters) => executor, got ${typeof factory}`);
  }
  let executor: unknown;
  try {
    executor = (factory as ExecutorFactoryFunction<R>)(parameters);
  } catch (error) {
    if (error instanceof TypeError && /class constructor/i.test(error.message)) {
      throw new InvalidExecutorFactoryError(parameters.name, "executorFactory is a class that does not extend AbstractEntrypointExecutor");
    }
    throw error;
  }
  if (!isExecutor(executor)) {
    throw new InvalidExecutorFactoryError(parameters.name, "executorFactory returned something that is not an executor (no execute(job, context) method)");
  }
  return executor as AbstractEntrypointExecutor<R>;
}
