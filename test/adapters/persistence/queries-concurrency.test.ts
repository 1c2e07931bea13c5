// Concurrency across connections. PostgreSQL only: PGlite has a single connection, so its
// statements never overlap and these races cannot happen there.
import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { Queries } from "../../../src/adapters/persistence/queries.js";
import { DuplicateJobError } from "../../../src/domain/errors.js";
import type { Job } from "../../../src/domain/types.js";
import type { Driver } from "../../../src/ports/driver.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { lockKeyName } from "../../../src/sql/queue.js";
import { describeEachBackend, type TestDatabase } from "../../support/backends.js";
import { deferred, within } from "../../support/wait.js";
import { claim, loggedStatuses, queriesFor, resetTables } from "./support.js";

const ONE_CONNECTION = "PGlite runs every statement on one connection: nothing overlaps, there is no race to test";

/** `count` Queries, each on its own pool (own connections) to the same database. */
async function separateConnections(db: TestDatabase, count: number): Promise<Queries[]> {
  const drivers: Driver[] = [];
  for (let index = 0; index < count; index += 1) drivers.push(await db.openDriver());
  return drivers.map((driver) => new Queries(driver, db.settings));
}

async function ownedCount(db: TestDatabase, driver: Driver, entrypoint: string): Promise<number> {
  const [row] = await driver.query<{ count: number }>({
    text: `SELECT count(*) AS count FROM ${sqlNames(db.settings).queueTable} WHERE entrypoint = $1 AND queue_manager_id IS NOT NULL`,
    values: [entrypoint],
  });
  return row!.count;
}

