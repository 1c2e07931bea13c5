/**
 * `prune` in memory, with an injected clock (the PostgreSQL suite backdates rows with SQL):
 * old aggregated log rows, statistics and stored results go; younger rows stay; bad options
 * throw the same InvalidArgumentError as the SQL queries.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InMemoryDriver } from "../../../src/adapters/in-memory/driver.js";
import { InMemoryQueries } from "../../../src/adapters/in-memory/queries.js";
import { InvalidArgumentError } from "../../../src/domain/errors.js";
import { resolveSettings } from "../../../src/domain/settings.js";

function clockedQueue(): { queries: InMemoryQueries; driver: InMemoryDriver; advance(ms: number): void } {
  let now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const driver = new InMemoryDriver({ now: () => now });
  return { queries: new InMemoryQueries(driver, resolveSettings({}, {})), driver, advance: (ms) => (now += ms) };
}

async function runOne(queries: InMemoryQueries, entrypoint: string, result?: string): Promise<number> {
  const id = await queries.enqueue(entrypoint, null);
  const worker = randomUUID();
  await queries.dequeue({ batchSize: 1, entrypoints: [{ name: entrypoint, concurrencyLimit: 0 }], queueManagerId: worker, workerLimit: null, heartbeatTimeout: 30_000 });
  await queries.recordOutcomes(worker, [{ jobId: id, outcome: result === undefined ? { kind: "successful" } : { kind: "successful", result } }]);
  return id;
}

describe("in-memory prune", () => {
  it("deletes log, statistics and result rows older than olderThan and keeps younger ones", async () => {
    const { queries, advance } = clockedQueue();
    const old = await runOne(queries, "e", "old");
    advance(10_000);
    const young = await runOne(queries, "e", "young");
    const counts = await queries.prune({ olderThan: 5_000 });
    // old job: queued + picked + successful log rows; statistics folded per second and status.
    expect(counts).toEqual({ log: 3, statistics: 3, results: 1 });
    expect((await queries.queueLog()).every((row) => row.jobId === young)).toBe(true);
    expect(await queries.jobResults([old, young])).toEqual([{ id: young, status: "successful", result: "young" }]);
    expect(await queries.prune({ olderThan: 60_000 })).toEqual({ log: 0, statistics: 0, results: 0 });
  });

  it("olderThan 0 prunes rows written in the same millisecond as the prune (the clock has no finer tick)", async () => {
    const { queries } = clockedQueue(); // the clock never moves: every row is stamped with "now"
    const id = await runOne(queries, "e", "same-tick");
    expect(await queries.prune({ olderThan: 0 })).toEqual({ log: 3, statistics: 3, results: 1 });
    expect(await queries.jobResults([id])).toEqual([]);
  });

  it("rejects bad options before touching anything", async () => {
    const { queries } = clockedQueue();
    await runOne(queries, "e");
    for (const [options, setting] of [
      [{ olderThan: -1 }, "olderThan"],
      [{ olderThan: Number.NaN }, "olderThan"],
      [{ olderThan: 1, batchSize: 0 }, "batchSize"],
      [null, "options"],
    ] as const) {
      await expect(queries.prune(options as never)).rejects.toMatchObject({ constructor: InvalidArgumentError, setting });
    }
    expect(await queries.queueLog()).toHaveLength(3);
  });
});
