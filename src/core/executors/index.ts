/**
 * Executors: what runs a claimed job. The default calls the registered handler; the
 * built-ins retry in process (`RetryWithBackoffEntrypointExecutor`), retry through the
 * database (`DatabaseRetryEntrypointExecutor`), bound the time (`TimeoutEntrypointExecutor`)
 * and move CPU-bound work to threads (`WorkerThreadEntrypointExecutor`). Each takes an
 * `inner` executor, so they compose.
 *
 * @module
 */
export {
  AbstractEntrypointExecutor,
  EntrypointExecutor,
  isExecutor,
  type EntrypointExecutorParameters,
  type ExecutorClass,
  type ExecutorFactory,
  type ExecutorFactoryFunction,
} from "./abstract.js";
export { JITTER_STRATEGIES, type Jitter, type JitterFunction } from "./backoff.js";
export { systemClock, type Clock } from "./clock.js";
export { DATABASE_RETRY_DEFAULTS, DatabaseRetryEntrypointExecutor, type DatabaseRetryOptions } from "./database-retry.js";
export { RETRY_WITH_BACKOFF_DEFAULTS, RetryWithBackoffEntrypointExecutor, type RetryWithBackoffOptions } from "./retry-with-backoff.js";
export { TimeoutEntrypointExecutor, type TimeoutOptions } from "./timeout.js";
export type { WorkerThreadHandler, WorkerThreadJob } from "./worker-protocol.js";
export { WorkerThreadEntrypointExecutor, defaultPoolSize, type WorkerThreadOptions } from "./worker-thread.js";
export { WorkerThreadPool, type PoolTaskSignals, type WorkerPoolOptions } from "./worker-pool.js";
