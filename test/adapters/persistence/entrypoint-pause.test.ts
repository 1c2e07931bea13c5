import { beforeAll, expect, it } from "vitest";
import { PgQueuer } from "../../../src/pgqueuer.js";
import { InvalidArgumentError, SchemaError } from "../../../src/domain/errors.js";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../../support/backends.js";
import { deferred, within } from "../../support/wait.js";

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

describeEachBackend("pause / resume on a PgQueuer-only database (no extension tables)", (db) => {
  it("the worker still runs with the plain claim", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("plain");
    let ran = 0;
    pgq.entrypoint(ep, async () => {
      ran += 1;
    });
    await pgq.queries.enqueueMany([{ entrypoint: ep }, { entrypoint: ep }]);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    expect(ran).toBe(2);
  });

  it("pause, resume and list raise a SchemaError that says to run pgq upgrade", async () => {
    const pgq = makeQueue(db());
    await expect(pgq.queries.pauseEntrypoint("x")).rejects.toThrow(SchemaError);
    await expect(pgq.queries.pauseEntrypoint("x")).rejects.toThrow(/pgq upgrade/);
    await expect(pgq.queries.resumeEntrypoint("x")).rejects.toThrow(SchemaError);
    await expect(pgq.queries.listPausedEntrypoints()).rejects.toThrow(/pgqueuer_entrypoint_state/);
  });

  it("verify() reports the extension tables as absent but the schema as ok; upgrade() adds them", async () => {
    const pgq = makeQueue(db());
    const before = await pgq.queries.verify();
    expect(before.ok).toBe(true);
    expect(before.extensions).toEqual({ entrypointStateTable: false, resultsTable: false });
    await pgq.queries.upgrade();
    const after = await pgq.queries.verify();
    expect(after.extensions).toEqual({ entrypointStateTable: true, resultsTable: true });
    expect(await pgq.queries.listPausedEntrypoints()).toEqual([]);
  });
});

describeEachBackend("pause / resume", (db) => {
  beforeAll(async () => {
    await new SchemaManager(db().driver, db().settings).installExtensions();
  });

  it("a paused entrypoint is not claimed by any worker; other entrypoints are; drain ends", async () => {
    const pgq = makeQueue(db());
    const paused = uniqueName("paused");
    const free = uniqueName("free");
    const ran: string[] = [];
    pgq.entrypoint(paused, async () => void ran.push(paused));
    pgq.entrypoint(free, async () => void ran.push(free));
    await pgq.queries.pauseEntrypoint(paused);
    await pgq.queries.enqueueMany([{ entrypoint: paused }, { entrypoint: free }, { entrypoint: paused }]);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain with a paused entrypoint");
    expect(ran).toEqual([free]);
    const sizes = await pgq.queries.queueSize();
    expect(sizes.filter((row) => row.entrypoint === paused).map((row) => [row.status, row.count])).toEqual([["queued", 2]]);
    await pgq.queries.resumeEntrypoint(paused);
  });

  it("the pause is durable: a new instance (a restarted worker) sees it; list shows it once", async () => {
    const ep = uniqueName("durable");
    await makeQueue(db()).queries.pauseEntrypoint([ep, ep]);
    await makeQueue(db()).queries.pauseEntrypoint(ep); // idempotent
    const listed = await makeQueue(db()).queries.listPausedEntrypoints();
    const mine = listed.filter((entry) => entry.entrypoint === ep);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.pausedAt).toBeInstanceOf(Date);
    const restarted = makeQueue(db());
    let ran = 0;
    restarted.entrypoint(ep, async () => void (ran += 1));
    await restarted.queries.enqueue(ep);
    await within(restarted.run({ mode: "drain" }), 15_000, "drain");
    expect(ran).toBe(0);
    expect(await restarted.queries.resumeEntrypoint(ep)).toEqual([ep]);
    expect(await restarted.queries.resumeEntrypoint(ep)).toEqual([]); // no longer paused
    await within(restarted.run({ mode: "drain" }), 15_000, "drain after resume");
    expect(ran).toBe(1);
  });

  it("resume wakes an idle worker at once (notification, not the poll)", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("wake");
    const ran = deferred();
    pgq.entrypoint(ep, async () => ran.resolve());
    await pgq.queries.pauseEntrypoint(ep);
    await pgq.queries.enqueue(ep);
    const running = pgq.run({ dequeueTimeout: 120_000 });
    try {
      // Wait until the worker has claimed (nothing) and gone idle with a two-minute wait.
      await within(
        (async () => {
          while (!pgq.queueManager.isRunning) await new Promise((resolve) => setImmediate(resolve));
        })(),
        10_000,
        "worker start",
      );
      await pgq.queries.resumeEntrypoint(ep);
      await within(ran.promise, 10_000, "the resumed job runs long before the two-minute poll");
    } finally {
      pgq.stop();
      await running;
    }
  });

  it.each([[""], [[]], [[""]], [null], [42]])("rejects entrypoint %j naming the argument, before SQL", async (value) => {
    const pgq = makeQueue(db());
    for (const call of [() => pgq.queries.pauseEntrypoint(value as string), () => pgq.queries.resumeEntrypoint(value as string)]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).setting).toBe("entrypoint");
    }
  });
});
