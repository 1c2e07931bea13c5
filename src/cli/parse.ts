/**
 * Parsers for command-line values: durations, counts, job ids and choices. Each one throws
 * commander's `InvalidArgumentError`, so a bad value becomes a one-line usage error naming the
 * option (exit code 2) before anything connects to a database.
 *
 * @module
 */
import { InvalidArgumentError as CommanderArgumentError } from "commander";

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/i;
const UNIT_MILLISECONDS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: a plain number (`500`, taken as milliseconds) or a number with a
 * unit (`500ms`, `5s`, `1.5s`, `2m`, `1h`). Negative values are refused.
 */
export function parseDuration(raw: string): number {
  const text = raw.trim();
  if (text.startsWith("-")) throw new CommanderArgumentError(`must be >= 0, got ${JSON.stringify(raw)}`);
  const match = DURATION.exec(text);
  if (!match) throw new CommanderArgumentError(`${JSON.stringify(raw)} is not a duration; use milliseconds (500) or a unit: 500ms, 5s, 2m, 1h`);
  const value = Number(match[1]) * (UNIT_MILLISECONDS[(match[2] ?? "ms").toLowerCase()] ?? 1);
  if (!Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER) throw new CommanderArgumentError(`${JSON.stringify(raw)} is too large`);
  return Math.round(value);
}

/** The longest delay a Node timer can wait (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const TIMER_MAX = 2_147_483_647;

/** {@link parseDuration} with an upper bound, for values that become a timer's delay. */
export function durationParser(maximum: number): (raw: string) => number {
  return (raw) => {
    const value = parseDuration(raw);
    if (value > maximum) throw new CommanderArgumentError(`must be at most ${maximum} ms, got ${JSON.stringify(raw)}`);
    return value;
  };
}

/** A whole number within [min, max]. */
export function integerParser(min: number, max: number = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const text = raw.trim();
    if (!/^[+-]?\d+$/.test(text)) throw new CommanderArgumentError(`must be a whole number, got ${JSON.stringify(raw)}`);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new CommanderArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}, got ${text}` : `must be between ${min} and ${max}, got ${text}`);
    }
    return value;
  };
}

/** PostgreSQL's INT range, the priority column's type. */
export const parsePriority = integerParser(-2_147_483_648, 2_147_483_647);

/** A positive count (batch sizes, limits). */
export const parsePositiveInteger = integerParser(1);

/** A job id: a positive whole number. Accumulates repeated values into a list. */
export function parseJobId(raw: string, previous: number[] = []): number[] {
  const text = raw.trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
    throw new CommanderArgumentError(`job ids are positive whole numbers, got ${JSON.stringify(raw)}`);
  }
  return [...previous, Number(text)];
}

/**
 * Collect a `schedules --remove` value: all digits is a schedule id, anything else an
 * entrypoint name. An id too large to be one is refused here, naming the option, rather than
 * by the query as a nameless bad list.
 */
export function collectScheduleSelector(raw: string, previous: string[] = []): string[] {
  if (/^\d+$/.test(raw) && !Number.isSafeInteger(Number(raw))) {
    throw new CommanderArgumentError(`schedule ids are whole numbers up to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(raw)}`);
  }
  return [...previous, raw];
}

/** Job ids given as operands (`pgq cancel 1 2 3`): every one must be a positive whole number. */
export function parseJobIds(values: readonly string[]): number[] {
  return values.reduce<number[]>((ids, value) => parseJobId(value, ids), []);
}
