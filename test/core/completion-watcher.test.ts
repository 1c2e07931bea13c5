/**
 * CompletionWatcher against a real queue, on PostgreSQL and PGlite: terminal statuses of many
 * jobs on one connection, jobs finished before the wait, held jobs, notifications alone.
 */
import { expect, it } from "vitest";
import { CompletionWatcher, type JobStatusReader } from "../../src/core/completion-watcher.js";
import type { JobId, TerminalStatus } from "../../src/domain/types.js";
import { PgQueuer } from "../../src/pgqueuer.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { deferred, within } from "../support/wait.js";

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

/** `pgq.queries` behind a spy: records each status query, and lets a test await the next one. */
function spyOn(pgq: PgQueuer) {
  const calls: (readonly JobId[])[] = [];
  let next = deferred<void>();
  const queries: JobStatusReader = {
    channel: pgq.queries.channel,
    jobStatus: async (ids) => {
      calls.push([...ids]);
      const result = await pgq.queries.jobStatus(ids);
      const done = next;
      next = deferred<void>();
      done.resolve();
      return result;
    },
  };
  return { queries, calls, nextQuery: () => next.promise };
}

function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T } = { settled: false };
  void promise.then((value) => Object.assign(state, { settled: true, value }));
  return state;
}

describeEachBackend("CompletionWatcher", (db) => {
  it("resolves 1 000 waiters on one connection with their terminal statuses, batching ids per query", async () => {
    const pgq = makeQueue(db());
    const [ok, boom, cancel, gone] = ["ok", "boom", "cancel", "gone"].map(uniqueName) as [string, string, string, string];
    pgq.entrypoint(ok, async () => undefined);
    pgq.entrypoint(boom, async () => {
      throw new Error("boom");
    });
    const plan: [string, number, TerminalStatus][] = [
      [ok, 700, "successful"],
      [boom, 200, "exception"],
      [cancel, 50, "canceled"],
      [gone, 50, "deleted"],
    ];
    const expected = new Map<JobId, TerminalStatus>();
    for (const [entrypoint, count, status] of plan) {
      const ids = await pgq.queries.enqueueMany(Array.from({ length: count }, () => ({ entrypoint })));
      for (const id of ids) expected.set(id, status);
    }
    const spy = spyOn(pgq);
    await using watcher = await CompletionWatcher.open({ driver: db().driver, queries: spy.queries });
    const ids = [...expected.keys()];
    const all = watcher.waitForAll(ids);
    expect(watcher.pending).toBe(1_000);

    const cancelIds = ids.filter((id) => expected.get(id) === "canceled");
    expect(await pgq.queries.markJobAsCancelled(cancelIds)).toHaveLength(50);
    await pgq.queries.clearQueue(gone);
    await within(pgq.run({ mode: "drain", batchSize: 50 }), 60_000, "drain");

    const statuses = await within(all, 30_000, "all 1 000 waiters");
    expect(statuses).toEqual(ids.map((id) => expected.get(id)));
    expect(watcher.pending).toBe(0);
    // One query asked for all 1 000 ids at once; far fewer queries than jobs overall.
    expect(spy.calls[0]).toHaveLength(1_000);
    expect(spy.calls.length).toBeLessThan(200);
  });

  it("resolves jobs that finished before waitFor was called (CMP-2)", async () => {
    const pgq = makeQueue(db());
    const ok = uniqueName("done");
    const boom = uniqueName("failed_before");
    pgq.entrypoint(ok, async () => undefined);
    pgq.entrypoint(boom, async () => {
      throw new Error("no");
    });
    const done = await pgq.queries.enqueueMany(Array.from({ length: 25 }, () => ({ entrypoint: ok })));
    const failed = await pgq.queries.enqueue(boom);
    await pgq.run({ mode: "drain" });
    // No poll: only the check that waitFor itself triggers can resolve these.
    await using watcher = await CompletionWatcher.open({ driver: db().driver, queries: pgq.queries, refreshInterval: null });
    const statuses = await within(watcher.waitForAll([...done, failed]), 10_000, "finished jobs");
    expect(statuses).toEqual([...done.map(() => "successful"), "exception"]);
  });

  it("does not resolve a held (failed) job until it is canceled (CMP-3)", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("held");
    pgq.entrypoint(ep, { onFailure: "hold" }, async () => {
      throw new Error("hold me");
    });
    const id = await pgq.queries.enqueue(ep);
    await pgq.run({ mode: "drain" });
    expect((await pgq.queries.jobStatus([id]))[0]?.status).toBe("failed");

    const spy = spyOn(pgq);
    await using watcher = await CompletionWatcher.open({ driver: db().driver, queries: spy.queries, refreshInterval: null });
    const first = spy.nextQuery();
    const waiting = watcher.waitFor(id);
    const wait = track(waiting);
    await within(first, 10_000, "the first status check");
    expect(spy.calls).toEqual([[id]]);
    expect(wait.settled).toBe(false);

    expect(await pgq.queries.markJobAsCancelled([id])).toEqual([id]);
    // Only the DELETE's notification can trigger this check: the poll is off.
    await expect(within(waiting, 10_000, "canceled held job")).resolves.toBe("canceled");
  });

  it("with the refresh poll disabled, resolves through notifications alone", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("notified");
    pgq.entrypoint(ep, async () => undefined);
    const ids = await pgq.queries.enqueueMany([{ entrypoint: ep }, { entrypoint: ep }]);
    const spy = spyOn(pgq);
    await using watcher = await CompletionWatcher.open({ driver: db().driver, queries: spy.queries, refreshInterval: null });
    const first = spy.nextQuery();
    const all = watcher.waitForAll(ids);
    await within(first, 10_000, "the first status check");
    expect(watcher.pending).toBe(2); // still queued when first checked
    await pgq.run({ mode: "drain" });
    await expect(within(all, 10_000, "notified completion")).resolves.toEqual(["successful", "successful"]);
  });

  it("listens on the queue's channel (CMP-7) and close() leaves the driver usable", async () => {
    const pgq = makeQueue(db());
    const watcher = await CompletionWatcher.open({ driver: db().driver, queries: pgq.queries });
    expect(watcher.channel).toBe(db().settings.names.channel);
    await watcher.close();
    expect(await pgq.queries.queueSize()).toEqual([]);
  });
});
