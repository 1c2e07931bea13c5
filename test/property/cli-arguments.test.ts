/**
 * Bad input to `pgq`, property-based (fast-check): arbitrary argv for every command that takes
 * values, run in process through `runCli`. Whatever the arguments, an invocation either
 * succeeds (exit 0) or fails with exit 2 (usage) or 1, printing exactly one line on stderr that
 * names the option or argument at fault: never an escaped exception or a stack. A failed
 * invocation writes nothing: the queue, log, statistics, schedules and paused-entrypoint tables
 * are byte-for-byte what they were.
 *
 * The database properties run on PostgreSQL (commands open their own connection from
 * `PGQUEUER_DSN`, as `pgq` does) and PGlite (commands get the test's in-memory database through
 * `runCli`'s `openDatabase`).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError as CommanderArgumentError, type Command } from "commander";
import { Queries } from "../../src/adapters/persistence/queries.js";
import { ScheduleQueries } from "../../src/adapters/persistence/schedule-queries.js";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { CliContext, type CliDatabaseOpener } from "../../src/cli/context.js";
import { integerParser, parseDuration, parseJobId, parsePriority, TIMER_MAX } from "../../src/cli/parse.js";
import { buildProgram, runCli } from "../../src/cli/program.js";
import { PgQueuer } from "../../src/pgqueuer.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { describeEachBackend, TEST_DSN, type TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";
import { injection } from "./injection.js";
import { tableDigest } from "./tables.js";

/** What one in-process invocation printed and returned. */
interface Invocation {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Capture {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function pgq(argv: readonly string[], env: Record<string, string | undefined>, openDatabase?: CliDatabaseOpener): Promise<Invocation> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, { stdout, stderr, env: { NO_COLOR: "1", ...env } }, openDatabase === undefined ? {} : { openDatabase });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

// ---------------------------------------------------------------------------------------------
// Values

/** Numbers as people (and scripts) mistype them. */
const numberish = fc.oneof(
  fc.integer({ min: -3, max: 40 }).map(String),
  fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }).map(String),
  fc.constantFrom("0", "-0", "+3", " 7 ", "1.5", "1e3", "0x10", "٣", "9007199254740993", "2147483648", "-2147483649", "99999999999999999999", "Infinity", "NaN"),
);

/** Durations, valid and not. */
const durationish = fc
  .tuple(
    fc.oneof(fc.nat(100_000).map(String), fc.constantFrom("1.5", ".5", "1e3", "-5", "99999999999999999999", "1".repeat(400), "")),
    fc.constantFrom("", "ms", "s", "m", "h", "d", "MS", " s", "x", "days", "s5"),
  )
  .map(([number, unit]) => `${number}${unit}`);

/**
 * Anything at all, including strings commander reads as options. Never a NUL: an operating
 * system passes arguments as C strings, so `pgq` cannot receive one (nor a lone surrogate,
 * which fast-check's code-point strings do not produce either).
 */
const text = fc
  .oneof(
    fc.string(),
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.constantFrom("", " ", "\n", "\t", "-", "--", "-x", "--json", "--limit", "-n", "\uFFFF", "\u00e9\u0301", "a".repeat(2_000)),
    injection,
  )
  .map((value) => value.replaceAll("\u0000", ""));

const anyValue = fc.oneof(numberish, durationish, text);

/** A job id: usually one that exists among the seeded jobs, sometimes anything. */
const jobId = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 60 }).map(String) }, { weight: 2, arbitrary: anyValue });

/** An entrypoint name: usually a seeded one, sometimes anything. */
const entrypointName = fc.oneof({ weight: 2, arbitrary: fc.constantFrom("alpha", "beta", "held", "nightly") }, { weight: 2, arbitrary: anyValue });

/** `[flag, value]` pairs for a command, 0..n of them, flattened in order. */
function options(flags: Readonly<Record<string, fc.Arbitrary<string>>>, maxLength = 3): fc.Arbitrary<string[]> {
  const pair = fc.oneof(...Object.entries(flags).map(([flag, value]) => value.map((v) => [flag, v])));
  return fc.array(pair, { maxLength }).map((pairs) => pairs.flat());
}

