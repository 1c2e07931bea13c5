/**
 * Every error the library throws on purpose is a {@link PgQueuerError} (`instanceof` works for
 * all of them, including the few that also extend a built-in such as `TypeError`).
 *
 * @module
 */
import type { JobId } from "./types.js";

const BRAND: unique symbol = Symbol.for("pgqueuer.error");

function brand(error: Error): void {
  Object.defineProperty(error, BRAND, { value: true, enumerable: false });
}

/** Base class of every pgqueuer error. */
export class PgQueuerError extends Error {
  /** Brand check, so errors that extend built-ins (see {@link PgQueuerTypeError}) count too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== PgQueuerError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    brand(this);
  }
}

/** A `TypeError` that is also a {@link PgQueuerError}: a value of the wrong kind was passed. */
export class PgQueuerTypeError extends TypeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    brand(this);
  }
}

/** An argument, option or setting has an invalid value; `setting` names it. */
export class InvalidArgumentError extends PgQueuerError {
  /** The name of the option, setting or argument at fault. */
  readonly setting: string;
  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(`${setting}: ${message}`, options);
    this.setting = setting;
  }
}

/** An entrypoint or schedule registration is invalid (duplicate name, bad handler, ...). */
export class RegistrationError extends PgQueuerError {}

/**
 * A cron expression given to `schedule(...)` is malformed or never fires. The message names
 * the expression and, when one field is to blame, that field (`minute`, `second`, ...).
 */
export class CronExpressionError extends InvalidArgumentError {
  /** The expression as the caller wrote it. */
  readonly expression: string;
  /** The offending field, or null when the expression as a whole is at fault. */
  readonly field: string | null;
  constructor(expression: string, reason: string, field: string | null = null, options?: { cause?: unknown }) {
    super("expression", `invalid cron expression ${JSON.stringify(expression)}: ${field === null ? "" : `${field} field: `}${reason}`, options);
    this.expression = expression;
    this.field = field;
  }
}

/** The `executorFactory` of an entrypoint is neither an executor class nor a factory function. */
export class InvalidExecutorFactoryError extends PgQueuerTypeError {
  readonly entrypoint: string;
  constructor(entrypoint: string, message: string) {
    super(`entrypoint '${entrypoint}': ${message}`);
    this.entrypoint = entrypoint;
  }
}

/** The database schema is missing an object the runtime needs; the message says what to run. */
export class SchemaError extends PgQueuerError {}

