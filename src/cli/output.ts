/**
 * Everything the CLI prints goes through {@link Output}: results on stdout (a table for
 * people, JSON with `--json`), notices and errors on stderr, colours only when the stream is a
 * terminal, and one optional *status line* (the drain progress display) that other output
 * clears and redraws around, so progress and log lines never garble each other.
 *
 * @module
 */
import picocolors from "picocolors";

/** The colour functions of picocolors (identity functions when colours are off). */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** A stream the CLI writes to (process.stdout / process.stderr, or a test double). */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** One column of a table. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | null | undefined;
  /** Numbers are right-aligned by default. */
  readonly align?: "left" | "right";
}

/** Options of {@link Output}. */
export interface OutputOptions {
  /** Print machine-readable JSON instead of tables and sentences. */
  readonly json?: boolean;
  /** Environment, for `NO_COLOR` / `FORCE_COLOR`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const CLEAR_LINE = "\r\x1b[2K";

/** See the module documentation. */
export class Output {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly json: boolean;
  /** Colours for stdout (plain strings when stdout is not a terminal). */
  readonly colors: Colors;
  /** Colours for stderr. */
  readonly errorColors: Colors;
  #status: string | null = null;

  constructor(stdout: OutputStream, stderr: OutputStream, options: OutputOptions = {}) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.json = options.json ?? false;
    const env = options.env ?? {};
    this.colors = picocolors.createColors(colorEnabled(stdout, env));
    this.errorColors = picocolors.createColors(colorEnabled(stderr, env));
  }

  /** Whether stdout is a terminal (tables refresh, progress draws). */
  get interactive(): boolean {
    return this.stdout.isTTY === true;
  }

  /** Whether stderr is a terminal (where the status line is drawn). */
  get statusCapable(): boolean {
    return this.stderr.isTTY === true;
  }

  /** A result line on stdout. */
  line(text = ""): void {
    this.#write(this.stdout, `${text}\n`);
  }

  /** Raw text on stdout (a SQL script, already newline-terminated). */
  raw(text: string): void {
    this.#write(this.stdout, text);
  }

  /** A notice for people on stderr (never part of a command's result). */
  notice(text: string): void {
    this.#write(this.stderr, `${text}\n`);
  }

  /** A one-line error on stderr: `pgq: <message>`. */
  error(message: string): void {
    this.#write(this.stderr, `${this.errorColors.red("pgq:")} ${message}\n`);
  }

  /** Any value as one line of JSON on stdout (dates as ISO strings, buffers as UTF-8 text). */
  printJson(value: unknown): void {
    this.#write(this.stdout, `${toJson(value)}\n`);
  }

  /** A table on stdout; `empty` is printed instead when there are no rows. */
  table<T>(columns: readonly Column<T>[], rows: readonly T[], empty?: string): void {
    if (rows.length === 0 && empty !== undefined) {
      this.line(empty);
      return;
    }
    this.#write(this.stdout, renderTable(columns, rows, this.colors));
  }

  /**
   * Show (or replace) the status line on stderr. Only drawn on a terminal; callers check
   * {@link statusCapable} to decide whether to produce one at all.
   */
  status(text: string): void {
    if (!this.statusCapable) return;
    this.#status = text;
    this.stderr.write(`${CLEAR_LINE}${text}`);
  }

  /** Remove the status line. */
  clearStatus(): void {
    if (this.#status === null) return;
    this.#status = null;
    this.stderr.write(CLEAR_LINE);
  }

  /** Clear the terminal (dashboard refresh). */
  clearScreen(): void {
    this.stdout.write("\x1b[2J\x1b[H");
  }

  #write(stream: OutputStream, text: string): void {
    if (this.#status === null) {
      stream.write(text);
      return;
    }
    this.stderr.write(CLEAR_LINE);
    stream.write(text);
    this.stderr.write(this.#status);
  }
}

function colorEnabled(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** Render rows as an aligned text table with a header and a rule under it. */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], colors: Colors = picocolors.createColors(false)): string {
  const cells = rows.map((row) => columns.map((column) => formatCell(column.value(row))));
  const aligns = columns.map((column) => column.align ?? (rows.length > 0 && rows.every((row) => typeof column.value(row) === "number") ? "right" : "left"));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => (row[index] ?? "").length)));
  const pad = (text: string, index: number): string => (aligns[index] === "right" ? text.padStart(widths[index] ?? 0) : text.padEnd(widths[index] ?? 0));
  const join = (parts: string[]): string => parts.join("  ").trimEnd();
  const lines = [
    colors.bold(join(columns.map((column, index) => pad(column.header, index)))),
    colors.dim(join(widths.map((width) => "-".repeat(width)))),
    ...cells.map((row) => join(row.map((cell, index) => pad(cell, index)))),
  ];
  return `${lines.join("\n")}\n`;
}

function formatCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value).replaceAll(/[\r\n\t]+/g, " ");
}

/** Local time as `YYYY-MM-DD HH:MM:SS` (tables), or empty for null. */
export function formatTimestamp(value: Date | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value.getTime())) return "";
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${value.getFullYear()}-${two(value.getMonth() + 1)}-${two(value.getDate())} ${two(value.getHours())}:${two(value.getMinutes())}:${two(value.getSeconds())}`;
}

/** JSON text of a value: dates as ISO strings, buffers as UTF-8 text, bigints as numbers. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return Number(item);
    if (item !== null && typeof item === "object" && (item as { type?: unknown }).type === "Buffer" && Array.isArray((item as { data?: unknown }).data)) {
      return Buffer.from((item as { data: number[] }).data).toString("utf8");
    }
    return item;
  });
}