/** Options every command accepts; `--prefix`/`--schema` only with values that must be refused. */
const globals = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string[]>([]) },
  { weight: 2, arbitrary: fc.constant(["--json"]) },
  // Not "debug": that level prints the stack under the one-line error, on purpose.
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom("info", "warn", "error", "silent", "loud", ""), injection).map((level) => ["--log-level", level]) },
  { weight: 1, arbitrary: fc.oneof(injection, fc.constantFrom("9lives", "a-b", "x.y")).map((value) => ["--prefix", value]) },
  { weight: 1, arbitrary: fc.oneof(injection, fc.constantFrom("9lives", "a-b", "x.y", "a".repeat(64))).map((value) => ["--schema", value]) },
);

/** Positionals and options of one command, options either before or after the positionals. */
function command(name: string, positionals: fc.Arbitrary<string[]>, flags: fc.Arbitrary<string[]>): fc.Arbitrary<string[]> {
  return fc.tuple(globals, positionals, flags, fc.boolean()).map(([global, args, opts, optionsFirst]) => [...global, name, ...(optionsFirst ? [...opts, ...args] : [...args, ...opts])]);
}

/** The commands that read or write the queue, with arbitrary values in every position. */
const databaseCommands = fc.oneof(
  command(
    "queue",
    fc.tuple(entrypointName, fc.option(anyValue, { nil: undefined })).map(([entrypoint, payload]) => (payload === undefined ? [entrypoint] : [entrypoint, payload])),
    options({
      "--priority": fc.oneof(numberish, anyValue),
      "-p": numberish,
      "--execute-after": fc.oneof(durationish, anyValue),
      "--dedupe-key": fc.oneof(fc.constantFrom("k1", "k2"), anyValue),
      "--on-conflict": fc.oneof(fc.constantFrom("raise", "skip"), anyValue),
    }),
  ),
  command("failed", fc.constant([]), options({ "--limit": fc.oneof(numberish, anyValue), "-n": numberish })),
  command("requeue", fc.array(jobId, { maxLength: 4 }), fc.constant([])),
  command("cancel", fc.array(jobId, { maxLength: 4 }), fc.constant([])),
  command("schedules", fc.constant([]), options({ "--remove": fc.oneof(jobId, entrypointName), "-r": fc.oneof(numberish, injection) })),
  command("prune", fc.constant([]), options({ "--older-than": fc.oneof(durationish, anyValue), "--batch-size": fc.oneof(numberish, anyValue) })),
  command("pause", fc.array(entrypointName, { maxLength: 3 }), fc.constant([])),
  command("resume", fc.array(entrypointName, { maxLength: 3 }), fc.constant([])),
  command("paused", fc.array(anyValue, { maxLength: 1 }), fc.constant([])),
  command("dashboard", fc.constant([]), options({ "--limit": numberish, "--interval": fc.oneof(durationish, anyValue) })),
  command("verify", fc.constant([]), options({ "--expect": fc.oneof(fc.constantFrom("present", "absent"), anyValue) }, 2)),
);

/** Commands that would start a worker or a server, or print SQL: checked without a database. */
const otherCommands = fc.oneof(
  command(
    "run",
    fc.constant(["./no/such/worker-module.ts"]),
    options(
      {
        "--batch-size": fc.oneof(numberish, anyValue),
        "--max-concurrent-tasks": fc.oneof(numberish, anyValue),
        "--restart-delay": fc.oneof(durationish, anyValue),
        "--dequeue-timeout": durationish,
        "--heartbeat-timeout": durationish,
        "--claim-linger": durationish,
        "--shutdown-timeout": durationish,
        "--log-aggregation-interval": durationish,
        "--health-check-interval": durationish,
        "--vacuum-interval": durationish,
        "--concurrent-claims": fc.oneof(numberish, anyValue),
        "--mode": fc.oneof(fc.constantFrom("drain", "continuous"), anyValue),
      },
      4,
    ),
  ),
  command("web", fc.constant([]), options({ "--port": fc.oneof(numberish, anyValue), "--host": anyValue })),
  command("metrics", fc.constant([]), options({ "--port": fc.oneof(numberish, anyValue), "--host": anyValue })),
  command("demo", fc.constant([]), options({ "--notifications": fc.oneof(numberish, anyValue) })),
  command("durability", fc.array(fc.oneof(fc.constantFrom("volatile", "balanced", "durable"), anyValue), { maxLength: 2 }), fc.constant([])),
  command("sql", fc.tuple(fc.constantFrom("install", "upgrade", "durability", "autovac", "uninstall"), fc.array(anyValue, { maxLength: 1 })).map(([sub, rest]) => [sub, ...rest]), options({ "--durability": fc.oneof(fc.constantFrom("volatile", "durable"), anyValue) }, 1)),
  command("listen", fc.constant([]), options({ "--channel": anyValue }, 1)),
);

