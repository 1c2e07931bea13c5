/**
 * Validation of the numbers users pass as durations and counts. Every failure is an
 * {@link InvalidArgumentError} naming the option.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.js";

/** A finite, non-negative number of milliseconds. */
export function assertDuration(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(name, `must be a finite, non-negative number of milliseconds, got ${describe(value)}`);
  }
  return value;
}

/** The longest delay a Node.js timer waits; a longer one fires at once (with a warning). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration a timer waits for: as {@link assertDuration}, and at most {@link MAX_TIMER_MS} (about 24.8 days). */
export function assertTimerDuration(name: string, value: unknown): number {
  const ms = assertDuration(name, value);
  if (ms > MAX_TIMER_MS) throw new InvalidArgumentError(name, `must be at most ${MAX_TIMER_MS} ms (about 24.8 days; a longer timer fires at once), got ${ms}`);
  return ms;
}

/** A finite number of milliseconds that may be negative (e.g. a delay in the past). */
export function assertFiniteNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidArgumentError(name, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** An integer within [min, max]. */
export function assertInteger(name: string, value: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, `must be an integer between ${min} and ${max}, got ${describe(value)}`);
  }
  return value;
}

/** PostgreSQL INT range (priority, attempts). */
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
