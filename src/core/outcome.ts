/**
 * Deciding a job's outcome: the one place that turns "what the executor did" into the
 * {@link JobOutcome} written to the database.
 *
 * @module
 */
import { JobCancelledError, RetryRequested, ShutdownError } from "../domain/errors.js";
import type { Job, JsonValue, OnFailure, TracebackRecord } from "../domain/types.js";
import type { JobOutcome } from "../ports/repository.js";

/** What happened when the executor ran. */
export type ExecutionResult = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** Everything the decision depends on. */
export interface OutcomeInput {
  readonly job: Job;
  readonly result: ExecutionResult;
  /** The job's `context.signal` (its reason says whether it was canceled or shut down). */
  readonly signal: AbortSignal;
  readonly onFailure: OnFailure;
  readonly queueManagerId: string;
}

/**
 * Decide the outcome. Order matters:
 * 1. canceled wins over everything (the job was canceled; whatever the handler did is moot);
 * 2. a ShutdownError, thrown or as the abort reason of a failed job, releases the job to the queue;
 * 3. success;
 * 4. RetryRequested re-queues (regardless of onFailure);
 * 5. any other error: `exception`, or `failed` (held) with `onFailure: "hold"`.
 */
export function decideOutcome(input: OutcomeInput): JobOutcome {
  const { job, result, signal } = input;
  if (signal.aborted && signal.reason instanceof JobCancelledError) {
    return { kind: "canceled", traceback: result.ok ? null : buildTraceback(job, result.error, contextOf(input)) };
  }
  if (!result.ok && (result.error instanceof ShutdownError || (signal.aborted && signal.reason instanceof ShutdownError))) {
    return { kind: "released" };
  }
  if (result.ok) return { kind: "successful" };
  const error = result.error;
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
