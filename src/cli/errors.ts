/**
 * How a failure ends the CLI: a one-line message and an exit code.
 *
 * Exit codes (documented in docs/cli.md):
 * - 0 — success;
 * - 1 — the command ran and failed, or found a mismatch (`verify`, a duplicate dedupe key);
 * - 2 — usage error: unknown command or option, a bad value, a module that cannot be used;
 * - 130 / 143 — `pgq run` forced to stop by a second SIGINT / SIGTERM.
 *
 * @module
 */
import { CommanderError } from "commander";
import { ConnectionError, DuplicateJobError, InvalidArgumentError } from "../domain/errors.js";

/** Exit codes of `pgq`. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 });

/** The exit code an error ends the process with. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof InvalidArgumentError) return EXIT.usage;
  return EXIT.failure;
}

/** One line describing an error for people, without a stack. */
export function describeError(error: unknown): string {
  if (error instanceof CommanderError) return oneLine(error.message.replace(/^error:\s*/i, ""));
  if (error instanceof DuplicateJobError) return oneLine(error.message);
  if (error instanceof ConnectionError) return oneLine(`cannot reach the database: ${innermostMessage(error)}`);
  return oneLine(innermostMessage(error));
}

/**
 * The first non-empty message along the error, its `cause` chain and `AggregateError.errors`
 * (node-postgres rejects with an AggregateError whose own message is empty when every address
 * of `localhost` refuses the connection).
 */
function innermostMessage(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message.trim() !== "") return error.message;
  if (depth < 5) {
    const nested = error instanceof AggregateError ? error.errors[0] : error.cause;
    if (nested !== undefined) return innermostMessage(nested, depth + 1);
  }
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error.name;
}

/** Collapse whitespace and line breaks: every error is printed as exactly one line. */
export function oneLine(text: string): string {
  return text.replaceAll(/\s*\n\s*/g, " ").trim();
}
