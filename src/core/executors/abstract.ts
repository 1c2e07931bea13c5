/**
 * Executors: the object that runs a dequeued job for one entrypoint. The worker calls
 * `executor.execute(job, context)` and turns what it returns or throws into the job's
 * outcome (core/outcome.ts). Subclass {@link AbstractEntrypointExecutor} to wrap, dispatch,
 * retry or refuse work; pass the class itself or a factory function as `executorFactory`.
 *
 * @module
 */
import type { Job, OnFailure } from "../../domain/types.js";
import type { Context, EntrypointHandler, Resources } from "../context.js";
import { looksLikeExecutor, resolveExecutorFactory } from "../executor-factory.js";

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

/** True when `value` can serve as an executor (a subclass instance, or anything with `execute`). */
export function isExecutor(value: unknown): value is AbstractEntrypointExecutor {
  return looksLikeExecutor(value, AbstractEntrypointExecutor);
}

/**
 * Build the executor for an entrypoint from its `executorFactory` (default
 * {@link EntrypointExecutor}).
 * @throws InvalidExecutorFactoryError (a `TypeError`) naming the entrypoint when the factory is
 * neither an executor class nor a function, or returns something that is not an executor.
 */
export function buildExecutor<R extends Resources>(parameters: EntrypointExecutorParameters<R>, factory: unknown): AbstractEntrypointExecutor<R> {
  return resolveExecutorFactory<EntrypointExecutorParameters<R>, AbstractEntrypointExecutor<R>>(
    { base: AbstractEntrypointExecutor, createDefault: (p) => new EntrypointExecutor(p), noun: "executor", signature: "execute(job, context)" },
    parameters.name,
    parameters,
    factory,
  );
}
