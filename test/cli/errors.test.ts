/**
 * How `pgq` fails: usage errors (exit 2), runtime failures (exit 1), always one line on
 * stderr, a stack only with `--log-level debug`. None of these need a database; where a
 * connection would be attempted, the environment points at a port nobody listens on.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selectedBackends } from "../support/backends.js";
import { createTarget, FIXTURES, ROOT, runPgq, show, type PgqResult } from "./support.js";

const UNREACHABLE = { PGQUEUER_DSN: "postgres://postgres@127.0.0.1:1/none" };
const WORKER = join(FIXTURES, "worker.ts");

/** One line on stderr starting with `pgq: `, no stack, nothing on stdout. */
function expectOneLineError(result: PgqResult, code: number, pattern: RegExp, label: string): void {
  expect(result.code, `${label}\n${show(result)}`).toBe(code);
  const stderr = result.stderr.trimEnd().split("\n");
  expect(stderr, label).toHaveLength(1);
  expect(stderr[0], label).toMatch(/^pgq: /);
  expect(stderr[0], label).toMatch(pattern);
  expect(result.stdout, label).toBe("");
}

describe("pgq usage and failures", () => {
  it("prints help with no arguments (exit 0) and the version", async () => {
    const [help, version] = await Promise.all([runPgq(null, []), runPgq(null, ["--version"])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pgq \[options\] \[command\]/);
    expect(help.stdout).toContain("Exit codes: 0 ok");
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 60_000);

  it("shows --help for a command with the global options", async () => {
    const result = await runPgq(null, ["run", "--help"]);
    expect(result.code).toBe(0);
    for (const option of ["--batch-size", "--dequeue-timeout", "--heartbeat-timeout", "--max-concurrent-tasks", "--concurrent-claims", "--claim-linger", "--shutdown-timeout", "--log-aggregation-interval", "--health-check-interval", "--vacuum-interval", "--mode", "--shutdown-on-listener-failure", "--restart-on-failure", "--restart-delay", "--log-level", "--pg-dsn"]) {
      expect(result.stdout).toContain(option);
    }
  }, 60_000);

  it("rejects unknown commands, unknown options, bad values and bad ids with exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["instal"], /unknown command 'instal'.*install/],
      [["queue", "x", "--btach-size", "3"], /unknown option '--btach-size'/],
      [["run", WORKER, "--btach-size", "3", "--", "quick"], /unknown option '--btach-size'/],
      [["run", WORKER, "--dequeue-timeout", "5x"], /--dequeue-timeout.*not a duration/],
      [["run", WORKER, "--restart-delay", "-1"], /--restart-delay.*must be >= 0/],
      [["run", WORKER, "--mode", "sideways"], /--mode.*continuous, drain/],
      [["run", WORKER, "--claim-linger", "soon"], /--claim-linger.*not a duration/],
      [["run", WORKER, "--claim-linger", "-5ms"], /--claim-linger.*must be >= 0/],
      [["run", WORKER, "--concurrent-claims", "0"], /--concurrent-claims/],
      [["run", WORKER, "--vacuum-interval", "often"], /--vacuum-interval.*not a duration/],
      [["run", WORKER, "--health-check-interval", "0"], /healthCheckInterval: must be greater than 0/],
      [["run", WORKER, "--shutdown-timeout", "2147483648"], /--shutdown-timeout/],
      [["run", WORKER, "--concurrent-claims", "9"], /concurrentClaims: must be an integer from 1 to 8/],
      [["run", WORKER, "--batch-size", "10", "--max-concurrent-tasks", "3"], /maxConcurrentTasks: must be at least twice the batch size/],
      [["queue", "x", "--execute-after", "soon"], /not a duration/],
      [["queue", "x", "--execute-after", "-5s"], /must be >= 0/],
      [["queue", "x", "--priority", "high"], /--priority.*whole number/],
      [["queue", "x", "--on-conflict", "ignore"], /raise, skip/],
      [["cancel", "abc"], /job ids are positive whole numbers, got "abc"/],
      [["requeue", "1", "2x"], /"2x"/],
      [["cancel", "0"], /"0"/],
      [["failed", "--limit", "0"], /at least 1/],
      [["verify"], /--expect/],
      [["verify", "--expect", "maybe"], /present, absent/],
      [["--log-level", "loud", "sql", "install"], /--log-level.*debug, info, warn, error, silent/],
      [["--prefix", "bad-prefix", "verify", "--expect", "absent"], /prefix: /],
    ];
    const results = await Promise.all(cases.map(([args]) => runPgq(null, args, { env: UNREACHABLE })));
    results.forEach((result, index) => expectOneLineError(result, 2, cases[index]![1], cases[index]![0].join(" ")));
  }, 180_000);

  it("rejects modules it cannot use, naming the module (exit 2)", async () => {
    const cases: [string, RegExp][] = [
      ["./no/such/worker.ts", /cannot find module '\.\/no\/such\/worker\.ts'/],
      [`${WORKER}:notAFactory`, /export 'notAFactory' of '.*worker\.ts' is not a factory function/],
      [`${WORKER}:missing`, /has no export 'missing' \(it exports: .*withDisposer/],
      [`${join(FIXTURES, "broken-module.ts")}`, /cannot load '.*broken-module\.ts': module exploded while loading/],
      [`${WORKER}:returnsNumber`, /the factory returned 42; it must return a PgQueuer/],
      [`${WORKER}:`, /<module>\[:export\]/],
    ];
    const results = await Promise.all(cases.map(([spec]) => runPgq(null, ["run", spec], { env: UNREACHABLE })));
    results.forEach((result, index) => expectOneLineError(result, 2, cases[index]![1], cases[index]![0]));
  }, 180_000);

  it("reports an unreachable database in one line (exit 1), with the stack only at --log-level debug", async () => {
    const [plain, debug, flag] = await Promise.all([
      runPgq(null, ["verify", "--expect", "present"], { env: UNREACHABLE }),
      runPgq(null, ["--log-level", "debug", "verify", "--expect", "present"], { env: UNREACHABLE }),
      runPgq(null, ["--pg-dsn", UNREACHABLE.PGQUEUER_DSN, "queue", "x"]),
    ]);
    expectOneLineError(plain, 1, /^pgq: cannot reach the database: .*ECONNREFUSED/, "plain");
    expectOneLineError(flag, 1, /^pgq: cannot reach the database: .*ECONNREFUSED/, "--pg-dsn");
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^pgq: cannot reach the database/);
    expect(debug.stderr).toMatch(/^\s+at /m);
  }, 60_000);
});

