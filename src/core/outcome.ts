/**
 * Deciding a job's outcome: the one place that turns "what the executor did" into the
 * {@link JobOutcome} written to the database.
 *
 * @module
 */
import { InvalidJobPayloadError, JobCancelledError, ResultSerializationError, RetryRequested, ShutdownError } from "../domain/errors.js";
import type { Job, JsonValue, OnFailure, TracebackRecord } from "../domain/types.js";
import type { JobOutcome } from "../ports/repository.js";

/** What happened when the executor ran. */
export type ExecutionResult = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: unknown };

/** Everything the decision depends on. */
export interface OutcomeInput {
  readonly job: Job;
  readonly result: ExecutionResult;
  /** The job's `context.signal` (its reason says whether it was canceled or shut down). */
  readonly signal: Pick<AbortSignal, "aborted" | "reason">;
  readonly onFailure: OnFailure;
  readonly queueManagerId: string;
  /** The entrypoint stores results: a success carries the handler's value as JSON. */
  readonly storeResult?: boolean;
}

/**
 * Decide the outcome. Order matters:
 * 1. canceled wins over everything (the job was canceled; whatever the handler did is moot);
 * 2. a ShutdownError, thrown or as the abort reason of a failed job, releases the job to the queue;
 * 3. success;
 * 4. an invalid typed payload (InvalidJobPayloadError anywhere in the cause chain, also inside
 *    a RetryRequested) is held as `failed` whatever onFailure says: it must not be lost, and
 *    no retry can fix it;
 * 5. RetryRequested re-queues (regardless of onFailure);
 * 6. any other error: `exception`, or `failed` (held) with `onFailure: "hold"`.
 * A success whose value cannot be stored as JSON (storeResult) fails with ResultSerializationError.
 */
export function decideOutcome(input: OutcomeInput): JobOutcome {
  const { job, signal } = input;
  let result = input.result;
  let stored: JsonValue | undefined;
  if (result.ok && input.storeResult === true) {
    try {
      stored = toStoredResult(result.value);
    } catch (error) {
      result = { ok: false, error };
    }
  }
  if (signal.aborted && signal.reason instanceof JobCancelledError) {
    return { kind: "canceled", traceback: result.ok ? null : buildTraceback(job, result.error, contextOf(input)) };
  }
  if (!result.ok && (result.error instanceof ShutdownError || (signal.aborted && signal.reason instanceof ShutdownError))) {
    return { kind: "released" };
  }
  if (result.ok) return stored === undefined ? { kind: "successful" } : { kind: "successful", result: stored };
  const error = result.error;
  // Before RetryRequested: a database retry executor wraps every error in one, and a retry
  // cannot fix a payload.
  if (inChain(error, InvalidJobPayloadError)) return { kind: "failed", traceback: buildTraceback(job, error, contextOf(input)) };
  if (error instanceof RetryRequested) {
    return {
      kind: "retry",
      delay: error.delay,
      traceback: buildTraceback(job, error, {
        ...contextOf(input),
        attempt: job.attempts,
        retry_delay: formatPythonTimedelta(error.delay),
        reason: error.reason,
      }),
    };
  }
  const traceback = buildTraceback(job, error, contextOf(input));
  return input.onFailure === "hold" ? { kind: "failed", traceback } : { kind: "exception", traceback };
}

/**
 * The value to store for a handler's return value: JSON's own conversion (`undefined` becomes
 * null, a Date its ISO text). Throws ResultSerializationError for what JSON (or PostgreSQL's
 * jsonb, which rejects NUL characters) cannot hold.
 */
export function toStoredResult(value: unknown): JsonValue {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new ResultSerializationError(`the handler's return value is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (text === undefined) {
    if (value === undefined) return null;
    throw new ResultSerializationError(`the handler's return value is not JSON-serializable (got a ${typeof value})`);
  }
  // An escaped NUL is `\u0000` preceded by an even number of backslashes (`\\u0000` is text).
  if (/(?:^|[^\\])(?:\\\\)*\\u0000/.test(text)) throw new ResultSerializationError("the handler's return value contains a NUL character, which PostgreSQL's jsonb cannot store");
  return JSON.parse(text) as JsonValue;
}

/** Whether `error` or one of its causes is an instance of `type` (cycles cut). */
function inChain(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    const link: Error = current;
    if (isInstance(link, type)) return true;
    seen.add(link);
    current = link.cause;
  }
  return false;
}

function isInstance(value: Error, type: abstract new (...args: never[]) => Error): boolean {
  return value instanceof type;
}

function contextOf(input: OutcomeInput): { [key: string]: JsonValue } {
  return { entrypoint: input.job.entrypoint, queue_manager_id: input.queueManagerId };
}

/** Build the stored error record: type, message, and the stack of the whole `cause` chain. */
export function buildTraceback(job: Job, error: unknown, additionalContext: { [key: string]: JsonValue } | null): TracebackRecord {
  const first = describeError(error);
  return {
    jobId: job.id,
    timestamp: new Date(),
    exceptionType: first.name,
    exceptionMessage: first.message,
    traceback: formatChain(error),
    additionalContext,
  };
}

function describeError(error: unknown): { name: string; message: string; stack: string } {
  if (error instanceof Error) {
    return { name: error.name || error.constructor.name, message: error.message, stack: error.stack ?? `${error.name}: ${error.message}` };
  }
  const text = typeof error === "string" ? error : safeJson(error);
  return { name: typeof error, message: text, stack: text };
}

/** The stack of `error`, then "Caused by:" and the stack of each cause (cycles cut). */
export function formatChain(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current) && parts.length < 20) {
    seen.add(current);
    parts.push(describeError(current).stack);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\nCaused by: ");
}

/** Format ms the way Python prints a timedelta (`0:00:30`, `0:00:01.500000`, `1 day, 0:00:00`). */
export function formatPythonTimedelta(ms: number): string {
  const negative = ms < 0;
  const totalMicros = Math.round(Math.abs(ms) * 1000);
  const micros = totalMicros % 1_000_000;
  const totalSeconds = Math.floor(totalMicros / 1_000_000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const clock = `${hours}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}${micros ? `.${String(micros).padStart(6, "0")}` : ""}`;
  const text = days ? `${days} day${days === 1 ? "" : "s"}, ${clock}` : clock;
  return negative ? `-${text}` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