// ---------------------------------------------------------------------------------------------
// The property

/**
 * Names the error line may use for the thing at fault: the options and arguments of the
 * command run (as flags, attribute names or placeholders), the global options and settings,
 * and the argv tokens themselves (commander quotes an unknown option or an excess argument).
 */
const PROGRAM = buildProgram(new CliContext({ stdout: new Capture(), stderr: new Capture(), env: {} }));
const GENERIC = ["prefix", "schema", "too many arguments", "missing required argument", "unknown command"];

function namesOf(command: Command): string[] {
  const names: string[] = [];
  for (const option of command.options) for (const name of [option.long, option.short, option.attributeName()]) if (name) names.push(name);
  for (const argument of command.registeredArguments) names.push(argument.name());
  return names;
}

function namesTheProblem(line: string, argv: readonly string[]): boolean {
  let command: Command | undefined = PROGRAM;
  const names = [...GENERIC, ...namesOf(PROGRAM)];
  // The command (and sub-command) the tokens select, as commander would.
  for (const token of argv) {
    const sub: Command | undefined = command?.commands.find((candidate) => candidate.name() === token);
    if (sub === undefined) continue;
    names.push(...namesOf(sub));
    command = sub;
  }
  if (names.some((name) => line.includes(name))) return true;
  return argv.some((token) => token !== "" && (line.includes(`'${token}'`) || line.includes(JSON.stringify(token))));
}