// PGlite only: this is the embedded default, used when nothing configures a server.
describe.skipIf(!selectedBackends().includes("pglite"))("the embedded default [pglite]", () => {
  it("uses ./.pgqueuer in the working directory when nothing is configured (or PGQUEUER_DATA_DIR), and says so once", async () => {
    const template = await createTarget("pglite");
    const cwd = mkdtempSync(join(tmpdir(), "pgqueuer-cwd-"));
    try {
      cpSync(template.dataDir!, join(cwd, ".pgqueuer"), { recursive: true });
      const result = await runPgq(null, ["verify", "--expect", "absent"], { cwd });
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr.trim()).toBe("using embedded PGlite database at ./.pgqueuer");
      expect(result.stdout).toBe("No PgQueuer database objects found\n");

      // PGQUEUER_DATA_DIR points elsewhere (here: the same directory, from the repository root).
      const fromEnv = await runPgq(null, ["verify", "--expect", "absent"], { cwd: ROOT, env: { PGQUEUER_DATA_DIR: join(cwd, ".pgqueuer") } });
      expect(fromEnv.code, show(fromEnv)).toBe(0);
      expect(fromEnv.stderr.trim()).toBe(`using embedded PGlite database at ${join(cwd, ".pgqueuer")}`);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      await template.cleanup();
    }
  }, 120_000);
});
