/**
 * Validation of the repository's non-enqueue arguments (claims, outcomes, id lists, limits),
 * done before any SQL runs. Every failure is an {@link InvalidArgumentError} naming the argument.
 *
 * @module
 */
import { InvalidArgumentError } from "../../domain/errors.js";
import { describe, INT32_MAX } from "../../domain/durations.js";
import { assertNever, isJobStatus, type JobId, type JobStatus } from "../../domain/types.js";
import type { ClaimRequest, OutcomeRecord } from "../../ports/repository.js";
import type { ClaimArguments } from "../../sql/claim.js";
import type { OutcomeWrite } from "../../sql/queue-outcomes.js";
import { tracebackToJson } from "./rows.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * PostgreSQL text and JSON cannot hold NUL characters or unpaired UTF-16 surrogates; reject
 * them before any SQL instead of failing in the database with an encoding error.
 */
export function checkStoredText(field: string, value: string): void {
  if (value.includes("\u0000")) throw new InvalidArgumentError(field, "must not contain NUL (\\u0000) characters: PostgreSQL text cannot store them");
  if (LONE_SURROGATE.test(value)) throw new InvalidArgumentError(field, "must be well-formed Unicode (it contains an unpaired surrogate)");
}

/** A worker id must be a UUID (the column type); checked here so a typo is not a database error. */
export function checkQueueManagerId(value: unknown, field = "queueManagerId"): string {
  if (typeof value !== "string" || !UUID.test(value)) throw new InvalidArgumentError(field, `must be a UUID string, got ${describe(value)}`);
  return value;
}

/** A list of job ids: positive safe integers. */
export function checkJobIds(value: unknown, field = "ids"): JobId[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(field, `must be an array of job ids, got ${describe(value)}`);
  value.forEach((id, index) => checkJobId(id, `${field}[${index}]`));
  return [...new Set(value as JobId[])];
}

/** One job id. */
export function checkJobId(value: unknown, field = "id"): JobId {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(field, `must be a positive integer job id, got ${describe(value)}`);
  }
  return value;
}

/** A row count limit: an integer >= 0 (and within INT). */
export function checkCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw new InvalidArgumentError(field, `must be an integer between 0 and ${INT32_MAX}, got ${describe(value)}`);
  }
  return value;
}

/** A duration window in milliseconds (finite, may be negative only when `allowNegative`). */
export function checkMilliseconds(value: unknown, field: string, allowNegative = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || (!allowNegative && value < 0) || Math.abs(value) > 1e14) {
    throw new InvalidArgumentError(field, `must be a finite${allowNegative ? "" : ", non-negative"} number of milliseconds, got ${describe(value)}`);
  }
  return value;
}

/** A list of entrypoint names (or one name); `undefined`/`null` means "all" and yields null. */
export function checkEntrypointFilter(value: unknown, field = "entrypoints"): string[] | null {
  if (value === undefined || value === null) return null;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((name) => typeof name !== "string")) {
    throw new InvalidArgumentError(field, `must be a string or an array of strings, got ${describe(value)}`);
  }
  (list as string[]).forEach((name, index) => checkStoredText(typeof value === "string" ? field : `${field}[${index}]`, name));
  return list as string[];
}

/** A list of statuses for filters; `undefined`/`null` yields null. */
export function checkStatusFilter(value: unknown, field = "statuses"): JobStatus[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every(isJobStatus)) {
    throw new InvalidArgumentError(field, `must be an array of job statuses, got ${describe(value)}`);
  }
  return value;
}

/** Validate a claim and turn it into the statement's arguments. */
export function checkClaimRequest(request: ClaimRequest): ClaimArguments {
  const { batchSize, entrypoints, workerLimit, heartbeatTimeout, includeStale } = request;
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > INT32_MAX) {
    throw new InvalidArgumentError("batchSize", `Batch size must be greater than or equal to one (1), got ${describe(batchSize)}`);
  }
  if (!Array.isArray(entrypoints)) throw new InvalidArgumentError("entrypoints", `must be an array, got ${describe(entrypoints)}`);
  const seen = new Set<string>();
  const checked = entrypoints.map((entrypoint, index) => {
    const name: unknown = entrypoint?.name;
    if (typeof name !== "string" || name === "") throw new InvalidArgumentError(`entrypoints[${index}].name`, `must be a non-empty string, got ${describe(name)}`);
    checkStoredText(`entrypoints[${index}].name`, name);
    if (seen.has(name)) throw new InvalidArgumentError(`entrypoints[${index}].name`, `duplicate entrypoint ${JSON.stringify(name)}`);
    seen.add(name);
    const limit = checkCount(entrypoint.concurrencyLimit, `entrypoints[${index}].concurrencyLimit`);
    const rate = entrypoint.rateLimit;
    if (rate === undefined || rate === null) return { name, limit };
    return {
      name,
      limit,
      rateCount: checkCount(rate.count, `entrypoints[${index}].rateLimit.count`),
      ratePer: checkMilliseconds(rate.per, `entrypoints[${index}].rateLimit.per`),
    };
  });
  return {
    batchSize,
    entrypoints: checked,
    queueManagerId: checkQueueManagerId(request.queueManagerId),
    workerLimit: workerLimit === null ? null : checkCount(workerLimit, "workerLimit"),
    heartbeatTimeout: checkMilliseconds(heartbeatTimeout, "heartbeatTimeout", true),
    includeStale: checkOptionalBoolean(includeStale, "includeStale", true),
  };
}

function checkOptionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidArgumentError(field, `must be a boolean, got ${describe(value)}`);
  return value;
}

/**
 * Validate outcomes and turn them into the statement's records. When a job appears twice, the
 * last outcome wins (one write per job).
 */
export function checkOutcomes(outcomes: readonly OutcomeRecord[]): OutcomeWrite[] {
  if (!Array.isArray(outcomes)) throw new InvalidArgumentError("outcomes", `must be an array, got ${describe(outcomes)}`);
  const byId = new Map<JobId, OutcomeWrite>();
  outcomes.forEach((record: OutcomeRecord, index) => {
    const id = checkJobId(record?.jobId, `outcomes[${index}].jobId`);
    byId.set(id, toWrite(id, record.outcome, `outcomes[${index}].outcome`));
  });
  return [...byId.values()];
}

const OUTCOME_KINDS = new Set(["successful", "exception", "failed", "canceled", "retry", "released"]);

function toWrite(id: JobId, outcome: OutcomeRecord["outcome"], field: string): OutcomeWrite {
  const kind: unknown = (outcome as { kind?: unknown } | undefined)?.kind;
  if (typeof kind !== "string" || !OUTCOME_KINDS.has(kind)) {
    throw new InvalidArgumentError(`${field}.kind`, `must be one of ${[...OUTCOME_KINDS].join(", ")}, got ${describe(kind)}`);
  }
  switch (outcome.kind) {
    case "successful":
      // A result travels only when given: its absence means "store nothing".
      return outcome.result === undefined ? { id, kind: "successful", traceback: null, delay: 0 } : { id, kind: "successful", traceback: null, delay: 0, result: outcome.result };
    case "released":
      return { id, kind: outcome.kind, traceback: null, delay: 0 };
    case "exception":
    case "failed":
    case "canceled":
      return { id, kind: outcome.kind, traceback: outcome.traceback ? cleanJson(tracebackToJson(outcome.traceback)) : null, delay: 0 };
    case "retry":
      return {
        id,
        kind: "retry",
        traceback: outcome.traceback ? cleanJson(tracebackToJson(outcome.traceback)) : null,
        delay: checkMilliseconds(outcome.delay, `${field}.delay`, true),
      };
    default:
      return assertNever(outcome, `${field}.kind`);
  }
}

/**
 * Tracebacks carry arbitrary error text. PostgreSQL's JSON cannot hold NUL characters or
 * unpaired surrogates, and one such message must not make a whole outcome batch fail forever:
 * replace them (and drop what JSON cannot represent) instead of rejecting.
 */
function cleanJson<T>(value: T): T {
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "string" ? item.replaceAll("\u0000", "\uFFFD").replace(/[\uD800-\uDFFF]/g, (unit, offset: number, whole: string) => keepSurrogate(unit, offset, whole)) : item,
  );
  return JSON.parse(text) as T;
}

function keepSurrogate(unit: string, offset: number, whole: string): string {
  const code = unit.charCodeAt(0);
  const paired =
    code <= 0xdbff
      ? offset + 1 < whole.length && (whole.charCodeAt(offset + 1) & 0xfc00) === 0xdc00
      : offset > 0 && (whole.charCodeAt(offset - 1) & 0xfc00) === 0xd800;
  return paired ? unit : "\uFFFD";
}

/**
 * The options of `prune` (shared by the SQL and in-memory queries): `olderThan` a finite
 * number of ms >= 0, `batchSize` an integer in 1..1 000 000 (default 1000).
 */
export function checkPruneOptions(options: unknown): { olderThan: number; batchSize: number } {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", `must be { olderThan, batchSize? }, got ${describe(options)}`);
  const { olderThan, batchSize = 1_000 } = options as { olderThan?: unknown; batchSize?: unknown };
  if (typeof olderThan !== "number" || !Number.isFinite(olderThan) || olderThan < 0) {
    throw new InvalidArgumentError("olderThan", `must be a finite number of milliseconds >= 0, got ${describe(olderThan)}`);
  }
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000) {
    throw new InvalidArgumentError("batchSize", `must be an integer between 1 and 1000000, got ${describe(batchSize)}`);
  }
  return { olderThan, batchSize };
}
