/**
 * The logger interface: the subset of pino's API the library calls, so a pino logger (or
 * anything shaped like it) can be passed as `logger`. Silent by default in library use.
 *
 * Every line about a job carries `jobId` and `entrypoint` in its object.
 *
 * @module
 */

/** One log method: `(object, message)` or `(message)`, as in pino. */
export interface LogFn {
  (object: object, message?: string): void;
  (message: string): void;
}

/** A pino-compatible logger. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => undefined;

/** The default: logs nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
