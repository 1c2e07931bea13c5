/**
 * The messages between the main thread and a worker-thread executor's threads, and how an
 * error crosses the thread boundary: serialised in the worker (name, message, stack, plain
 * own properties and the `cause` chain), rebuilt here as real `Error`s.
 *
 * @module
 */
import { RetryRequested } from "../../domain/errors.js";
import type { JobHeaders, JobId } from "../../domain/types.js";

/** What a handler module running in a worker thread receives: the job's data, as copies. */
export interface WorkerThreadJob {
  readonly id: JobId;
  readonly entrypoint: string;
  /** The payload bytes (a copy), or `null`. */
  readonly payload: Buffer | null;
  readonly headers: JobHeaders | null;
  /** How many times the job was re-queued by `RetryRequested` (0 on the first run). */
  readonly attempts: number;
  readonly priority: number;
}

/**
 * The function a handler module exports (as `default`, or under `exportName`). It runs in a
 * worker thread: it may block that thread with CPU-bound work without stalling the worker's
 * event loop. Its return value must survive the structured clone (plain data, typed arrays,
 * Maps, Dates ...); a thrown error comes back with its stack and `cause` chain.
 */
export type WorkerThreadHandler = (job: WorkerThreadJob) => unknown;

/** Main thread → worker: run one job. */
export interface RunMessage {
  readonly type: "run";
  readonly taskId: number;
  readonly job: Omit<WorkerThreadJob, "payload"> & { readonly payload: Uint8Array | null };
}

/** Worker → main thread: the handler returned. */
export interface ResultMessage {
  readonly type: "result";
  readonly taskId: number;
  readonly value: unknown;
}

/**
 * Worker → main thread: something threw. `phase` says where: loading the module, running the
 * handler, or sending its result back.
 */
export interface ErrorMessage {
  readonly type: "error";
  readonly taskId: number;
  readonly phase: "load" | "run" | "result";
  readonly error: SerializedError;
}

/** Any message a worker thread sends. */
export type WorkerMessage = ResultMessage | ErrorMessage;

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Own enumerable properties with primitive values (`code`, `delay`, `reason` ...). */
  readonly properties: Readonly<Record<string, string | number | boolean | null>>;
  readonly cause: SerializedError | undefined;
}

const BUILT_IN_ERRORS: Readonly<Record<string, new (message: string, options?: { cause?: unknown }) => Error>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** True when `value` is a message a worker thread sends (anything else is ignored). */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== "object" || value === null) return false;
  const message = value as { type?: unknown; taskId?: unknown };
  return (message.type === "result" || message.type === "error") && typeof message.taskId === "number";
}

/**
 * Rebuild an error sent by a worker thread: built-in error classes come back as themselves,
 * a `RetryRequested` as a real `RetryRequested` (so the database retry still works from a
 * thread), anything else as an `Error` carrying the original `name`. The stack is the one
 * captured in the worker, and the `cause` chain is rebuilt link by link.
 */
export function deserializeError(record: SerializedError): Error {
  const cause = record.cause === undefined ? undefined : deserializeError(record.cause);
  const options = cause === undefined ? undefined : { cause };
  const { delay, reason } = record.properties;
  let error: Error;
  if (record.name === "RetryRequested" && typeof delay === "number" && Number.isFinite(delay)) {
    error = new RetryRequested({ delay, reason: typeof reason === "string" ? reason : null, cause });
  } else {
    const Constructor = Object.hasOwn(BUILT_IN_ERRORS, record.name) ? BUILT_IN_ERRORS[record.name]! : Error;
    error = new Constructor(record.message, options);
    if (error.name !== record.name) {
      Object.defineProperty(error, "name", { value: record.name, writable: true, configurable: true, enumerable: false });
    }
    for (const [key, value] of Object.entries(record.properties)) {
      if (!(key in error)) Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: true });
    }
  }
  if (record.stack !== undefined) error.stack = record.stack;
  return error;
}
