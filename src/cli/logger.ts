/**
 * The CLI's logger: a {@link Logger} that writes
 * `<ISO-8601 local time with offset> [pgqueuer] LEVEL: message key=value ...`, debug and info
 * lines to stdout, warnings and errors to stderr (CATALOGUE CLI-27). Error stacks are printed
 * only at the debug level; otherwise an error is its one-line message.
 *
 * @module
 */
import { InvalidArgumentError as CommanderArgumentError } from "commander";
import type { LogFn, Logger } from "../domain/logger.js";
import type { Output } from "./output.js";

/** The levels `--log-level` accepts, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const ALIASES: Readonly<Record<string, LogLevel>> = {
  debug: "debug",
  notset: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  critical: "error",
  fatal: "error",
  silent: "silent",
  off: "silent",
};

/** Parse a `--log-level` value, case-insensitively (Python's names are accepted too). */
export function parseLogLevel(raw: string): LogLevel {
  const level = ALIASES[raw.trim().toLowerCase()];
  if (level === undefined) throw new CommanderArgumentError(`expected one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(raw)}`);
  return level;
}

/**
 * Build a logger printing at `level` and above through `out`. With `out.json`, every line
 * goes to stderr, so stdout carries nothing but the JSON result.
 */
export function createCliLogger(out: Output, level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const make = (name: Exclude<LogLevel, "silent">): LogFn => {
    if (LOG_LEVELS.indexOf(name) < threshold) return () => undefined;
    const toStderr = out.json || name === "warn" || name === "error";
    return ((first: object | string, message?: string) => {
      const text = typeof first === "string" ? first : formatRecord(first, message, level === "debug");
      const line = `${localIsoTimestamp(new Date())} [pgqueuer] ${name.toUpperCase()}: ${text}`;
      if (toStderr) out.notice(line);
      else out.line(line);
    }) as LogFn;
  };
  return { debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

function formatRecord(record: object, message: string | undefined, withStacks: boolean): string {
  const parts: string[] = message === undefined ? [] : [message];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (value instanceof Error) {
      parts.push(`${key}=${JSON.stringify(`${value.name}: ${value.message}`)}`);
      if (withStacks && value.stack) stacks.push(value.stack);
      continue;
    }
    parts.push(`${key}=${typeof value === "string" ? (/^[\w.:/-]+$/.test(value) ? value : JSON.stringify(value)) : safeJson(value)}`);
  }
  return [parts.join(" "), ...stacks].join("\n");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `2024-05-01T12:00:00.000+02:00`: local time with its UTC offset. */
export function localIsoTimestamp(date: Date): string {
  const two = (n: number): string => String(Math.abs(n)).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}` +
    `T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}` +
    `${sign}${two(Math.trunc(offset / 60))}:${two(offset % 60)}`
  );
}
