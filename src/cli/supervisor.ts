/**
 * The supervisor behind `pgq run` (CATALOGUE §25): call the user's factory, run the worker it
 * returns, tear it down, and, with `restartOnFailure`, do it all again after a crash.
 *
 * One cycle:
 *
 * ```
 * factory(args, context) ──> validate ──> run({ ...options, signal: cycle }) ──> hooks.finished ──> dispose
 *        │                      │                  │
 *        │ throws               │ not a PgQueuer   │ throws
 *        └──────────────────────┴──────────────────┴──> failure: restart after restartDelay, or rethrow
 * ```
 *
 * The process-level shutdown signal is forwarded into a fresh per-cycle signal (SUP-4): a
 * cycle never shares its controller with the next one. A cycle that ends cleanly (drain done,
 * or a graceful stop) ends the supervisor even with `restartOnFailure` (SUP-10). Configuration
 * mistakes ({@link InvalidArgumentError}, e.g. the factory returned something that is not a
 * PgQueuer) are never retried: no restart can fix them.
 *
 * @module
 */
import { assertDuration, describe } from "../domain/durations.js";
import { coerceError, InvalidArgumentError } from "../domain/errors.js";
import type { Logger } from "../domain/logger.js";
import type { QueueStatistics } from "../domain/types.js";
import type { ThroughputStats } from "../domain/insights.js";
import type { RunOptions } from "../core/run-options.js";
import { sleep } from "./signals.js";

/** What the supervisor needs from a worker: a `PgQueuer` (or anything shaped like one). */
export interface SupervisedWorker {
  run(options?: RunOptions): Promise<void>;
  stop(): void;
  /** Present on `PgQueuer`; used for the drain progress display and summary. */
  readonly queries?: {
    queueSize?(): Promise<QueueStatistics[]>;
    throughputSummary?(options?: { readonly last?: number | null }): Promise<ThroughputStats[]>;
  };
}

/** What the factory receives after the arguments given after `--`. */
export interface FactoryContext {
  /** A logger at the CLI's `--log-level`: pass it to `PgQueuer.connect({ logger })`. */
  readonly logger: Logger;
  /** Aborted when the process is asked to shut down. */
  readonly signal: AbortSignal;
  /**
   * The CLI's `--pg-dsn` / `--data-dir`, when given: spread them into `PgQueuer.connect()` so
   * the worker uses the database the command line names.
   */
  readonly connectOptions: { readonly dsn?: string; readonly dataDir?: string };
}

/** A worker factory: returns a PgQueuer (sync or async), or `{ pgq, [Symbol.asyncDispose] }`. */
export type WorkerFactory = (args: string[], context: FactoryContext) => unknown;

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  readonly factory: WorkerFactory;
  /** Arguments after `--` on the command line, handed to the factory. */
  readonly args?: readonly string[];
  /** Forwarded to `run()` (without `signal`: the supervisor supplies one per cycle). */
  readonly runOptions?: Omit<RunOptions, "signal">;
  readonly restartOnFailure?: boolean;
  /** Milliseconds between a crash and the next factory call (default 5 000; must be >= 0). */
  readonly restartDelay?: number;
  /** The process shutdown signal (SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Handed to the factory as `context.connectOptions`. */
  readonly connectOptions?: FactoryContext["connectOptions"];
  /** Called around each cycle's run (for the progress display and summary). */
  readonly hooks?: {
    started?(worker: SupervisedWorker): void;
    /** Awaited after `run()` settles, before the worker is disposed. */
    finished?(worker: SupervisedWorker, failed: boolean): Promise<void>;
  };
}

/** A factory's result, normalized: the worker and how to release it. */
interface CycleWorker {
  readonly worker: SupervisedWorker;
  readonly dispose: () => Promise<void>;
}

/**
 * Run the factory's worker until it ends cleanly or the signal stops it; restart after a
 * failure when asked. Resolves after the last cycle's teardown.
 * @throws InvalidArgumentError for a negative `restartDelay`, before the factory is called.
 * @throws the failure of a cycle when `restartOnFailure` is off.
 */
export async function supervise(options: SuperviseOptions): Promise<void> {
  const restartDelay = options.restartDelay ?? 5_000;
  if (typeof restartDelay === "number" && restartDelay < 0) {
    throw new InvalidArgumentError("restartDelay", `must be >= 0, got ${restartDelay}`);
  }
  assertDuration("restartDelay", restartDelay);
  const { signal, logger } = options;

  while (!signal.aborted) {
    try {
      await runCycle(options);
      return;
    } catch (error) {
      const failure = coerceError(error);
      if (options.restartOnFailure !== true || failure instanceof InvalidArgumentError || signal.aborted) throw failure;
      logger.error({ err: failure }, `worker failed; restarting in ${restartDelay} ms`);
      await sleep(restartDelay, signal);
    }
  }
}

async function runCycle(options: SuperviseOptions): Promise<void> {
  const cycle = new AbortController();
  const forward = (): void => cycle.abort(options.signal.reason);
  options.signal.addEventListener("abort", forward, { once: true });
  try {
    const { worker, dispose } = normalize(await options.factory([...(options.args ?? [])], { logger: options.logger, signal: cycle.signal, connectOptions: { ...options.connectOptions } }));
    let failed = true;
    try {
      options.hooks?.started?.(worker);
      await worker.run({ ...options.runOptions, signal: cycle.signal });
      failed = false;
    } finally {
      try {
        await options.hooks?.finished?.(worker, failed);
      } finally {
        await dispose();
      }
    }
  } finally {
    options.signal.removeEventListener("abort", forward);
  }
}

function isWorker(value: unknown): value is SupervisedWorker {
  return typeof value === "object" && value !== null && typeof (value as SupervisedWorker).run === "function" && typeof (value as SupervisedWorker).stop === "function";
}

type Disposer = () => unknown;

/** The first way `value` offers to release itself, if any. */
function disposerOf(value: object): Disposer | undefined {
  const candidate = value as { [Symbol.asyncDispose]?: Disposer; [Symbol.dispose]?: Disposer; close?: Disposer; dispose?: Disposer };
  const method = candidate[Symbol.asyncDispose] ?? candidate[Symbol.dispose] ?? candidate.close ?? candidate.dispose;
  return typeof method === "function" ? () => method.call(value) : undefined;
}

/**
 * Accept a PgQueuer (disposed with `[Symbol.asyncDispose]`/`close()`), or an object holding
 * one under `pgq` together with its own disposer (run after the PgQueuer's, so the worker is
 * closed before the pool or client it used).
 */
function normalize(result: unknown): CycleWorker {
  if (isWorker(result)) {
    const dispose = disposerOf(result);
    return { worker: result, dispose: async () => void (await dispose?.()) };
  }
  if (typeof result === "object" && result !== null && isWorker((result as { pgq?: unknown }).pgq)) {
    const worker = (result as { pgq: SupervisedWorker }).pgq;
    const own = disposerOf(result);
    const inner = disposerOf(worker);
    return {
      worker,
      dispose: async () => {
        try {
          await inner?.();
        } finally {
          await own?.();
        }
      },
    };
  }
  throw new InvalidArgumentError(
    "factory",
    `the factory returned ${describe(result)}; it must return a PgQueuer (or a promise of one), or { pgq, [Symbol.asyncDispose]() } to also release its own resources`,
  );
}