/** Exit 0, or 1/2 with one `pgq: ` line naming the problem, never a stack. */
function checkInvocation(argv: readonly string[], result: Invocation): void {
  const label = `pgq ${JSON.stringify(argv)} → exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect([0, 1, 2], label).toContain(result.code);
  expect(result.stderr, label).not.toMatch(/^\s+at /m);
  if (result.code === 0) return;
  // A mismatch is a result, not an error: `verify`'s verdict, or `--json queue`'s duplicate, is on stdout.
  if (result.code === 1 && result.stderr === "") {
    expect(result.stdout, label).toMatch(argv.includes("verify") ? /unexpected|missing|"ok":false/ : /^\{"id":null,"duplicate":true,/);
    return;
  }
  const lines = result.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("using embedded PGlite"));
  expect(lines, label).toHaveLength(1);
  expect(lines[0], label).toMatch(/^pgq: \S/);
  expect(namesTheProblem(lines[0]!, argv), label).toBe(true);
}

/** Seed jobs (queued, held), log rows, schedules and a paused entrypoint to act on. */
async function seed(db: TestDatabase): Promise<void> {
  await new SchemaManager(db.driver, db.settings).installExtensions();
  const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions });
  pgq.entrypoint("held", { onFailure: "hold" }, async () => {
    throw new Error("always fails");
  });
  await pgq.queries.enqueueMany(Array.from({ length: 5 }, (_, index) => ({ entrypoint: "held", payload: `h${index}` })));
  await pgq.run({ mode: "drain", dequeueTimeout: 200 });
  await pgq.queries.enqueueMany(Array.from({ length: 30 }, (_, index) => ({ entrypoint: index % 2 === 0 ? "alpha" : "beta", payload: `p${index}`, priority: index % 5 })));
  const n = sqlNames(db.settings);
  await db.driver.execute({ text: `INSERT INTO ${n.schedulesTable} (expression, entrypoint) VALUES ('* * * * *', 'nightly'), ('0 * * * *', 'hourly')` });
  await pgq.queries.pauseEntrypoint(["beta"]);
}

/** Commands run in process: PostgreSQL through the DSN as `pgq` would, PGlite through the test's instance. */
function invoker(db: () => TestDatabase): (argv: readonly string[]) => Promise<Invocation> {
  if (db().backend === "postgres") {
    const env = { PGQUEUER_DSN: TEST_DSN, PGQUEUER_SCHEMA: db().settings.schema ?? undefined, PGQUEUER_CHANNEL: db().settings.names.channel };
    return (argv) => pgq(argv, env);
  }
  const open: CliDatabaseOpener = async ({ settings }) => {
    const driver = db().driver;
    return {
      driver,
      settings,
      embedded: false,
      location: "the test's PGlite instance",
      schema: new SchemaManager(driver, settings),
      queries: new Queries(driver, settings),
      schedules: new ScheduleQueries({ driver, settings }),
      close: async () => undefined, // the test owns the instance
    };
  };
  return (argv) => pgq(argv, {}, open);
}

describeEachBackend("pgq under arbitrary arguments", (db) => {
  beforeAll(() => seed(db()), 60_000);

  it("each command succeeds, or fails with exit 1/2 and one line naming the option or argument, writing nothing", { timeout: 120_000 }, async () => {
    const run = invoker(db);
    const outcomes = { ok: 0, usage: 0, failure: 0 };
    await fc.assert(
      fc.asyncProperty(databaseCommands, async (argv) => {
        const before = await tableDigest(db().driver, db().settings);
        const result = await run(argv);
        checkInvocation(argv, result);
        if (result.code === 0) {
          outcomes.ok += 1;
          if (argv.includes("--json") && result.stdout !== "") for (const line of result.stdout.trimEnd().split("\n")) expect(() => JSON.parse(line), line).not.toThrow();
        } else {
          if (result.code === 1) outcomes.failure += 1;
          else outcomes.usage += 1;
          expect(await tableDigest(db().driver, db().settings), `${JSON.stringify(argv)} failed yet changed a table`).toEqual(before);
        }
      }),
      { numRuns: 60 },
    );
    // The generators reach both outcomes; otherwise the property proves little.
    expect(outcomes.ok, JSON.stringify(outcomes)).toBeGreaterThan(3);
    expect(outcomes.usage, JSON.stringify(outcomes)).toBeGreaterThan(10);
  });

  it("injection strings as entrypoints, payloads, dedupe keys and paused names are stored verbatim", { timeout: 60_000 }, async () => {
    const run = invoker(db);
    const queries = new Queries(db().driver, db().settings);
    await fc.assert(
      fc.asyncProperty(injection, injection, injection, async (entrypoint, payload, key) => {
        // "--" ends the options: a value starting with "-" is still the entrypoint.
        const dedupeKey = `${key}-${Math.random()}`;
        const queued = await run(["--json", "queue", "--dedupe-key", dedupeKey, "--", entrypoint, payload]);
        expect(queued.code, queued.stderr).toBe(0);
        const { id } = JSON.parse(queued.stdout) as { id: number };
        const stored = await queries.queueJobById(id);
        expect(stored?.entrypoint).toBe(entrypoint);
        expect(stored?.payload?.toString("utf8")).toBe(payload);
        expect(stored?.dedupeKey).toBe(dedupeKey);
        const paused = await run(["--json", "pause", "--", entrypoint]);
        expect(paused.code, paused.stderr).toBe(0);
        expect((await queries.listPausedEntrypoints()).map((entry) => entry.entrypoint)).toContain(entrypoint);
        const resumed = await run(["--json", "resume", "--", entrypoint]);
        expect(JSON.parse(resumed.stdout)).toEqual({ resumed: [entrypoint] });
      }),
      { numRuns: 25 },
    );
  });

  // Counterexamples the properties found, kept as examples.
  it("an all-digit schedules --remove value too large for an id is a usage error naming --remove, not a bad list", async () => {
    const before = await tableDigest(db().driver, db().settings);
    const result = await invoker(db)(["schedules", "--remove", "9007199254740992"]);
    checkInvocation(["schedules", "--remove", "9007199254740992"], result);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^pgq: option '-r, --remove <id-or-entrypoint\.\.\.>' argument '9007199254740992' is invalid/);
    expect(await tableDigest(db().driver, db().settings)).toEqual(before);
  });

  it("dashboard off a terminal prints once and exits without waiting its refresh interval", async () => {
    const result = await within(invoker(db)(["dashboard", "--interval", "1h"]), 10_000, "pgq dashboard --interval 1h");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Queue$/m);
  });
});

describe("pgq under arbitrary arguments, without a database", () => {
  /** Every command that gets past its arguments reaches this, and stops there. */
  const unreachable: CliDatabaseOpener = async () => {
    throw new Error("test database: not opened in this property");
  };

  it("servers, workers, the demo and the SQL printer: usage errors name the option; nothing starts", { timeout: 60_000 }, async () => {
    let reachedDatabase = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(otherCommands, databaseCommands), async (argv) => {
        const result = await pgq(argv, {}, unreachable);
        if (result.stderr === "pgq: test database: not opened in this property\n") {
          reachedDatabase += 1;
          expect(result.code).toBe(1);
          return;
        }
        checkInvocation(argv, result);
        expect(result.code, `${JSON.stringify(argv)}: ${result.stderr}`).not.toBe(1);
      }),
      { numRuns: 400 },
    );
    expect(reachedDatabase).toBeGreaterThan(10);
  });
});

describe("pgq: timer delays a Node timer cannot wait are refused (they would fire at once)", () => {
  it("names the option", async () => {
    const cases = [
      ["dashboard", "--interval", "597h"],
      ["run", "./worker.ts", "--restart-delay", "597h"],
      ["run", "./worker.ts", "--dequeue-timeout", "2147483648"],
      ["run", "./worker.ts", "--heartbeat-timeout", "600h"],
    ];
    for (const argv of cases) {
      const result = await pgq(argv, {});
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^pgq: option '.*${argv.at(-2)!}.*' argument '${argv.at(-1)!}' is invalid\\. must be at most 2147483647 ms`));
    }
    expect(parseDuration("596h")).toBeLessThan(TIMER_MAX);
  });
});

