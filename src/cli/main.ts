/**
 * Entry point of the `pgq` executable (bin/pgq.js loads it, built or through tsx).
 *
 * The process exits explicitly once the command is done: a worker module may leave a pool or
 * timer open, and `pgq` must still end with the command's exit code. Output is flushed first.
 *
 * @module
 */
import { describeError, EXIT } from "./errors.js";
import { runCli } from "./program.js";

const argv = process.argv.slice(2);
const debug = /--log-level(=|\s+)debug\b/i.test(argv.join(" "));

/** Anything that escapes a command (a stray rejection in user code) still ends as one line. */
function crash(error: unknown): void {
  process.stderr.write(`pgq: ${describeError(error)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(EXIT.failure);
}
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write("", () => resolve());
  });
}

const code = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
