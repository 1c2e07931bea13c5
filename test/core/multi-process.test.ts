/**
 * The runtime across processes and connections (PostgreSQL only: PGlite is one process with one
 * connection, so none of this can happen there).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { openTestDatabase, selectedBackends, type TestDatabase } from "../support/backends.js";
import { deferred, waitUntil, within } from "../support/wait.js";

const runOnPostgres = selectedBackends().includes("postgres");

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Resolves with the id of the next `block` job this worker starts. */
  nextPicked(): Promise<number>;
}

function startWorker(db: TestDatabase, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/queue-worker.ts"], {
    env: { ...process.env, PGQ_TEST_DSN: db.dsn!, PGQ_TEST_SETTINGS: JSON.stringify(db.settingsOptions), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = deferred();
  const picked: number[] = [];
  let waiter: ((id: number) => void) | undefined;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (line === "ready") ready.resolve();
    const match = /^picked (\d+)$/.exec(line);
    if (match) {
      const id = Number(match[1]);
      if (waiter) {
        waiter(id);
        waiter = undefined;
      } else picked.push(id);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    ready: ready.promise,
    exited,
    nextPicked: () => (picked.length > 0 ? Promise.resolve(picked.shift()!) : new Promise((resolve) => (waiter = resolve))),
  };
}

describe.skipIf(!runOnPostgres)("runtime across processes [postgres]", () => {
  let db: TestDatabase;
  const workers: Worker[] = [];
  beforeAll(async () => {
    db = await openTestDatabase("postgres");
  });
  afterAll(async () => {
    for (const worker of workers) worker.child.kill("SIGKILL");
    await db?.close();
  });

  async function countsByJob(entrypoint: string): Promise<Map<number, Record<string, number>>> {
    const n = sqlNames(db.settings);
    const rows = await db.driver.query<{ job_id: number; status: string; count: number }>({
      text: `SELECT job_id, status::text AS status, count(*)::int AS count FROM ${n.queueTableLog} WHERE entrypoint = $1 GROUP BY job_id, status`,
      values: [entrypoint],
    });
    const byJob = new Map<number, Record<string, number>>();
    for (const row of rows) byJob.set(row.job_id, { ...byJob.get(row.job_id), [row.status]: row.count });
    return byJob;
  }

  it("4 worker processes drain 20 000 jobs: each runs exactly once with one terminal log row", async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions });
    const ids: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      ids.push(...((await pgq.queries.enqueueMany(Array.from({ length: 1_000 }, () => ({ entrypoint: "noop" })))) as number[]));
    }
    const batch = Array.from({ length: 4 }, () => startWorker(db, { PGQ_TEST_MODE: "drain", PGQ_TEST_BATCH: "50" }));
    workers.push(...batch);
    const codes = await within(Promise.all(batch.map((w) => w.exited)), 240_000, "4 workers draining 20 000 jobs");
    expect(codes).toEqual([0, 0, 0, 0]);
    const byJob = await countsByJob("noop");
    expect(byJob.size).toBe(20_000);
    for (const id of ids) expect(byJob.get(id)).toEqual({ queued: 1, picked: 1, successful: 1 });
    expect(await pgq.queries.queueSize()).toEqual([]);
  }, 300_000);

  it("kill -9 mid-job: another worker re-runs that job after heartbeatTimeout, and only that job", async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions });
    const victim = startWorker(db, { PGQ_TEST_HEARTBEAT: "1000" });
    workers.push(victim);
    await victim.ready;
    const done = await pgq.queries.enqueueMany(Array.from({ length: 20 }, () => ({ entrypoint: "noop" })));
    const blocked = await pgq.queries.enqueue("block", "held by the victim");
    expect(await within(victim.nextPicked(), 20_000, "victim picks the block job")).toBe(blocked);
    await waitUntil(async () => {
      const byJob = await countsByJob("noop");
      return done.every((id) => byJob.get(id!)?.successful === 1);
    }, { message: "noop jobs done" });
    victim.child.kill("SIGKILL");
    await victim.exited;

    const rescuer = startWorker(db, { PGQ_TEST_HEARTBEAT: "1000" });
    workers.push(rescuer);
    expect(await within(rescuer.nextPicked(), 30_000, "rescuer re-picks the stale job")).toBe(blocked);
    rescuer.child.kill("SIGTERM");
    expect(await rescuer.exited).toBe(0);

    const blockLog = (await countsByJob("block")).get(blocked)!;
    expect(blockLog.picked).toBe(2);
    for (const id of done) expect((await countsByJob("noop")).get(id!)).toEqual({ queued: 1, picked: 1, successful: 1 });
  }, 120_000);

  it("the global concurrency limit holds across 4 worker processes", async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions });
    const n = sqlNames(db.settings);
    await pgq.queries.enqueueMany(Array.from({ length: 400 }, () => ({ entrypoint: "limited" })));
    const batch = Array.from({ length: 4 }, () => startWorker(db, { PGQ_TEST_MODE: "drain", PGQ_TEST_LIMIT: "2", PGQ_TEST_BATCH: "5" }));
    workers.push(...batch);
    let peak = 0;
    let samples = 0;
    let exited = false;
    const all = Promise.all(batch.map((w) => w.exited)).then((codes) => {
      exited = true;
      return codes;
    });
    while (!exited) {
      const [row] = await db.driver.query<{ owned: number }>({
        text: `SELECT count(*)::int AS owned FROM ${n.queueTable} WHERE entrypoint = 'limited' AND queue_manager_id IS NOT NULL`,
      });
      peak = Math.max(peak, row!.owned);
      samples += 1;
    }
    expect(await all).toEqual([0, 0, 0, 0]);
    expect(samples).toBeGreaterThan(10);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThan(0);
    const byJob = await countsByJob("limited");
    expect([...byJob.values()].every((c) => c.successful === 1)).toBe(true);
    expect(byJob.size).toBe(400);
  }, 240_000);

  it("recovers when its LISTEN connection is terminated, without waiting for dequeueTimeout", async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions });
    const ran = deferred();
    pgq.entrypoint("after_terminate", async () => ran.resolve());
    const running = pgq.run({ dequeueTimeout: 120_000 });
    const listener = async () =>
      (await db.driver.query<{ pid: number }>({
        text: "SELECT pid FROM pg_stat_activity WHERE query = $1",
        values: [`LISTEN "${db.settings.names.channel}"`],
      }))[0]?.pid;
    const pid = await waitUntil(listener, { message: "listener connection present" });
    await db.driver.query({ text: "SELECT pg_terminate_backend($1)", values: [pid] });
    await waitUntil(async () => {
      const next = await listener();
      return next !== undefined && next !== pid;
    }, { message: "listener re-established on a new connection" });
    await pgq.queries.enqueue("after_terminate", null);
    await within(ran.promise, 10_000, "job enqueued after the reconnect runs promptly");
    pgq.stop();
    await running;
  }, 60_000);
});