describe("pgq value parsers under arbitrary strings", () => {
  /** A commander argument error (a usage error naming the option once commander adds it), or a value. */
  function outcome<T>(parse: () => T): { value: T } | { error: CommanderArgumentError } {
    try {
      return { value: parse() };
    } catch (error) {
      expect(error).toBeInstanceOf(CommanderArgumentError);
      return { error: error as CommanderArgumentError };
    }
  }
  const strings = fc.oneof(fc.string(), fc.string({ unit: "binary" }), numberish, durationish, injection);

  it("durations are whole non-negative milliseconds or an argument error", () => {
    fc.assert(
      fc.property(strings, (raw) => {
        const result = outcome(() => parseDuration(raw));
        if ("value" in result) {
          expect(Number.isSafeInteger(result.value) && result.value >= 0, raw).toBe(true);
          expect(raw.trim()).toMatch(/^(\d+(\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/i);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("integers are within their bounds or an argument error; job ids are positive safe integers", () => {
    const bounded = integerParser(2, 500);
    fc.assert(
      fc.property(strings, (raw) => {
        const within = outcome(() => bounded(raw));
        if ("value" in within) expect(within.value >= 2 && within.value <= 500 && String(within.value) === String(Number(raw.trim())), raw).toBe(true);
        const priority = outcome(() => parsePriority(raw));
        if ("value" in priority) expect(priority.value >= -(2 ** 31) && priority.value < 2 ** 31 && Number.isInteger(priority.value), raw).toBe(true);
        const ids = outcome(() => parseJobId(raw, [7]));
        if ("value" in ids) {
          expect(ids.value[0]).toBe(7);
          expect(Number.isSafeInteger(ids.value[1]) && ids.value[1]! >= 1, raw).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
