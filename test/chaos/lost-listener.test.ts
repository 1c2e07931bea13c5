/**
 * Lost listener: the worker's LISTEN connection is terminated by the server again and again.
 * With `dequeueTimeout` at 60 s, a job enqueued right after each termination must still run
 * within a couple of seconds: the listener is re-established and the worker catches up on
 * what it may have missed, instead of sleeping until the next poll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { openTestDatabase, type TestDatabase } from "../support/backends.js";
import { waitUntil, within } from "../support/wait.js";
import { createExecutionsTable, executionsTable, size, spawnChaos, type ChaosProcess } from "./support.js";

const TERMINATIONS = size("CHAOS_LISTENER_TERMINATIONS", 8, 25);
const DEQUEUE_TIMEOUT = 60_000;
/** "Within milliseconds", with room for a loaded 2-core CI machine: still 30 x below dequeueTimeout. */
const MAX_PICKUP = 2_000;

describe("lost listener: LISTEN backends terminated repeatedly [postgres]", () => {
  let db: TestDatabase;
  let worker: ChaosProcess | undefined;
  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    await createExecutionsTable(db);
  });
  afterAll(async () => {
    worker?.child.kill("SIGKILL");
    await db?.close();
  });

  const listenerPids = async (): Promise<number[]> =>
    (
      await db.driver.query<{ pid: number }>({
        text: "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND query LIKE '%' || $1 || '%'",
        values: [db.settings.names.channel],
      })
    ).map((row) => row.pid);

  /** Milliseconds from the job's `queued` log row to its handler starting, once it has started. */
  const pickupLatency = async (id: number): Promise<{ latency: number } | undefined> =>
    (
      await db.driver.query<{ latency: number }>({
        text: `SELECT (extract(epoch FROM e.started - l.created) * 1000)::float8 AS latency
          FROM ${executionsTable(db)} e JOIN ${sqlNames(db.settings).queueTableLog} l ON l.job_id = e.job_id AND l.status = 'queued'
          WHERE e.job_id = $1`,
        values: [id],
      })
    )[0];

  it(`${TERMINATIONS} terminations: each job enqueued right after one runs within ${MAX_PICKUP} ms`, async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions, tracing: false });
    worker = spawnChaos(db, { PGQ_TEST_DEQUEUE_TIMEOUT: String(DEQUEUE_TIMEOUT) });
    await worker.ready;
    let previous = await waitUntil(async () => ((await listenerPids()).length > 0 ? await listenerPids() : null), { message: "listener connected" });
    const latencies: number[] = [];
    for (let round = 0; round < TERMINATIONS; round += 1) {
      const terminated = await db.driver.query<{ ok: boolean }>({
        text: "SELECT pg_terminate_backend(pid) AS ok FROM (SELECT jsonb_array_elements_text($1::jsonb)::int AS pid) AS listeners",
        values: [JSON.stringify(previous)],
      });
      expect(terminated.every((row) => row.ok)).toBe(true);
      const id = await pgq.queries.enqueue("work", `after termination ${round}`);
      const { latency } = await waitUntil(() => pickupLatency(id), { timeout: DEQUEUE_TIMEOUT / 2, interval: 10, message: `job ${id} of round ${round} started before dequeueTimeout` });
      latencies.push(latency);
      // The next round terminates the re-established listener, not the dead one.
      previous = await waitUntil(
        async () => {
          const pids = await listenerPids();
          return pids.length > 0 && pids.every((pid) => !previous.includes(pid)) ? pids : null;
        },
        { message: `listener re-established after round ${round}` },
      );
    }
    expect(worker.hasExited()).toBe(false);
    console.info(`lost listener: pickup latencies after termination (ms): ${latencies.map((l) => Math.round(l)).join(", ")}`);
    for (const latency of latencies) expect(latency).toBeLessThan(MAX_PICKUP);
    worker.child.kill("SIGTERM");
    expect(await within(worker.exited, 20_000, "worker stops on SIGTERM")).toBe(0);
  });
});
