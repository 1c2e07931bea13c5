/**
 * Load: eight worker processes on a mixed queue: priorities, dedupe keys, deferred jobs,
 * database retries (DatabaseRetryEntrypointExecutor), held failures, cancellations while
 * running, and a concurrency-limited entrypoint. While it runs the test samples the database
 * (the limit is never exceeded, no dedupe key is active twice); at the end every job has one
 * terminal state (or is held) and the statistics add up to the log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnqueueJob } from "../../src/adapters/persistence/queries.js";
import { PgQueuer } from "../../src/pgqueuer.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { openTestDatabase, type TestDatabase } from "../support/backends.js";
import { waitUntil, within } from "../support/wait.js";
import { createExecutionsTable, size, spawnChaos, stopAll, terminalCounts, type ChaosProcess } from "./support.js";

const JOBS = size("CHAOS_LOAD_JOBS", 12_000, 100_000);
const LIMIT = 3;
const WORKERS = 8;
/**
 * How long the queue may take to drain. On the 2-core machine 12 000 jobs settle in about 30 s
 * and 100 000 in about 150 s (2026-12-04; before claims stopped paying for JIT compilation the
 * full size took 340-900+ s). The deadline leaves a slow host several times that.
 */
const SETTLE_TIMEOUT = Math.max(420_000, JOBS * 9);

/** How often the test vacuums and analyzes the queue when the server's autovacuum is off. */
const AUTOVACUUM_STANDIN_INTERVAL = 15_000;

/** The i-th job of the mix; deterministic so the expected outcome of each kind is known. */
function jobAt(i: number): EnqueueJob {
  const kind = i % 20;
  const priority = (i * 7) % 11 - 5;
  if (kind < 9) return { entrypoint: "work", priority };
  if (kind < 11) return { entrypoint: "work", priority, dedupeKey: `key-${i % 97}` };
  if (kind < 13) return { entrypoint: "work", executeAfter: 500 + (i % 2_000) };
  if (kind < 15) return { entrypoint: "retry", payload: JSON.stringify({ failures: i % 5 }) }; // 4 failures: gives up
  if (kind === 15) return { entrypoint: "hold", priority };
  if (kind < 18) return { entrypoint: "slow" };
  return { entrypoint: "limited", priority };
}

