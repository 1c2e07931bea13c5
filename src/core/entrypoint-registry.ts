/**
 * Registered entrypoints: validation at registration (CATALOGUE REG-*) and lookup at dispatch.
 *
 * @module
 */
import { InvalidArgumentError, PgQueuerTypeError, RegistrationError } from "../domain/errors.js";
import { describe } from "../domain/durations.js";
import type { OnFailure } from "../domain/types.js";
import type { EntrypointHandler, Resources } from "./context.js";
import { buildExecutor, type AbstractEntrypointExecutor, type EntrypointExecutorParameters, type ExecutorFactory } from "./executors/abstract.js";
import type { EntrypointLimit, RateLimit } from "../ports/repository.js";
import { MAX_TIMER_DELAY } from "./executors/clock.js";
import { TimeoutEntrypointExecutor } from "./executors/timeout.js";

/** Options of `entrypoint(name, options, handler)`. */
export interface EntrypointOptions<R extends Resources = Resources> {
  /** Global cap on running jobs of this entrypoint across every worker (0 = unlimited). */
  readonly concurrencyLimit?: number;
  /** `delete` (default): a failed job is removed and logged `exception`; `hold`: kept as `failed` for requeue. */
  readonly onFailure?: OnFailure;
  /** The executor class itself, or a function `(parameters) => executor`. */
  readonly executorFactory?: ExecutorFactory<R>;
  /**
   * Milliseconds one execution may take (finite, more than 0). The executor (default or
   * `executorFactory`'s) is wrapped in {@link TimeoutEntrypointExecutor}: at the deadline the
   * job's signal aborts and the job fails with `JobTimeoutError` like any other error
   * (`exception`, or held as `failed` with `onFailure: "hold"`).
   */
  readonly timeout?: number;
  /**
   * At most `count` jobs of this entrypoint picked in any window of `per` ms, across every
   * worker on the database (enforced by the claim in SQL). `count` is a positive integer, `per`
   * a positive finite number of milliseconds.
   */
  readonly rateLimit?: RateLimit;
  /**
   * Store the handler's return value (as JSON) when the job succeeds, for
   * `CompletionWatcher.waitForResult` / `enqueueAndWait`. Needs the results extension table
   * (`pgq upgrade`); a value JSON cannot hold fails the job with `ResultSerializationError`.
   */
  readonly storeResult?: boolean;
}

/** Extra per-registration settings the runtime reads besides the executor parameters. */
export interface RegistrationOptions {
  /** The validated rate limit, or null. */
  readonly rateLimit: RateLimit | null;
  /** Whether successes store the handler's return value. */
  readonly storeResult?: boolean;
}

/** One registration. */
export interface Registration<R extends Resources = Resources> {
  readonly parameters: EntrypointExecutorParameters<R>;
  readonly executor: AbstractEntrypointExecutor<R>;
  /** Options beyond PgQueuer's (rate limit, ...). */
  readonly options?: RegistrationOptions;
}

/** See the module documentation. */
export class EntrypointRegistry<R extends Resources = Resources> {
  readonly #entries = new Map<string, Registration<R>>();
  #limits: EntrypointLimit[] = [];

  /**
   * Register a handler.
   * @throws RegistrationError for a duplicate or empty name; PgQueuerTypeError for a handler that
   * is not a function; InvalidArgumentError for a bad concurrencyLimit or onFailure;
   * InvalidExecutorFactoryError for a bad executorFactory; InvalidArgumentError for a bad timeout.
   */
  register(name: string, options: EntrypointOptions<R>, handler: EntrypointHandler<R>): Registration<R> {
    if (typeof name !== "string" || name.length === 0) {
      throw new RegistrationError(`entrypoint name must be a non-empty string, got ${describe(name)}`);
    }
    if (this.#entries.has(name)) throw new RegistrationError(`entrypoint '${name}' is already registered; names must be unique`);
    if (typeof handler !== "function") {
      throw new PgQueuerTypeError(`entrypoint '${name}': the handler must be a function (job, context) => ..., got ${describe(handler)}`);
    }
    const concurrencyLimit = options.concurrencyLimit ?? 0;
    if (typeof concurrencyLimit !== "number" || !Number.isInteger(concurrencyLimit) || concurrencyLimit < 0 || concurrencyLimit > 2_147_483_647) {
      throw new InvalidArgumentError("concurrencyLimit", `entrypoint '${name}': must be an integer >= 0 (0 = unlimited), got ${describe(concurrencyLimit)}`);
    }
    const onFailure = options.onFailure ?? "delete";
    if (onFailure !== "delete" && onFailure !== "hold") {
      throw new InvalidArgumentError("onFailure", `entrypoint '${name}': must be "delete" or "hold", got ${describe(onFailure)}`);
    }
    const timeout = checkTimeout(name, options.timeout);
    const rateLimit = checkRateLimit(name, options.rateLimit);
    const storeResult = options.storeResult ?? false;
    if (typeof storeResult !== "boolean") throw new InvalidArgumentError("storeResult", `entrypoint '${name}': must be a boolean, got ${describe(storeResult)}`);
    const parameters: EntrypointExecutorParameters<R> = Object.freeze({ name, func: handler, concurrencyLimit, onFailure });
    const built = buildExecutor(parameters, options.executorFactory);
    const executor = timeout === undefined ? built : new TimeoutEntrypointExecutor(parameters, { timeout, inner: built });
    const registration: Registration<R> = { parameters, executor, options: { rateLimit, storeResult } };
    this.#entries.set(name, registration);
    this.#limits = [...this.#entries.values()].map(({ parameters: p, options: extra }) => ({
      name: p.name,
      concurrencyLimit: p.concurrencyLimit,
      ...(extra?.rateLimit ? { rateLimit: extra.rateLimit } : {}),
    }));
    return registration;
  }

  /** The registration for `name`, if any. */
  get(name: string): Registration<R> | undefined {
    return this.#entries.get(name);
  }

  /** Names and limits of every entrypoint, as the dequeue needs them. */
  get limits(): readonly EntrypointLimit[] {
    return this.#limits;
  }

  /** Names of every entrypoint. */
  get names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Every registration. */
  values(): IterableIterator<Registration<R>> {
    return this.#entries.values();
  }
}

/** Validate the `timeout` option: undefined, or a finite number of ms in (0, MAX_TIMER_DELAY]. */
function checkTimeout(name: string, timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError("timeout", `entrypoint '${name}': must be a finite number of milliseconds, more than 0 and at most ${MAX_TIMER_DELAY}, got ${describe(timeout)}`);
  }
  return timeout;
}

/** Validate the `rateLimit` option: undefined, or `{ count: integer >= 1, per: ms > 0 }`. */
function checkRateLimit(name: string, rateLimit: unknown): RateLimit | null {
  if (rateLimit === undefined) return null;
  if (typeof rateLimit !== "object" || rateLimit === null) {
    throw new InvalidArgumentError("rateLimit", `entrypoint '${name}': must be { count, per }, got ${describe(rateLimit)}`);
  }
  const { count, per } = rateLimit as { count?: unknown; per?: unknown };
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 2_147_483_647) {
    throw new InvalidArgumentError("rateLimit.count", `entrypoint '${name}': must be an integer >= 1, got ${describe(count)}`);
  }
  if (typeof per !== "number" || !Number.isFinite(per) || per <= 0 || per > 1e14) {
    throw new InvalidArgumentError("rateLimit.per", `entrypoint '${name}': must be a finite number of milliseconds more than 0, got ${describe(per)}`);
  }
  return Object.freeze({ count, per });
}
