/**
 * PostgreSQL restart: the cluster is restarted (`pg_ctlcluster … restart`) while a producer
 * process enqueues and three worker processes run. Nobody is restarted by the test: each
 * process must reconnect on its own. Jobs enqueued before, during (retried by the producer on
 * a typed error) and after the restart are all processed, each with one terminal log row, and
 * nothing is left `picked`.
 *
 * Root only, with pg_ctlcluster: it stops the server every other client uses. It runs only in
 * the chaos run (`npm run test:chaos`), one file at a time.
 */
import { existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { openTestDatabase, type TestDatabase } from "../support/backends.js";
import { waitUntil, within } from "../support/wait.js";
import { createExecutionsTable, executionsTable, isRoot, queueLeft, run, size, spawnChaos, stopAll, terminalCounts, type ChaosProcess } from "./support.js";

const PG_CTLCLUSTER = "/usr/bin/pg_ctlcluster";
const skipReason = !isRoot()
  ? "restarting the cluster needs root"
  : !existsSync(PG_CTLCLUSTER) || !existsSync("/etc/postgresql")
    ? "pg_ctlcluster (Debian postgresql-common) is not installed"
    : null;
const BATCHES = size("CHAOS_RESTART_BATCHES", 150, 600);
const HEARTBEAT = 3_000;

describe.skipIf(skipReason !== null)(`PostgreSQL restart under load [postgres]${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
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

  /** A query that succeeds once the server answers again (the pool drops dead clients). */
  const serverUp = async (): Promise<boolean> => {
    try {
      await db.driver.query({ text: "SELECT 1" });
      return true;
    } catch {
      return false;
    }
  };

  it("producer and workers reconnect on their own; every job before, during and after is processed once", async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions, tracing: false });
    const before = await pgq.queries.enqueueMany(Array.from({ length: 500 }, () => ({ entrypoint: "work", payload: "before" })));
    const workers = Array.from({ length: 3 }, () => spawnChaos(db, { PGQ_TEST_HEARTBEAT: String(HEARTBEAT), PGQ_TEST_WORK_MS: "5" }));
    const producer = spawnChaos(db, { PGQ_TEST_ROLE: "producer", PGQ_TEST_PRODUCE: String(BATCHES * 20), PGQ_TEST_PRODUCE_BATCH: "20", PGQ_TEST_PRODUCE_PAUSE: "30" });
    processes.push(...workers, producer);
    await Promise.all([...workers, producer].map((p) => p.ready));
    await within(producer.waitForLine(new RegExp(`^batch ${Math.floor(BATCHES / 4)} ok`)), 60_000, "producer a quarter through");

    const version = readdirSync("/etc/postgresql")[0]!;
    await run(PG_CTLCLUSTER, ["--skip-systemctl-redirect", version, "main", "restart"], { timeout: 120_000 });
    await waitUntil(serverUp, { timeout: 60_000, interval: 100, message: "server answers after the restart" });
    const after = await pgq.queries.enqueueMany(Array.from({ length: 500 }, () => ({ entrypoint: "work", payload: "after" })));

    await within(producer.waitForLine(/^produced$/), 240_000, "producer finishes every batch");
    expect(await producer.exited).toBe(0);
    const confirmed = producer.lines.filter((line) => / ok /.test(line)).length;
    expect(confirmed).toBeGreaterThanOrEqual(BATCHES);
    const producerErrors = producer.lines.filter((line) => line.startsWith("error "));

    // Everything drains; a job picked when the server went down is finished by its owner (whose
    // outcome write is retried) or re-claimed once its heartbeat expires: nothing stays picked.
    await waitUntil(async () => Object.keys(await queueLeft(db)).length === 0, { timeout: 240_000, interval: 250, message: "queue drained after the restart" });
    expect(workers.map((w) => w.hasExited())).toEqual([false, false, false]);

    const terminal = await terminalCounts(db);
    for (const id of [...before, ...after]) expect(terminal.get(id!)).toBe(1);
    expect([...terminal.values()].filter((count) => count !== 1)).toEqual([]);
    // The producer's confirmed batches all ran (a batch retried after an ambiguous commit may run twice).
    const tags = await db.driver.query<{ tag: string }>({ text: `SELECT DISTINCT tag FROM ${executionsTable(db)}` });
    const ran = new Set(tags.map((row) => row.tag));
    for (let batch = 0; batch < BATCHES; batch += 1) expect(ran.has(`b${batch}`), `batch b${batch} ran`).toBe(true);
    expect(ran.has("before") && ran.has("after")).toBe(true);
    const statuses = await db.driver.query<{ status: string; count: number }>({
      text: `SELECT status::text AS status, count(*)::int AS count FROM "${db.settings.schema}".${db.settings.names.queueTableLog} WHERE status NOT IN ('queued', 'picked') GROUP BY status`,
    });
    expect(statuses.map((row) => row.status)).toEqual(["successful"]);

    expect(await within(stopAll(workers), 30_000, "workers stop on SIGTERM")).toEqual([0, 0, 0]);
    console.info(`postgres restart: ${terminal.size} jobs; producer errors during the restart: ${producerErrors.length} (${[...new Set(producerErrors.map((line) => line.split(" ").slice(1, 3).join(" ")))].join("; ")})`);
  });
});
