/**
 * A small console {@link Logger} for scripts and services that do not bring pino: readable
 * text lines (`2024-05-01T12:00:00.000Z INFO  job finished jobId=7 entrypoint=email`) or one
 * pino-shaped JSON object per line. Debug and info go to stdout, warn and error to stderr.
 *
 * Connection strings are scrubbed from every string it prints (`postgres://u:***@host`), as a
 * second line of defence: the library itself never logs a password.
 *
 * @module
 */
import { InvalidArgumentError } from "../domain/errors.js";
import type { LogFn, Logger } from "../domain/logger.js";
import { redactDsn } from "./connect.js";

/** Levels, least to most severe; `silent` prints nothing. */
export const CONSOLE_LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** One of {@link CONSOLE_LOG_LEVELS}. */
export type ConsoleLogLevel = (typeof CONSOLE_LOG_LEVELS)[number];

/** Where lines go (default: `process.stdout` and `process.stderr`). */
export interface ConsoleLoggerStreams {
  readonly stdout: { write(line: string): unknown };
  readonly stderr: { write(line: string): unknown };
}

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** The least severe level printed (default `info`). */
  readonly level?: ConsoleLogLevel;
  /** One JSON object per line, pino's shape (`level` number, `time`, `msg`), instead of text. */
  readonly json?: boolean;
  readonly streams?: ConsoleLoggerStreams;
}

/** pino's numeric levels, so JSON lines are read by pino tooling. */
const PINO_LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

type PrintedLevel = keyof typeof PINO_LEVELS;

/** Create the logger. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  if (!(CONSOLE_LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidArgumentError("level", `must be one of ${CONSOLE_LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  }
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const threshold = CONSOLE_LOG_LEVELS.indexOf(level);
  const format = options.json ? jsonLine : textLine;
  const make = (name: PrintedLevel): LogFn => {
    if (CONSOLE_LOG_LEVELS.indexOf(name) < threshold) return () => undefined;
    const stream = name === "warn" || name === "error" ? streams.stderr : streams.stdout;
    return ((first: object | string, message?: string) => {
      const [fields, text] = typeof first === "string" ? [{}, first] : [first, message ?? ""];
      stream.write(`${format(name, fields, scrub(text))}\n`);
    }) as LogFn;
  };
  return { debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

function textLine(level: PrintedLevel, fields: object, message: string): string {
  const parts = [new Date().toISOString(), level.toUpperCase().padEnd(5), message];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${textValue(value)}`);
  }
  return parts.join(" ");
}

function textValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(scrub(`${value.name}: ${value.message}`));
  if (typeof value === "string") {
    const clean = scrub(value);
    return /^[\w.:/@*-]+$/.test(clean) ? clean : JSON.stringify(clean);
  }
  return scrub(safeJson(value));
}

function jsonLine(level: PrintedLevel, fields: object, message: string): string {
  const record: Record<string, unknown> = { level: PINO_LEVELS[level], time: Date.now() };
  for (const [key, value] of Object.entries(fields)) {
    // Errors serialize as `{}` by default; print them the way pino's serializer does.
    record[key] = value instanceof Error ? { type: value.name, message: scrub(value.message), stack: value.stack === undefined ? undefined : scrub(value.stack) } : value;
  }
  record.msg = message;
  return scrub(safeJson(record));
}

/** Redact every connection string found in `text`. */
function scrub(text: string): string {
  if (!text.includes("://") && !/password\s*=/i.test(text)) return text;
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (dsn) => redactDsn(dsn)).replace(/(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&"]*)/gi, "$1***");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
