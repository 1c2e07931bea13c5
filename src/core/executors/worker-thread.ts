/**
 * Runs CPU-bound handlers on a pool of worker threads, so a heavy (or runaway) job cannot
 * freeze the worker's event loop — heartbeats, notifications and other jobs keep going.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ResourceLimits } from "node:worker_threads";
import { assertInteger, describe } from "../../domain/durations.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { Job } from "../../domain/types.js";
import type { Context, Resources } from "../context.js";
import { AbstractEntrypointExecutor, type EntrypointExecutorParameters } from "./abstract.js";
import { WorkerThreadPool } from "./worker-pool.js";

/** Options of {@link WorkerThreadEntrypointExecutor}. */
export interface WorkerThreadOptions {
  /**
   * The handler module: a `file:` URL (recommended: `new URL("./handler.js", import.meta.url)`)
   * or a file path (a relative path is resolved against the current working directory).
   * `.js`/`.mjs`/`.cjs` modules load directly; `.ts`/`.mts`/`.cts` ones need tsx installed.
   */
  readonly module: string | URL;
  /** The export that is the handler (default `"default"`). */
  readonly exportName?: string;
  /** Most threads at once (default: available cores minus one, between 1 and 8). */
  readonly poolSize?: number;
  /** V8 heap limits for each thread (see `worker_threads.ResourceLimits`). */
  readonly resourceLimits?: ResourceLimits;
}

const TYPESCRIPT_EXTENSION = /\.(?:ts|mts|cts)$/;

/** The default pool size: leave a core to the event loop, and stay modest. */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 8));
}

/**
 * Runs each job in a worker thread, calling the function a module exports with a copy of the
 * job's data (a `WorkerThreadJob`: id, entrypoint, payload, headers, attempts, priority).
 * The registered handler function is not called: the module is the handler.
 *
 * - The handler's return value comes back as the job's result; an error it throws comes back
 *   with its name, message, stack and `cause` chain (a `RetryRequested` stays one).
 * - Canceling the job (its signal aborts) terminates the thread running it — even a
 *   `while (true) {}` stops — and a fresh thread takes its place.
 * - At most `poolSize` jobs run at once; more wait for a thread (keeping their heartbeat).
 *   A job still waiting when shutdown begins goes back to the queue.
 * - `close()` terminates the threads; the worker calls it at shutdown. A job submitted
 *   later starts a fresh thread, so the executor survives a second `run()`.
 *
 * Threads start when jobs need them and load the module once each.
 */
export class WorkerThreadEntrypointExecutor<R extends Resources = Resources> extends AbstractEntrypointExecutor<R> {
  /** The handler module's URL. */
  readonly moduleUrl: URL;
  /** The export that is the handler. */
  readonly exportName: string;
  /** Most threads at once. */
  readonly poolSize: number;
  /** The thread pool (exposed for monitoring: thread, running and waiting counts). */
  readonly pool: WorkerThreadPool;

  /** @throws InvalidArgumentError naming the first invalid option. */
  constructor(parameters: EntrypointExecutorParameters<R>, options: WorkerThreadOptions) {
    super(parameters);
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("module", `options { module } are required, got ${describe(options)}`);
    }
    this.moduleUrl = resolveModule(options.module);
    const exportName = options.exportName ?? "default";
    if (typeof exportName !== "string" || exportName === "") {
      throw new InvalidArgumentError("exportName", `must be a non-empty string, got ${describe(exportName)}`);
    }
    this.exportName = exportName;
    this.poolSize = assertInteger("poolSize", options.poolSize ?? defaultPoolSize(), 1, 1024);
    if (options.resourceLimits !== undefined && (typeof options.resourceLimits !== "object" || options.resourceLimits === null)) {
      throw new InvalidArgumentError("resourceLimits", `must be an object, got ${describe(options.resourceLimits)}`);
    }
    this.pool = new WorkerThreadPool({
      moduleUrl: this.moduleUrl.href,
      exportName,
      typescript: TYPESCRIPT_EXTENSION.test(this.moduleUrl.pathname),
      size: this.poolSize,
      resourceLimits: options.resourceLimits,
    });
  }

  /** Run the job on a pool thread. */
  async execute(job: Job, context: Context<R>): Promise<unknown> {
    const payload = job.payload === null ? null : new Uint8Array(job.payload); // a copy: never ship a shared Buffer slab
    return this.pool.run(
      { id: job.id, entrypoint: job.entrypoint, payload, headers: job.headers, attempts: job.attempts, priority: job.priority },
      { signal: context.signal, shutdown: context.shutdown },
    );
  }

  /** Terminate the pool's threads. */
  override async close(): Promise<void> {
    await this.pool.close();
  }
}

function resolveModule(module: unknown): URL {
  let url: URL;
  if (module instanceof URL) url = module;
  else if (typeof module === "string" && module !== "") url = /^[a-z][a-z0-9+.-]+:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? new URL(module) : pathToFileURL(resolvePath(module));
  else throw new InvalidArgumentError("module", `must be a file path or a file: URL, got ${describe(module)}`);
  if (url.protocol !== "file:") throw new InvalidArgumentError("module", `must be a file: URL, got ${url.href}`);
  if (!existsSync(fileURLToPath(url))) throw new InvalidArgumentError("module", `no such file: ${fileURLToPath(url)}`);
  return url;
}
