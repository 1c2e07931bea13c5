import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { quoteIdent } from "../../../src/sql/identifiers.js";
import { describeEachBackend } from "../../support/backends.js";
import { deferred, eventually, within } from "./helpers.js";

const WORKER = fileURLToPath(new URL("../../fixtures/scheduler-worker.ts", import.meta.url));
const WORKERS = 3;
/** Ticks every worker must see together, i.e. about this many seconds with all three running. */
const TICKS_WITH_ALL_RUNNING = 5;

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  readonly output: string[];
}

describeEachBackend("scheduler across worker processes", (db, backend) => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    // Only if a test failed half-way: stop the processes this file started, by their own handle.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    children.length = 0;
  });

  function startWorker(name: string, ticksTable: string): Worker {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
      env: {
        ...process.env,
        PGQ_TEST_DSN: db().dsn!,
        PGQ_TEST_SETTINGS: JSON.stringify(db().settingsOptions),
        PGQ_TEST_TICKS_TABLE: ticksTable,
        PGQ_TEST_WORKER: name,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const output: string[] = [];
    const ready = deferred();
    child.stdout!.on("data", (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join("").includes("ready")) ready.resolve();
    });
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, ready: ready.promise, exited, output };
  }

  it.skipIf(backend === "pglite")(
    "three processes with an every-second schedule run each tick exactly once, none skipped (PGlite is embedded: other processes cannot reach it)",
    async () => {
      const ticksTable = `${quoteIdent(db().settings.schema!)}.${quoteIdent("scheduler_ticks")}`;
      await db().driver.execute({ text: `CREATE TABLE ${ticksTable} (tick timestamptz NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())` });
      const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(`w${i}`, ticksTable));
      const describeOutput = () => workers.map((w, i) => `worker ${i}: ${w.output.join("")}`).join("\n");

      await within(Promise.all(workers.map((w) => w.ready)), 60_000, `all workers ready\n${describeOutput()}`);
      const [{ now: allRunning }] = await db().driver.query<{ now: Date }>({ text: "SELECT NOW() AS now" }) as [{ now: Date }];
      await eventually(
        async () => {
          const [row] = await db().driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${ticksTable} WHERE tick > $1`, values: [allRunning] });
          return row!.count >= TICKS_WITH_ALL_RUNNING;
        },
        { timeout: 30_000, interval: 100, what: `${TICKS_WITH_ALL_RUNNING} ticks with all workers running` },
      );
      for (const w of workers) w.child.kill("SIGTERM");
      const codes = await within(Promise.all(workers.map((w) => w.exited)), 20_000, "workers to exit");
      expect(codes, describeOutput()).toEqual([0, 0, 0]);

      const rows = await db().driver.query<{ tick: Date; worker: string }>({ text: `SELECT tick, worker FROM ${ticksTable} ORDER BY tick` });
      const ticks = rows.map((r) => r.tick.getTime());
      // Never twice: every tick appears once.
      expect(new Set(ticks).size, JSON.stringify(rows)).toBe(ticks.length);
      // Never skipped: from the first to the last tick, every second is there (some worker ran throughout).
      const gaps = ticks.slice(1).map((tick, i) => tick - ticks[i]!).filter((gap) => gap !== 1_000);
      expect(gaps, JSON.stringify(rows)).toEqual([]);
      expect(ticks.filter((tick) => tick > allRunning.getTime()).length).toBeGreaterThanOrEqual(TICKS_WITH_ALL_RUNNING);
      // The schedule row is left released.
      const stored = await db().driver.query<{ status: string }>({ text: `SELECT status::text AS status FROM ${quoteIdent(db().settings.schema!)}.pgqueuer_schedules` });
      expect(stored).toEqual([{ status: "queued" }]);
    },
    120_000,
  );
});
