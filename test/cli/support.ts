/**
 * Running `pgq` as a child process (`node bin/pgq.js ...`, which falls back to tsx on the
 * sources) against an isolated database per test block:
 *
 * - PostgreSQL: `PGQUEUER_DSN` = the test server, a unique `PGQUEUER_SCHEMA` and a unique
 *   `PGQUEUER_CHANNEL` (the NOTIFY channel is database-global); the schema is dropped after.
 * - PGlite: `--data-dir <tmpdir>`, copied from a template data directory initialised once
 *   (PGlite's initdb is the slow part) and removed after.
 *
 * The test process itself can open the same database between commands ({@link withDatabase})
 * to arrange state or check it; a PGlite directory must never be open in two processes at
 * once, so it is closed before the next child runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe } from "vitest";
import { openDriver } from "../../src/adapters/connect.js";
import { Queries } from "../../src/adapters/persistence/queries.js";
import { ScheduleQueries } from "../../src/adapters/persistence/schedule-queries.js";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { resolveSettings, type Settings } from "../../src/domain/settings.js";
import { buildInstallStatements, renderScript } from "../../src/sql/schema.js";
import type { Driver } from "../../src/ports/driver.js";
import { selectedBackends, TEST_DSN, uniqueName, type BackendName } from "../support/backends.js";
import { waitUntil } from "../support/wait.js";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The executable under test. */
export const BIN = join(ROOT, "bin", "pgq.js");
/** Worker modules for `pgq run`. */
export const FIXTURES = join(ROOT, "test", "cli", "fixtures");

/** One isolated database, addressed the way a user would address it. */
export interface CliTarget {
  readonly backend: BackendName;
  /** Global options to put before the command (PGlite: `--data-dir`). */
  readonly globalArgs: readonly string[];
  /** Environment for the child (PostgreSQL: DSN, schema, channel). */
  readonly env: Readonly<Record<string, string>>;
  readonly settings: Settings;
  /** PostgreSQL schema, or undefined on PGlite. */
  readonly schema: string | undefined;
  /** PGlite data directory, or undefined on PostgreSQL. */
  readonly dataDir: string | undefined;
}

/** What {@link withDatabase} hands to its callback. */
export interface OpenDatabase {
  readonly driver: Driver;
  readonly queries: Queries;
  readonly schema: SchemaManager;
  readonly schedules: ScheduleQueries;
}

/** The environment of a child: ours without any database configuration, plus `extra`. */
export function childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(PG|PGQUEUER_)/.test(key) || key === "DURABILITY" || key.startsWith("VITEST") || key === "FORCE_COLOR") continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

let templates: Promise<{ empty: string; installed: string }> | undefined;

/**
 * Two template PGlite data directories: one freshly initialised, one with the PgQueuer schema
 * installed. Named after the PGlite version and the install DDL, so they are reused across
 * runs until either changes; built in a temp directory and renamed into place, so concurrent
 * test files never see half a template.
 */
function pgliteTemplates(): Promise<{ empty: string; installed: string }> {
  templates ??= (async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "node_modules", "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string };
    const key = createHash("sha256").update(version).update(renderScript(buildInstallStatements(resolveSettings({}, {})))).digest("hex").slice(0, 12);
    const base = join(tmpdir(), `pgqueuer-cli-templates-${key}`);
    const empty = join(base, "empty");
    const installed = join(base, "installed");
    if (!existsSync(installed)) {
      const work = mkdtempSync(join(tmpdir(), "pgqueuer-cli-template-"));
      const opened = await openDriver({ dataDir: join(work, "empty") }, {});
      await opened.driver.close();
      cpSync(join(work, "empty"), join(work, "installed"), { recursive: true });
      const withSchema = await openDriver({ dataDir: join(work, "installed") }, {});
      await new SchemaManager(withSchema.driver, resolveSettings({}, {})).install();
      await withSchema.driver.close();
      try {
        renameSync(work, base);
      } catch {
        rmSync(work, { recursive: true, force: true }); // another file won the race
      }
    }
    return { empty, installed };
  })();
  return templates;
}

/** How {@link createTarget} prepares the database. */
export interface TargetOptions {
  /** Put the PgQueuer schema in it first. */
  readonly installed?: boolean;
  /** PGlite: leave the data directory absent, so the command under test must create it. */
  readonly fresh?: boolean;
}

