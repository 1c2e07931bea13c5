/**
 * Crash: four worker processes drain a queue while two of them are killed with SIGKILL at
 * random moments and replaced. Nothing is lost and nothing ends twice: every job has exactly
 * one terminal log row, and a job ran more than once only when a killed process had started
 * it (its heartbeat then expired and another worker re-claimed it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { openTestDatabase, type TestDatabase } from "../support/backends.js";
import { waitUntil, within } from "../support/wait.js";
import { createExecutionsTable, executionsTable, queueLeft, repeatedExecutions, size, spawnChaos, stopAll, terminalCounts, type ChaosProcess } from "./support.js";

const JOBS = size("CHAOS_JOBS", 10_000, 50_000);
const HEARTBEAT = 2_000;

describe("crash: kill -9 two of four workers mid-batch [postgres]", () => {
  let db: TestDatabase;
  const processes: ChaosProcess[] = [];
  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    await createExecutionsTable(db);
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill("SIGKILL");
    await db?.close();
  });

  const started = async (): Promise<number> =>
    (await db.driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${executionsTable(db)}` }))[0]!.count;

  it(`every one of ${JOBS} jobs ends exactly once; only jobs a killed worker started run twice`, async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions, tracing: false });
    for (let offset = 0; offset < JOBS; offset += 5_000) {
      await pgq.queries.enqueueMany(Array.from({ length: Math.min(5_000, JOBS - offset) }, (_, i) => ({ entrypoint: "work", payload: `j${offset + i}` })));
    }
    const workerEnv = { PGQ_TEST_HEARTBEAT: String(HEARTBEAT), PGQ_TEST_BATCH: "20", PGQ_TEST_WORK_MS: "2" };
    const start = (): ChaosProcess => {
      const p = spawnChaos(db, workerEnv);
      processes.push(p);
      return p;
    };
    const live = [start(), start(), start(), start()];
    await Promise.all(live.map((p) => p.ready));

    // Two kills at random points between 10% and 80% of the run, the second after the first.
    const marks = [0.1 + Math.random() * 0.3, 0.45 + Math.random() * 0.35].map((f) => Math.floor(f * JOBS));
    const killed = new Set<number>();
    for (const mark of marks) {
      await waitUntil(async () => (await started()) >= mark, { timeout: 300_000, interval: 10, message: `${mark} jobs started` });
      const index = Math.floor(Math.random() * live.length);
      const victim = live[index]!;
      killed.add(victim.child.pid!);
      victim.child.kill("SIGKILL");
      await victim.exited;
      live[index] = start();
      await live[index].ready;
    }

    const finished = async (): Promise<number> => [...(await terminalCounts(db)).values()].filter((count) => count > 0).length;
    await waitUntil(async () => (await finished()) === JOBS, { timeout: 400_000, interval: 250, message: `all ${JOBS} jobs terminal` });
    const codes = await within(stopAll(live), 30_000, "survivors stop on SIGTERM").catch((error: unknown) => {
      throw new Error(`${String(error)}; still running: ${live.filter((p) => !p.hasExited()).map((p) => p.child.pid).join(", ")}`);
    });
    expect(codes).toEqual([0, 0, 0, 0]);

    const terminal = await terminalCounts(db);
    expect(terminal.size).toBe(JOBS);
    const notOnce = [...terminal].filter(([, count]) => count !== 1);
    expect(notOnce).toEqual([]);
    expect(await queueLeft(db)).toEqual({});

    // A repeat is legitimate only when every run but the last was in a killed process.
    const repeats = await repeatedExecutions(db);
    const unexplained = repeats.filter((r) => !r.pids.slice(0, -1).every((pid) => killed.has(pid)));
    expect(unexplained).toEqual([]);
    console.info(`crash: ${JOBS} jobs, killed pids ${[...killed].join(", ")}, ${repeats.length} jobs re-run after a kill`);
  });
});
