/**
 * Shared helpers of the chaos suites: spawn chaos-worker processes, the executions table
 * they write, sizes scaled by environment, and invariant queries over the log.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { sqlNames } from "../../src/sql/identifiers.js";
import type { TestDatabase } from "../support/backends.js";
import { deferred } from "../support/wait.js";

export const run = promisify(execFile);

/** Full issue sizes with CHAOS_FULL=1; otherwise `scaled`, overridable by the named variable. */
export function size(variable: string, scaled: number, full: number): number {
  const explicit = process.env[variable];
  if (explicit !== undefined && explicit !== "") return Number(explicit);
  return process.env.CHAOS_FULL === "1" ? full : scaled;
}

/** Whether this process may run root-only chaos (restart the cluster, network namespaces). */
export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A spawned chaos-worker process and what it printed. */
export interface ChaosProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves at the first line (already printed or future) matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<RegExpExecArray>;
  /** Whether the process has exited. */
  readonly hasExited: () => boolean;
}

/** Spawn test/fixtures/chaos-worker.ts (optionally through a command prefix such as `ip netns exec`). */
export function spawnChaos(db: TestDatabase, env: Record<string, string>, options: { prefix?: string[]; dsn?: string } = {}): ChaosProcess {
  const command = [...(options.prefix ?? []), process.execPath, "--import", "tsx", "test/fixtures/chaos-worker.ts"];
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      ...process.env,
      PGQ_TEST_DSN: options.dsn ?? db.dsn!,
      PGQ_TEST_SETTINGS: JSON.stringify(db.settingsOptions),
      PGQ_TEST_EXECUTIONS: executionsTable(db),
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const ready = deferred();
  const watchers: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    if (line === "ready") ready.resolve();
    for (let i = watchers.length - 1; i >= 0; i -= 1) {
      const match = watchers[i]!.pattern.exec(line);
      if (match) {
        watchers[i]!.resolve(match);
        watchers.splice(i, 1);
      }
    }
  });
  let exitedFlag = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code, signal) => {
      exitedFlag = true;
      ready.reject(new Error(`chaos process exited before ready (code ${code}, signal ${signal})`));
      resolve(code);
    }),
  );
  ready.promise.catch(() => undefined);
  return {
    child,
    ready: ready.promise,
    exited,
    lines,
    hasExited: () => exitedFlag,
    waitForLine: (pattern) => {
      for (const line of lines) {
        const match = pattern.exec(line);
        if (match) return Promise.resolve(match);
      }
      return new Promise((resolve) => watchers.push({ pattern, resolve }));
    },
  };
}

/** The executions table of a test database (quoted, qualified). */
export function executionsTable(db: TestDatabase): string {
  return `"${db.settings.schema}".chaos_executions`;
}

/** Create the executions table the chaos-worker handlers write. */
export async function createExecutionsTable(db: TestDatabase): Promise<void> {
  await db.driver.execute({
    text: `CREATE TABLE IF NOT EXISTS ${executionsTable(db)} (
      job_id bigint NOT NULL, pid int NOT NULL, entrypoint text NOT NULL, tag text,
      started timestamptz NOT NULL, finished timestamptz)`,
  });
  await db.driver.execute({ text: `CREATE INDEX IF NOT EXISTS chaos_executions_job ON ${executionsTable(db)} (job_id)` });
}

/** Log rows whose status is terminal, per job: `{ job_id, terminal }` for every logged job. */
export async function terminalCounts(db: TestDatabase, entrypoints?: readonly string[]): Promise<Map<number, number>> {
  const n = sqlNames(db.settings);
  const rows = await db.driver.query<{ job_id: number; terminal: number }>({
    text: `SELECT job_id, count(*) FILTER (WHERE status IN ('successful', 'exception', 'canceled', 'deleted'))::int AS terminal
      FROM ${n.queueTableLog} WHERE ($1::jsonb IS NULL OR entrypoint IN (SELECT jsonb_array_elements_text($1::jsonb))) GROUP BY job_id`,
    values: [entrypoints ? JSON.stringify(entrypoints) : null],
  });
  return new Map(rows.map((row) => [Number(row.job_id), row.terminal]));
}

/** Rows left in the queue table, by status. */
export async function queueLeft(db: TestDatabase): Promise<Record<string, number>> {
  const n = sqlNames(db.settings);
  const rows = await db.driver.query<{ status: string; count: number }>({
    text: `SELECT status::text AS status, count(*)::int AS count FROM ${n.queueTable} GROUP BY status`,
  });
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

/** Jobs that ran more than once, with the pid of each run in start order. */
export async function repeatedExecutions(db: TestDatabase): Promise<{ job_id: number; pids: number[] }[]> {
  return db.driver.query<{ job_id: number; pids: number[] }>({
    text: `SELECT job_id::int AS job_id, array_agg(pid ORDER BY started) AS pids FROM ${executionsTable(db)} GROUP BY job_id HAVING count(*) > 1`,
  });
}

/** SIGTERM every live process and wait for it. */
export async function stopAll(processes: readonly ChaosProcess[]): Promise<(number | null)[]> {
  for (const p of processes) if (!p.hasExited()) p.child.kill("SIGTERM");
  return Promise.all(processes.map((p) => p.exited));
}