/** Create an isolated database. */
export async function createTarget(backend: BackendName, options: TargetOptions = {}): Promise<CliTarget & { cleanup(): Promise<void> }> {
  if (backend === "postgres") {
    const schema = uniqueName("pgqcli");
    const channel = `${schema}_ch`;
    const settings = resolveSettings({ schema, channel }, {});
    const env = { PGQUEUER_DSN: TEST_DSN, PGQUEUER_SCHEMA: schema, PGQUEUER_CHANNEL: channel };
    const target: CliTarget = { backend, globalArgs: [], env, settings, schema, dataDir: undefined };
    if (options.installed === true) await withDatabase(target, (db) => db.schema.install());
    return {
      ...target,
      cleanup: async () => {
        const opened = await openDriver({ dsn: TEST_DSN }, {});
        await opened.driver.execute({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` }).catch(() => undefined);
        await opened.driver.close();
      },
    };
  }
  const directory = mkdtempSync(join(tmpdir(), "pgqueuer-cli-"));
  const dataDir = join(directory, "db");
  if (options.fresh !== true) {
    const { empty, installed } = await pgliteTemplates();
    cpSync(options.installed === true ? installed : empty, dataDir, { recursive: true });
  }
  return {
    backend,
    globalArgs: ["--data-dir", dataDir],
    env: {},
    settings: resolveSettings({}, {}),
    schema: undefined,
    dataDir,
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** Open the target's database in this process for `work`, then close it. */
export async function withDatabase<T>(target: CliTarget, work: (db: OpenDatabase) => Promise<T>): Promise<T> {
  const opened = target.backend === "postgres" ? await openDriver({ dsn: TEST_DSN }, {}) : await openDriver({ dataDir: target.dataDir! }, {});
  const driver = opened.driver;
  try {
    return await work({
      driver,
      queries: new Queries(driver, target.settings),
      schema: new SchemaManager(driver, target.settings),
      schedules: new ScheduleQueries({ driver, settings: target.settings }),
    });
  } finally {
    await driver.close();
  }
}

/**
 * `describe` once per selected backend with a fresh target (opened before the block, removed
 * after it).
 */
export function describeEachCliBackend(
  title: string,
  body: (target: () => CliTarget, backend: BackendName) => void,
  options: TargetOptions = {},
): void {
  for (const backend of selectedBackends()) {
    describe(`${title} [${backend}]`, () => {
      let target: (CliTarget & { cleanup(): Promise<void> }) | undefined;
      beforeAll(async () => {
        target = await createTarget(backend, options);
      }, 120_000);
      afterAll(async () => {
        await target?.cleanup();
      });
      body(() => {
        if (!target) throw new Error("target not ready");
        return target;
      }, backend);
    });
  }
}

/** A finished `pgq` run. */
export interface PgqResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `pgq` process. */
export interface RunningPgq {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  readonly output: { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  readonly exited: Promise<PgqResult>;
  /** Resolve once `pattern` has appeared on `stream` (fails on timeout or early exit). */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeout?: number): Promise<void>;
}

/** Start `pgq <target global args> <args>`. */
export function spawnPgq(target: CliTarget | null, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): RunningPgq {
  const child = spawn(process.execPath, [BIN, ...(target?.globalArgs ?? []), ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv({ ...target?.env, ...options.env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  child.stdin!.end(options.stdin ?? "");
  let done = false;
  const exited = new Promise<PgqResult>((resolveExit, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      done = true;
      resolveExit({ code, signal, stdout: output.stdout, stderr: output.stderr });
    });
  });
  return {
    child,
    output,
    exited,
    waitFor: async (stream, pattern, timeout = 60_000) => {
      await waitUntil(
        () => {
          if (pattern.test(output[stream])) return true;
          if (done) throw new Error(`pgq exited before ${pattern} appeared on ${stream}; stdout: ${output.stdout}\nstderr: ${output.stderr}`);
          return false;
        },
        { timeout, interval: 25, message: `${pattern} on ${stream}` },
      );
    },
  };
}

/** Run `pgq` to completion. */
export function runPgq(target: CliTarget | null, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<PgqResult> {
  return spawnPgq(target, args, options).exited;
}

/** Assert-friendly summary of a result for failure messages. */
export function show(result: PgqResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