describe(`load: ${WORKERS} workers, ${JOBS} mixed jobs [postgres]`, () => {
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

  it("invariants hold during and after the run", { timeout: SETTLE_TIMEOUT + 180_000 }, async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions, tracing: false });
    const n = sqlNames(db.settings);
    const ids: number[] = [];
    const slowIds: number[] = [];
    for (let offset = 0; offset < JOBS; offset += 2_000) {
      const batch = Array.from({ length: Math.min(2_000, JOBS - offset) }, (_, i) => jobAt(offset + i));
      const got = await pgq.queries.enqueueMany(batch, { onConflict: "skip" });
      got.forEach((id, i) => {
        if (id === null) return;
        ids.push(id);
        if (batch[i]!.entrypoint === "slow") slowIds.push(id);
      });
    }
    const workers = Array.from({ length: WORKERS }, () =>
      spawnChaos(db, { PGQ_TEST_LIMIT: String(LIMIT), PGQ_TEST_BATCH: "20", PGQ_TEST_HEARTBEAT: "10000", PGQ_TEST_WORK_MS: "1" }),
    );
    processes.push(...workers);
    await Promise.all(workers.map((w) => w.ready));

    // Sample while the queue drains; cancel a third of the slow jobs along the way.
    let peakLimited = 0;
    let samples = 0;
    const dedupeViolations: unknown[] = [];
    const toCancel = slowIds.filter((_, i) => i % 3 === 0);
    let canceled = 0;
    const settled = async (): Promise<boolean> => {
      const [row] = await db.driver.query<{ open: number }>({ text: `SELECT count(*)::int AS open FROM ${n.queueTable} WHERE status <> 'failed'` });
      return row!.open === 0;
    };
    /** What is still open, by entrypoint and status: printed as progress and on a timeout. */
    const openJobs = async (): Promise<string> => {
      const rows = await db.driver.query<{ entrypoint: string; status: string; count: number }>({
        text: `SELECT entrypoint, status::text AS status, count(*)::int AS count FROM ${n.queueTable} WHERE status <> 'failed' GROUP BY 1, 2 ORDER BY 1, 2`,
      });
      return rows.map((row) => `${row.entrypoint}/${row.status} ${row.count}`).join(", ");
    };
    // A server with autovacuum off (this machine's CI configuration) never vacuums or analyzes
    // the queue: its claims then plan without statistics and walk every dead row of the run,
    // and the 100 000-job tail took ~200 ms per claim. No production queue runs like that
    // (docs/reliability.md), so here the test plays autovacuum's part, on its own timer.
    const [autovacuum] = await db.driver.query<{ on: boolean }>({ text: "SELECT current_setting('autovacuum') = 'on' AS on" });
    const vacuumEvery = autovacuum!.on ? null : AUTOVACUUM_STANDIN_INTERVAL;
    const started = Date.now();
    const deadline = started + SETTLE_TIMEOUT;
    let nextProgress = started + 30_000;
    let nextVacuum = started + (vacuumEvery ?? 0);
    let vacuums = 0;
    while (!(await settled())) {
      if (vacuumEvery !== null && Date.now() > nextVacuum) {
        await db.driver.execute({ text: `VACUUM (ANALYZE) ${n.queueTable}, ${n.queueTableLog}` });
        vacuums += 1;
        nextVacuum = Date.now() + vacuumEvery;
      }
      if (Date.now() > deadline) throw new Error(`load run did not settle within ${SETTLE_TIMEOUT / 1000} s; open: ${await openJobs()}`);
      if (Date.now() > nextProgress) {
        console.info(`load: ${Math.round((Date.now() - started) / 1000)} s, open: ${await openJobs()}`);
        nextProgress += 30_000;
      }
      const [limited] = await db.driver.query<{ owned: number }>({
        text: `SELECT count(*)::int AS owned FROM ${n.queueTable} WHERE entrypoint = 'limited' AND status = 'picked'`,
      });
      peakLimited = Math.max(peakLimited, limited!.owned);
      dedupeViolations.push(
        ...(await db.driver.query({
          text: `SELECT dedupe_key, count(*)::int AS active FROM ${n.queueTable} WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'picked') GROUP BY dedupe_key HAVING count(*) > 1`,
        })),
      );
      samples += 1;
      if (canceled < toCancel.length) {
        const chunk = toCancel.slice(canceled, canceled + 25);
        await pgq.queries.markJobAsCancelled(chunk);
        canceled += chunk.length;
      }
    }
    const drained = Date.now() - started;
    expect(await within(stopAll(workers), 60_000, "workers stop on SIGTERM")).toEqual(Array(WORKERS).fill(0));
    expect(samples).toBeGreaterThan(20);
    expect(peakLimited).toBeGreaterThan(0);
    expect(peakLimited).toBeLessThanOrEqual(LIMIT);
    expect(dedupeViolations).toEqual([]);

    // One terminal log row per job, except held jobs: none, and still in the queue as `failed`.
    const held = new Set(
      (await db.driver.query<{ id: number }>({ text: `SELECT id::int AS id FROM ${n.queueTable} WHERE status = 'failed'` })).map((row) => row.id),
    );
    const terminal = await terminalCounts(db);
    const wrong = ids.filter((id) => (terminal.get(id) ?? 0) !== (held.has(id) ? 0 : 1));
    expect(wrong).toEqual([]);
    const [holdJobs] = await db.driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${n.queueTableLog} WHERE entrypoint = 'hold' AND status = 'queued'` });
    expect(held.size).toBe(holdJobs!.count);

    // Outcomes by kind: retries that gave up are exceptions, cancellations happened.
    const outcomes = await db.driver.query<{ entrypoint: string; status: string; count: number }>({
      text: `SELECT entrypoint, status::text AS status, count(*)::int AS count FROM ${n.queueTableLog}
        WHERE status IN ('successful', 'exception', 'canceled') GROUP BY 1, 2 ORDER BY 1, 2`,
    });
    const outcome = (entrypoint: string, status: string): number => outcomes.find((o) => o.entrypoint === entrypoint && o.status === status)?.count ?? 0;
    expect(outcome("retry", "exception")).toBeGreaterThan(0);
    expect(outcome("retry", "successful")).toBeGreaterThan(0);
    expect(outcome("slow", "canceled")).toBeGreaterThan(0);
    expect(outcome("work", "exception") + outcome("limited", "exception")).toBe(0);

    // Statistics totals equal log totals once every log row is folded in.
    await waitUntil(async () => {
      await pgq.queries.aggregateLogs();
      return (await pgq.queries.unaggregatedLogCount()) === 0;
    }, { message: "log fully aggregated" });
    const mismatch = await db.driver.query({
      text: `WITH l AS (SELECT entrypoint, status, count(*)::bigint AS count FROM ${n.queueTableLog} GROUP BY 1, 2),
             s AS (SELECT entrypoint, status, sum(count)::bigint AS count FROM ${n.statisticsTable} GROUP BY 1, 2)
        SELECT * FROM l FULL JOIN s USING (entrypoint, status) WHERE l.count IS DISTINCT FROM s.count`,
    });
    expect(mismatch).toEqual([]);
    console.info(
      `load: ${ids.length} jobs settled in ${Math.round(drained / 1000)} s, ${held.size} held, ${canceled} cancel requests, peak limited ${peakLimited}/${LIMIT} over ${samples} samples, ${vacuums} vacuums by the test`,
    );
  });
});