describeEachBackend("Queries under concurrent connections", (db, backend) => {
  beforeEach(() => resetTables(db()));

  it.skipIf(backend === "pglite")(`never lets more than the limit run, with 5 workers racing for a limit of 2 (DEQ-12) [${ONE_CONNECTION}]`, async () => {
    const LIMIT = 2;
    const TOTAL = 150;
    const producer = queriesFor(db());
    const ids = await producer.enqueueMany(Array.from({ length: TOTAL }, () => ({ entrypoint: "tight" })));
    const workers = await separateConnections(db(), 5);
    const sampler = await db().openDriver();

    // `running` counts a job from the moment its claim resolved until just before its
    // completion is sent: a sub-interval of the time the database marks it owned, so
    // `running > LIMIT` proves the database had more than LIMIT owned at once.
    let running = 0;
    let maxRunning = 0;
    let maxSampled = 0;
    let done = 0;
    const completed: number[] = [];

    const work = async (queries: Queries, worker: string): Promise<void> => {
      while (done < TOTAL) {
        const jobs: Job[] = await queries.dequeue({
          batchSize: 3,
          entrypoints: [{ name: "tight", concurrencyLimit: LIMIT }],
          queueManagerId: worker,
          workerLimit: null,
          heartbeatTimeout: 60_000,
        });
        if (jobs.length === 0) {
          // the slots are taken: look again after the others' next move (a DB round trip, no sleep)
          maxSampled = Math.max(maxSampled, await ownedCount(db(), sampler, "tight"));
          continue;
        }
        running += jobs.length;
        maxRunning = Math.max(maxRunning, running);
        // hold the slots across a round trip, observing the database meanwhile
        maxSampled = Math.max(maxSampled, await ownedCount(db(), sampler, "tight"));
        running -= jobs.length;
        await queries.recordOutcomes(worker, jobs.map((job) => ({ jobId: job.id, outcome: { kind: "successful" as const } })));
        completed.push(...jobs.map((job) => job.id));
        done += jobs.length;
      }
    };
    const sample = async (): Promise<void> => {
      while (done < TOTAL) maxSampled = Math.max(maxSampled, await ownedCount(db(), sampler, "tight"));
    };

    await Promise.all([...workers.map((queries) => work(queries, randomUUID())), sample(), sample()]);

    expect(maxRunning).toBeLessThanOrEqual(LIMIT);
    expect(maxSampled).toBeLessThanOrEqual(LIMIT);
    expect(completed.sort((a, b) => a - b)).toEqual(ids);
    const successRows = await db().driver.query<{ count: number }>({
      text: `SELECT count(*) AS count FROM ${sqlNames(db().settings).queueTableLog} WHERE status = 'successful'`,
    });
    expect(successRows[0]!.count).toBe(TOTAL);
  });

  it.skipIf(backend === "pglite")(`takes the entrypoint locks in one order: workers naming several limited entrypoints in different orders never deadlock [${ONE_CONNECTION}]`, async () => {
    const names = ["alpha", "beta", "gamma", "delta"];
    await queriesFor(db()).enqueueMany(names.flatMap((entrypoint) => Array.from({ length: 15 }, () => ({ entrypoint }))));
    const workers = await separateConnections(db(), 4);
    let done = 0;
    const drain = async (queries: Queries, order: string[]): Promise<void> => {
      const worker = randomUUID();
      while (done < 60) {
        const jobs = await queries.dequeue({
          batchSize: 4,
          entrypoints: order.map((name) => ({ name, concurrencyLimit: 1 })),
          queueManagerId: worker,
          workerLimit: null,
          heartbeatTimeout: 60_000,
        });
        if (jobs.length === 0) continue;
        await queries.recordOutcomes(worker, jobs.map((job) => ({ jobId: job.id, outcome: { kind: "successful" as const } })));
        done += jobs.length;
      }
    };
    await Promise.all(workers.map((queries, index) => drain(queries, index % 2 === 0 ? names : [...names].reverse())));
    expect(done).toBe(60);
  });

  it.skipIf(backend === "pglite")(`drains with 8 concurrent workers: no job twice, none lost (DEQ-9) [${ONE_CONNECTION}]`, async () => {
    const ids = await queriesFor(db()).enqueueMany(Array.from({ length: 400 }, (_, index) => ({ entrypoint: "drain", priority: index % 5 })));
    const workers = await separateConnections(db(), 8);
    const seen: number[] = [];
    await Promise.all(
      workers.map(async (queries) => {
        const worker = randomUUID();
        for (;;) {
          const jobs = await claim(queries, { entrypoints: ["drain"], batchSize: 7, worker });
          if (jobs.length === 0) return;
          expect(jobs.every((job) => job.queueManagerId === worker)).toBe(true);
          seen.push(...jobs.map((job) => job.id));
        }
      }),
    );
    expect(seen.length).toBe(400);
    expect(new Set(seen).size).toBe(400);
    expect([...seen].sort((a, b) => a - b)).toEqual(ids);
    for (const id of ids.slice(0, 5)) expect(await loggedStatuses(db(), id)).toEqual(["queued", "picked"]);
  });

  it.skipIf(backend === "pglite")(`does not queue behind another claim of a limited entrypoint: takes the rest, leaves that one to the lock holder [${ONE_CONNECTION}]`, async () => {
    const producer = queriesFor(db());
    const [tight] = await producer.enqueueMany([{ entrypoint: "tight", priority: 9 }, { entrypoint: "free" }, { entrypoint: "free" }]);
    const holder = await db().openDriver();
    const [claimer] = await separateConnections(db(), 1);
    const release = deferred();
    const locked = deferred();
    // Another claim of "tight" in progress: its transaction holds the entrypoint's lock.
    const holding = holder.transaction(async (tx) => {
      await tx.query({ text: "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", values: [lockKeyName(db().settings, "queueTable"), "tight"] });
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const entrypoints = [{ name: "tight", concurrencyLimit: 1 }, "free"];
    try {
      const first = await within(claim(claimer!, { entrypoints }), 5_000, "a claim that does not wait for the lock");
      expect(first.map((job) => job.entrypoint)).toEqual(["free", "free"]);
    } finally {
      release.resolve();
      await holding;
    }
    expect((await claim(claimer!, { entrypoints })).map((job) => job.id)).toEqual([tight]);
  });

  it.skipIf(backend === "pglite")(`gives a single job to exactly one of two concurrent claims, stamped with its id (DEQ-9) [${ONE_CONNECTION}]`, async () => {
    const id = await queriesFor(db()).enqueue("single");
    const [first, second] = await separateConnections(db(), 2);
    const [a, b] = [randomUUID(), randomUUID()];
    const results = await Promise.all([claim(first!, { entrypoints: ["single"], worker: a }), claim(second!, { entrypoints: ["single"], worker: b })]);
    const winners = results.flat();
    expect(winners.map((job) => job.id)).toEqual([id]);
    expect(winners[0]!.queueManagerId).toBe(results[0]!.length === 1 ? a : b);
  });

  it.skipIf(backend === "pglite")(`lets exactly one of 10 concurrent enqueues of one key succeed, under raise and under skip (ENQ-17, ENQ-24) [${ONE_CONNECTION}]`, async () => {
    const workers = await separateConnections(db(), 2);
    const attempts = Array.from({ length: 10 }, (_, index) => workers[index % 2]!.enqueue("dedupe", null, { dedupeKey: "race" }).then(
      (id) => ({ id }),
      (error: unknown) => ({ error }),
    ));
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((outcome) => "id" in outcome)).toHaveLength(1);
    const failures = outcomes.filter((outcome): outcome is { error: unknown } => "error" in outcome);
    expect(failures).toHaveLength(9);
    for (const failure of failures) expect(failure.error).toBeInstanceOf(DuplicateJobError);

    const skipped = await Promise.all(Array.from({ length: 10 }, (_, index) => workers[index % 2]!.enqueue("dedupe", null, { dedupeKey: "race-skip", onConflict: "skip" })));
    expect(skipped.filter((id) => id !== null)).toHaveLength(1);
    expect((await queriesFor(db()).queueSize()).reduce((sum, row) => sum + row.count, 0)).toBe(2);
  });
});
