/**
 * Enqueue input: validation and normalization of what users pass to `enqueue`/`enqueueMany`,
 * BEFORE any SQL runs. Every failure is an {@link InvalidArgumentError} naming the field, with
 * its index in a batch (`jobs[3].priority`).
 *
 * @module
 */
import { checkStoredText } from "./arguments.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { describe, INT32_MAX, INT32_MIN } from "../../domain/durations.js";
import type { JobHeaders, OnConflict } from "../../domain/types.js";
import type { EnqueueRecord } from "../../sql/queue.js";

/** Payload of a job: bytes, a string (stored as UTF-8) or nothing. */
export type JobPayload = Buffer | Uint8Array | string | null;

/** One job of {@link Queries.enqueueMany}. */
export interface EnqueueJob {
  /** The entrypoint (handler name) that runs the job. */
  readonly entrypoint: string;
  readonly payload?: JobPayload;
  /** Higher runs first; a 32-bit integer, default 0. */
  readonly priority?: number;
  /**
   * When the job becomes eligible: a delay in milliseconds from now (negative is allowed and
   * means "now"), or an absolute `Date`. Default: now.
   */
  readonly executeAfter?: number | Date | null;
  /** At most one `queued` or `picked` job may hold a given key. */
  readonly dedupeKey?: string | null;
  /** A JSON object stored with the job (tracing context travels here). */
  readonly headers?: JobHeaders | null;
}

/**
 * Largest relative delay accepted, in milliseconds (about 3,000 years either way): keeps
 * `NOW() + delay` inside PostgreSQL's timestamp range, so a typo fails here, typed, and not
 * in the database.
 */
export const MAX_DELAY = 1e14;
/** Earliest absolute time accepted (4713 BC, PostgreSQL's lower timestamp bound). */
const MIN_TIMESTAMP = Date.UTC(-4712, 0, 1);

/** Validate `onConflict`. */
export function checkOnConflict(value: unknown): OnConflict {
  if (value === undefined) return "raise";
  if (value !== "raise" && value !== "skip") {
    throw new InvalidArgumentError("onConflict", `must be "raise" or "skip", got ${describe(value)}`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Check that `value` is plain JSON (no functions, class instances, cycles, non-finite numbers). */
function checkJson(field: string, value: unknown, ancestors: Set<object>): void {
  switch (typeof value) {
    case "string":
      checkStoredText(field, value);
      return;
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new InvalidArgumentError(field, `must be JSON: ${value} is not a finite number`);
      return;
    case "object": {
      if (value === null) return;
      if (ancestors.has(value)) throw new InvalidArgumentError(field, "must be JSON: it contains a cycle");
      ancestors.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, index) => checkJson(`${field}[${index}]`, item, ancestors));
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) {
          checkStoredText(`${field} key ${JSON.stringify(key)}`, key);
          // `undefined` properties are dropped by JSON, as users expect of optional fields.
          if (item !== undefined) checkJson(`${field}.${key}`, item, ancestors);
        }
      } else {
        throw new InvalidArgumentError(field, `must be JSON: ${describe(value)} is not a plain object or array`);
      }
      ancestors.delete(value);
      return;
    }
    default:
      throw new InvalidArgumentError(field, `must be JSON, got ${describe(value)}`);
  }
}

function payloadToBase64(field: string, payload: unknown): string | null {
  if (payload === null || payload === undefined) return null;
  if (typeof payload === "string") return Buffer.from(payload, "utf8").toString("base64");
  if (payload instanceof Uint8Array) {
    return (Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)).toString("base64");
  }
  throw new InvalidArgumentError(field, `must be a Buffer, Uint8Array, string or null, got ${describe(payload)}`);
}

/**
 * Validate one job and turn it into the statement's record.
 * @param path names a field in error messages (`priority`, or `jobs[3].priority`).
 */
export function normalizeJob(job: EnqueueJob, path: (field: string) => string): EnqueueRecord {
  if (typeof job !== "object" || job === null) throw new InvalidArgumentError(path("") || "job", `must be an object, got ${describe(job)}`);
  const { entrypoint, priority = 0, executeAfter, dedupeKey = null, headers = null } = job;

  if (typeof entrypoint !== "string" || entrypoint === "") {
    throw new InvalidArgumentError(path("entrypoint"), `must be a non-empty string, got ${describe(entrypoint)}`);
  }
  checkStoredText(path("entrypoint"), entrypoint);

  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < INT32_MIN || priority > INT32_MAX) {
    throw new InvalidArgumentError(path("priority"), `must be an integer between ${INT32_MIN} and ${INT32_MAX}, got ${describe(priority)}`);
  }

  let delay = 0;
  let executeAt: number | null = null;
  if (executeAfter instanceof Date) {
    const time = executeAfter.getTime();
    if (!Number.isFinite(time) || time < MIN_TIMESTAMP) throw new InvalidArgumentError(path("executeAfter"), "must be a valid Date (after 4713 BC)");
    executeAt = time;
  } else if (executeAfter !== undefined && executeAfter !== null) {
    if (typeof executeAfter !== "number" || !Number.isFinite(executeAfter) || Math.abs(executeAfter) > MAX_DELAY) {
      throw new InvalidArgumentError(
        path("executeAfter"),
        `must be a Date or a finite number of milliseconds between -${MAX_DELAY} and ${MAX_DELAY}, got ${describe(executeAfter)}`,
      );
    }
    delay = executeAfter;
  }

  if (dedupeKey !== null) {
    if (typeof dedupeKey !== "string") throw new InvalidArgumentError(path("dedupeKey"), `must be a string or null, got ${describe(dedupeKey)}`);
    checkStoredText(path("dedupeKey"), dedupeKey);
  }

  if (headers !== null) {
    if (!isPlainObject(headers)) throw new InvalidArgumentError(path("headers"), `must be a plain JSON object or null, got ${describe(headers)}`);
    checkJson(path("headers"), headers, new Set());
  }

  return {
    entrypoint,
    priority,
    payload: payloadToBase64(path("payload"), job.payload),
    delay,
    executeAt,
    dedupeKey,
    headers,
  };
}

/** Validate a batch; `jobs` must be a non-empty array. */
export function normalizeBatch(jobs: readonly EnqueueJob[]): EnqueueRecord[] {
  if (!Array.isArray(jobs)) throw new InvalidArgumentError("jobs", `must be an array of jobs, got ${describe(jobs)}`);
  if (jobs.length === 0) throw new InvalidArgumentError("jobs", "must not be empty");
  return jobs.map((job: EnqueueJob, index) => normalizeJob(job, (field) => `jobs[${index}]${field === "" ? "" : `.${field}`}`));
}
