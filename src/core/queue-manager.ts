/**
 * The QueueManager: one worker. `run()` reads as the algorithm:
 *
 *   verify schema → listen → loop { claim while there are free slots and jobs come back;
 *   (drain: stop when nothing is left) ; wait for a notification, a free slot or the
 *   adaptive poll timeout } → shut down gracefully.
 *
 * Each claimed job runs concurrently through its entrypoint's executor; its outcome is decided
 * in core/outcome.ts and written in batches; the loop itself lives in core/run-session.ts.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { coerceError } from "../domain/errors.js";
import { silentLogger, type Logger } from "../domain/logger.js";
import type { JobId } from "../domain/types.js";
import type { Driver } from "../ports/driver.js";
import type { QueueRepository } from "../ports/repository.js";
import type { Context, EntrypointHandler, Resources } from "./context.js";
import { EntrypointRegistry, type EntrypointOptions, type Registration } from "./entrypoint-registry.js";
import type { JobObserver } from "./observer.js";
import { resolveRunOptions, type RunOptions } from "./run-options.js";
import { RunSession } from "./run-session.js";

/** Constructor options of {@link QueueManager}. */
export interface QueueManagerOptions<R extends Resources> {
  readonly repository: QueueRepository;
  /** The connection used to LISTEN (and NOTIFY health probes). */
  readonly driver: Driver;
  readonly resources?: R;
  readonly logger?: Logger;
  readonly observer?: JobObserver;
}

/** See the module documentation. */
export class QueueManager<R extends Resources = Resources> {
  /** This worker's id, written into every job it owns. */
  readonly queueManagerId: string = randomUUID();
  readonly resources: R;
  readonly repository: QueueRepository;
  readonly #driver: Driver;
  readonly #logger: Logger;
  readonly #observer: JobObserver;
  readonly #registry = new EntrypointRegistry<R>();
  #session: RunSession<R> | undefined;
  /** Aborted by a `stop()` that arrives while `run()` is still verifying the schema. */
  #startup: AbortController | undefined;

  constructor(options: QueueManagerOptions<R>) {
    this.repository = options.repository;
    this.#driver = options.driver;
    this.resources = options.resources ?? ({} as R);
    this.#logger = options.logger ?? silentLogger;
    this.#observer = options.observer ?? {};
  }

  /** Register `handler` for jobs of entrypoint `name` (see {@link EntrypointOptions}). */
  entrypoint(name: string, options: EntrypointOptions<R>, handler: EntrypointHandler<R>): Registration<R> {
    return this.#registry.register(name, options, handler);
  }

  /** The registered entrypoints. */
  get registry(): EntrypointRegistry<R> {
    return this.#registry;
  }

  /** Whether `run()` is in progress. */
  get isRunning(): boolean {
    return this.#session !== undefined;
  }

  /** The context of a job this worker is running now, or undefined. */
  getContext(jobId: JobId): Context<R> | undefined {
    return this.#session?.running.get(jobId)?.context;
  }

  /** Begin a graceful shutdown; `run()` resolves once it is complete (also when `run()` is still starting). */
  stop(): void {
    this.#session?.stop();
    this.#startup?.abort();
  }

  /**
   * Log, as warnings, what the repository finds wrong with the upkeep of the queue tables
   * (autovacuum off). In the background: nothing waits for it, and a failure is only noted.
   */
  async #reportMaintenance(): Promise<void> {
    try {
      const warnings = (await this.repository.maintenanceWarnings?.()) ?? [];
      for (const warning of warnings) this.#logger.warn({}, warning);
    } catch (error) {
      this.#logger.debug({ err: coerceError(error) }, "could not check the queue tables' autovacuum settings");
    }
  }

  /**
   * Process jobs until stopped (or, in drain mode, until no eligible work is left).
   * Resolves after a graceful shutdown; rejects with the error that stopped it.
   */
  async run(options: RunOptions = {}): Promise<void> {
    const config = resolveRunOptions(options);
    if (this.#session || this.#startup) throw new Error("this QueueManager is already running");
    const startup = new AbortController();
    this.#startup = startup;
    let session: RunSession<R>;
    try {
      await this.repository.verifyStructure();
      // Results need the extension table: fail at start (SchemaError: run `pgq upgrade`), not per job.
      if ([...this.#registry.values()].some((registration) => registration.options?.storeResult === true)) await this.repository.verifyResultStorage?.();
      void this.#reportMaintenance();
      session = new RunSession(this, config, this.#registry, this.#driver, this.#logger, this.#observer);
      this.#session = session;
    } finally {
      this.#startup = undefined;
    }
    if (startup.signal.aborted) session.stop();
    try {
      await session.run();
    } finally {
      this.#session = undefined;
    }
  }
}