/** A database error, with its SQLSTATE `code` when the server sent one. */
export class DatabaseError extends PgQueuerError {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  constructor(message: string, details: { code?: string; detail?: string; constraint?: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.code = details.code;
    this.detail = details.detail;
    this.constraint = details.constraint;
  }
}

/** The connection to the database was lost or could not be established. */
export class ConnectionError extends DatabaseError {}

/** A BIGINT id from the database does not fit a JavaScript number (beyond 2^53 - 1). */
export class IdOutOfRangeError extends PgQueuerError {
  readonly value: string;
  constructor(value: string) {
    super(`id ${value} exceeds Number.MAX_SAFE_INTEGER (2^53 - 1) and cannot be represented exactly`);
    this.value = value;
  }
}

/** Enqueue hit an active job holding the same dedupe key (with `onConflict: "raise"`). */
export class DuplicateJobError extends PgQueuerError {
  /** Every dedupe key of the failing call, in input order (`null` where none was given). */
  readonly dedupeKeys: readonly (string | null)[];
  constructor(dedupeKeys: readonly (string | null)[], options?: { cause?: unknown }) {
    const keys = dedupeKeys.filter((k) => k !== null);
    super(`an active job already holds dedupe key ${keys.map((k) => JSON.stringify(k)).join(", ")}`, options);
    this.dedupeKeys = dedupeKeys;
  }
}

/** SQL was sent to the in-memory driver (`PgQueuer.inMemory()`), which keeps its state in process and runs no SQL. */
export class InMemoryDriverError extends PgQueuerError {
  constructor(operation: string) {
    super(`the in-memory driver runs no SQL (${operation}); use the in-memory queries instead`);
  }
}

/** The LISTEN connection stopped echoing health probes. */
export class FailingListenerError extends PgQueuerError {}

/** Base class of the retry-related errors. */
export class RetryException extends PgQueuerError {}

/**
 * Thrown by a handler to put its job back in the queue: the same row returns to `queued` with
 * `attempts + 1`, eligible after `delay` ms. Never held, never deleted.
 */
export class RetryRequested extends RetryException {
  /** Milliseconds before the job becomes eligible again. */
  readonly delay: number;
  readonly reason: string | null;
  constructor(options: { delay?: number; reason?: string | null; cause?: unknown } = {}) {
    super(options.reason ?? "Retry requested", { cause: options.cause });
    const delay = options.delay ?? 0;
    if (!Number.isFinite(delay)) throw new InvalidArgumentError("delay", `must be a finite number of milliseconds, got ${delay}`);
    this.delay = delay;
    this.reason = options.reason ?? null;
  }
}

/** An in-process retry executor ran out of attempts; `cause` is the last error. */
export class MaxRetriesExceeded extends RetryException {
  readonly attempts: number;
  constructor(attempts: number, options?: { cause?: unknown }) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}`, options);
    this.attempts = attempts;
  }
}

/** An in-process retry executor ran out of time; `cause` is the last error, if any. */
export class MaxTimeExceeded extends RetryException {
  /** Milliseconds spent on attempts and waits. */
  readonly elapsed: number;
  readonly maxTime: number;
  constructor(elapsed: number, maxTime: number, options?: { cause?: unknown }) {
    super(`gave up after ${Math.round(elapsed)} ms (maxTime ${maxTime} ms)`, options);
    this.elapsed = elapsed;
    this.maxTime = maxTime;
  }
}

/** A job ran longer than its timeout; its signal was aborted. */
export class JobTimeoutError extends PgQueuerError {
  readonly timeout: number;
  readonly jobId: JobId | undefined;
  constructor(timeout: number, jobId?: JobId) {
    super(`job${jobId === undefined ? "" : ` ${jobId}`} exceeded its timeout of ${timeout} ms`);
    this.timeout = timeout;
    this.jobId = jobId;
  }
}

/** A job was canceled (via `markJobAsCancelled`) while it ran; its signal carries this reason. */
export class JobCancelledError extends PgQueuerError {}

/** The worker is shutting down; running jobs' signals carry this reason after `shutdownTimeout`. */
export class ShutdownError extends PgQueuerError {}

/**
 * A worker-thread executor could not run a job: the handler module failed to load, the thread
 * died, the result could not be sent back, or the pool was closed. `cause` says more.
 */
export class WorkerThreadError extends PgQueuerError {}

/**
 * A `CompletionWatcher` cannot serve the call: `waitFor` before `start()`, or after `close()`
 * began, or a waiter still pending when `close()` was told to stop waiting.
 */
export class CompletionWatcherStateError extends PgQueuerError {}

/** One problem a payload validator reported: a message and the path to the bad value. */
export interface PayloadIssue {
  readonly message: string;
  /** Keys from the payload's root to the bad value (`[]` for the root itself). */
  readonly path: readonly (string | number)[];
}

function formatIssues(issues: readonly PayloadIssue[]): string {
  return issues.map((issue) => `${issue.path.length === 0 ? "(root)" : issue.path.join(".")}: ${issue.message}`).join("; ");
}

/**
 * A typed entrypoint's schema rejected the input given to `enqueue` (nothing was written).
 * `setting` is `payload` (or `inputs[i]` for `enqueueMany`); `issues` lists each problem.
 */
export class PayloadValidationError extends InvalidArgumentError {
  readonly entrypoint: string;
  readonly issues: readonly PayloadIssue[];
  constructor(setting: string, entrypoint: string, issues: readonly PayloadIssue[]) {
    super(setting, `entrypoint '${entrypoint}': invalid input: ${formatIssues(issues)}`);
    this.entrypoint = entrypoint;
    this.issues = issues;
  }
}

/**
 * A claimed job's payload did not pass its typed entrypoint's schema (or was not JSON). The
 * runtime holds such a job as `failed` whatever `onFailure` says: it must never be lost, and
 * retrying cannot fix it.
 */
export class InvalidJobPayloadError extends PgQueuerError {
  readonly entrypoint: string;
  readonly issues: readonly PayloadIssue[];
  constructor(entrypoint: string, issues: readonly PayloadIssue[], options?: { cause?: unknown }) {
    super(`entrypoint '${entrypoint}': the job's payload is invalid: ${formatIssues(issues)}`, options);
    this.entrypoint = entrypoint;
    this.issues = issues;
  }
}

/**
 * A handler of an entrypoint that stores results returned a value JSON cannot hold (a BigInt,
 * a cycle, a NUL character in text). The job fails with this error instead of storing it.
 */
export class ResultSerializationError extends PgQueuerError {}

/** Turn anything thrown into an `Error` (non-errors are wrapped, keeping the value as `cause`). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  const error = new Error(typeof value === "string" ? value : `non-error thrown: ${safeStringify(value)}`, { cause: value });
  error.name = "NonError";
  return error;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
