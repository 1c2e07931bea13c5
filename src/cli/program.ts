/**
 * The `pgq` program: global options, every command, and how an invocation ends (one-line
 * errors, documented exit codes; see ./errors.ts).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { registerDemoCommand } from "./commands/demo.js";
import { registerEntrypointStateCommands } from "./commands/entrypoint-state.js";
import { registerPruneCommand } from "./commands/prune.js";
import { registerInspectCommands } from "./commands/inspect.js";
import { registerQueueCommands } from "./commands/queue.js";
import { registerRunCommand } from "./commands/run.js";
import { registerSchemaCommands } from "./commands/schema.js";
import { registerServerCommands } from "./commands/servers.js";
import { registerSqlCommands } from "./commands/sql.js";
import { CliContext, DEFAULT_DATA_DIR, type CliDatabaseOpener, type CliIo, type GlobalOptions } from "./context.js";
import { describeError, EXIT, exitCodeFor, oneLine } from "./errors.js";
import { LOG_LEVELS, parseLogLevel } from "./logger.js";

const HELP_FOOTER = `
Connection: --pg-dsn, else PGQUEUER_DSN / PGDSN, else the libpq PG* variables (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE); with none of them, an embedded PGlite database in
${DEFAULT_DATA_DIR} (--data-dir to move it).

Exit codes: 0 ok · 1 failure or mismatch · 2 usage error · 130/143 forced stop by a second
SIGINT/SIGTERM.

Start with: pgq demo`;

/** The package version, read from package.json (two levels up from src/cli and dist/cli). */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** Build the commander program for one invocation. */
export function buildProgram(context: CliContext): Command {
  const program = new Command("pgq");
  program
    .description("pgqueuer: a PostgreSQL job queue. Manage the schema, enqueue and inspect jobs, run workers.")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--pg-dsn <dsn>", "PostgreSQL connection string (env PGQUEUER_DSN or PGDSN)")
    .option("--prefix <prefix>", "prefix of every object name (env PGQUEUER_PREFIX)")
    .option("--schema <schema>", "PostgreSQL schema of the objects (env PGQUEUER_SCHEMA)")
    .option("--data-dir <dir>", `embedded PGlite database directory when no server is configured (env PGQUEUER_DATA_DIR, default ${DEFAULT_DATA_DIR})`)
    .option("--json", "machine-readable output (one JSON document or JSON lines)")
    .addOption(new Option("--log-level <level>", `${LOG_LEVELS.join(", ")}; debug also prints error stacks`).argParser(parseLogLevel))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      // Commander's messages start with "error: " and may carry a suggestion on a second line.
      outputError: (text, write) => write(`pgq: ${oneLine(text.replace(/^error:\s*/i, ""))}\n`),
    })
    .addHelpText("after", HELP_FOOTER)
    .hook("preAction", (_command, action) => {
      context.configure(action.optsWithGlobals<GlobalOptions>());
    });

  registerDemoCommand(program, context);
  registerSchemaCommands(program, context);
  registerSqlCommands(program, context);
  registerQueueCommands(program, context);
  registerInspectCommands(program, context);
  registerRunCommand(program, context);
  registerEntrypointStateCommands(program, context);
  registerPruneCommand(program, context);
  registerServerCommands(program, context);
  return program;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** How commands open their database (default: from the options and environment). */
  readonly openDatabase?: CliDatabaseOpener;
}

/**
 * Run one invocation with `argv` (the arguments after `pgq`) and return its exit code. Never
 * throws: errors are printed as one line (with the stack at `--log-level debug`).
 */
export async function runCli(argv: readonly string[], io: CliIo, options: RunCliOptions = {}): Promise<number> {
  const context = new CliContext(io, options.openDatabase);
  const program = buildProgram(context);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeFor(error); // already printed by commander
    context.out.clearStatus();
    context.out.error(describeError(error));
    if (context.debug && error instanceof Error && error.stack) context.out.notice(error.stack);
    return exitCodeFor(error);
  } finally {
    await context.close();
  }
}
