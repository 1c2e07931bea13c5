/**
 * The state one `pgq` invocation shares between its commands: the global options, the
 * output, the logger, the database connection (opened on first use, closed at exit) and the
 * exit code a command sets when it finishes with a mismatch rather than an error.
 *
 * @module
 */
import { resolveSettings, type Settings, type SettingsOptions } from "../domain/settings.js";
import type { Logger } from "../domain/logger.js";
import type { CliDatabase, OpenCliDatabaseOptions } from "./connection.js";
import { EXIT } from "./errors.js";
import { createCliLogger, type LogLevel } from "./logger.js";
import { Output, type OutputStream } from "./output.js";

/** The options every command accepts (given before or after the command name). */
export interface GlobalOptions {
  /** PostgreSQL connection string; beats `PGQUEUER_DSN`, `PGDSN` and the `PG*` variables. */
  readonly pgDsn?: string;
  /** Prefix of every object name (`PGQUEUER_PREFIX`). */
  readonly prefix?: string;
  /** PostgreSQL schema of the objects (`PGQUEUER_SCHEMA`). */
  readonly schema?: string;
  /** Directory of the embedded PGlite database used when no server is configured (env `PGQUEUER_DATA_DIR`). */
  readonly dataDir?: string;
  /** Machine-readable output. */
  readonly json?: boolean;
  readonly logLevel?: LogLevel;
}

/** Where the CLI reads and writes: the process, or a test harness. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The environment; `--prefix`, `--schema`, `--pg-dsn` and `--data-dir` are exported into it. */
  readonly env: Record<string, string | undefined>;
}

/**
 * Opens the database a command works on. The default resolves `--pg-dsn`, the environment and
 * `--data-dir` (`openCliDatabase`); an embedding program or a test can hand in its own, e.g. to
 * run commands in process against a database it already has open.
 */
export type CliDatabaseOpener = (options: OpenCliDatabaseOptions) => Promise<CliDatabase>;

/** Default embedded database location (relative to the working directory). */
export const DEFAULT_DATA_DIR = "./.pgqueuer";

/** See the module documentation. */
export class CliContext {
  readonly io: CliIo;
  /** Set by a command that finished without an error but must not exit 0 (`verify` mismatch). */
  exitCode: number = EXIT.ok;
  #globals: GlobalOptions = {};
  #out: Output;
  readonly #databases: CliDatabase[] = [];
  #noticeShown = false;
  readonly #openDatabase: CliDatabaseOpener | undefined;

  constructor(io: CliIo, openDatabase?: CliDatabaseOpener) {
    this.io = io;
    this.#openDatabase = openDatabase;
    this.#out = new Output(io.stdout, io.stderr, { env: io.env });
  }

  /** The global options of this invocation. */
  get globals(): GlobalOptions {
    return this.#globals;
  }

  /** Where results, notices and errors go. */
  get out(): Output {
    return this.#out;
  }

  /**
   * Apply the parsed global options. `--prefix`, `--schema`, `--pg-dsn` and `--data-dir` are
   * exported into the environment (CATALOGUE CLI-1), so a module loaded by `pgq run` that calls
   * `PgQueuer.connect()` or reads `PGQUEUER_*` sees the same database and names.
   */
  configure(globals: GlobalOptions): void {
    this.#globals = globals;
    this.#out = new Output(this.io.stdout, this.io.stderr, { json: globals.json === true, env: this.io.env });
    const exported: [keyof GlobalOptions, string][] = [
      ["prefix", "PGQUEUER_PREFIX"],
      ["schema", "PGQUEUER_SCHEMA"],
      ["pgDsn", "PGQUEUER_DSN"],
      ["dataDir", "PGQUEUER_DATA_DIR"],
    ];
    for (const [option, variable] of exported) {
      const value = globals[option];
      if (typeof value === "string") this.io.env[variable] = value;
    }
  }

  /** Resolved settings: the global prefix/schema, then `extra`, then the environment. */
  settings(extra: SettingsOptions = {}): Settings {
    const { prefix, schema } = this.#globals;
    return resolveSettings({ ...(prefix === undefined ? {} : { prefix }), ...(schema === undefined ? {} : { schema }), ...extra }, this.io.env);
  }

  /** A logger at `--log-level`, or `fallback` when the option was not given. */
  logger(fallback: LogLevel): Logger {
    return createCliLogger(this.#out, this.#globals.logLevel ?? fallback);
  }

  /** Whether errors should carry their stack (`--log-level debug`). */
  get debug(): boolean {
    return this.#globals.logLevel === "debug";
  }

  /**
   * Open the database the options and environment point at (closed when the command ends).
   * When that is the embedded PGlite database, say so on stderr, once per invocation.
   */
  async openDatabase(extra: SettingsOptions = {}): Promise<CliDatabase> {
    const settings = this.settings(extra);
    // Loaded on demand: the drivers are the heaviest imports, and `pgq sql`/`--help` need none.
    const open = this.#openDatabase ?? (await import("./connection.js")).openCliDatabase;
    const database = await open({
      settings,
      env: this.io.env,
      ...(this.#globals.pgDsn === undefined ? {} : { dsn: this.#globals.pgDsn }),
      dataDir: this.#globals.dataDir ?? nonEmpty(this.io.env.PGQUEUER_DATA_DIR) ?? DEFAULT_DATA_DIR,
    });
    this.#databases.push(database);
    if (database.embedded && !this.#noticeShown) {
      this.#noticeShown = true;
      this.#out.notice(this.#out.errorColors.dim(`using embedded PGlite database at ${database.location}`));
    }
    return database;
  }

  /** Close every database this invocation opened. */
  async close(): Promise<void> {
    const databases = this.#databases.splice(0);
    await Promise.allSettled(databases.map((database) => database.close()));
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
