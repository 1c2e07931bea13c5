/**
 * The in-memory driver and events (CATALOGUE MEM-3, MEM-10, MEM-18 and the PostgreSQL event
 * semantics that replace MEM-11): no SQL, in-process LISTEN/NOTIFY, and the table events each
 * operation sends.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InMemoryDriver } from "../../../src/adapters/in-memory/driver.js";
import { InMemoryQueries } from "../../../src/adapters/in-memory/queries.js";
import { InMemoryDriverError, InvalidArgumentError, PgQueuerError } from "../../../src/domain/errors.js";
import { parseEvent, type QueueEvent } from "../../../src/domain/events.js";
import { resolveSettings } from "../../../src/domain/settings.js";

function queueWithEvents(): { queries: InMemoryQueries; driver: InMemoryDriver; events: QueueEvent[] } {
  const driver = new InMemoryDriver();
  const queries = new InMemoryQueries(driver, resolveSettings({}, {}));
  const events: QueueEvent[] = [];
  void driver.listen({ channel: queries.channel, onNotification: (payload) => events.push(parseEvent(payload)!) });
  return { queries, driver, events };
}

const summary = (events: QueueEvent[]): string[] =>
  events.splice(0).map((event) => (event.type === "table_changed_event" ? `${event.type}:${event.operation}` : event.type));

describe("InMemoryDriver", () => {
  it("runs no SQL: query and execute throw a typed error naming the statement (MEM-3)", async () => {
    const driver = new InMemoryDriver();
    await expect(driver.query({ text: "SELECT 1" })).rejects.toThrow(InMemoryDriverError);
    await expect(driver.execute({ text: "DELETE FROM x" })).rejects.toThrow(/runs no SQL \(execute "DELETE FROM x"\)/);
    await expect(driver.query({ text: "SELECT 1" })).rejects.toBeInstanceOf(PgQueuerError);
  });

  it("delivers notifications to the listeners of that channel only, in order, until closed", async () => {
    const driver = new InMemoryDriver();
    const got: string[] = [];
    const other: string[] = [];
    const subscription = await driver.listen({ channel: "a", onNotification: (payload) => got.push(payload) });
    await driver.listen({ channel: "b", onNotification: (payload) => other.push(payload) });
    await driver.notify({ channel: "a", payload: "1" });
    await driver.notify({ channel: "a", payload: "2" });
    await subscription.close();
    await driver.notify({ channel: "a", payload: "3" });
    expect(got).toEqual(["1", "2"]);
    expect(other).toEqual([]);
  });

  it("reports a throwing listener to its onError and still delivers to the others", async () => {
    const driver = new InMemoryDriver();
    const errors: Error[] = [];
    const got: string[] = [];
    await driver.listen({
      channel: "c",
      onNotification: () => {
        throw new Error("listener broke");
      },
      onError: (error) => errors.push(error),
    });
    await driver.listen({ channel: "c", onNotification: (payload) => got.push(payload) });
    await driver.notify({ channel: "c", payload: "x" });
    expect(errors.map((error) => error.message)).toEqual(["listener broke"]);
    expect(got).toEqual(["x"]);
  });

  it("runs a transaction's callback on itself, without rollback (MEM-18)", async () => {
    const { queries, driver } = queueWithEvents();
    await expect(
      driver.transaction(async (tx) => {
        expect(tx).toBe(driver);
        await queries.enqueue("tx", null, { connection: tx });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await queries.queueSize()).toEqual([{ count: 1, entrypoint: "tx", priority: 0, status: "queued" }]);
  });

  it("rejects a connection that is not this queue's in-memory driver, before any change", async () => {
    const { queries } = queueWithEvents();
    await expect(queries.enqueue("x", null, { connection: new InMemoryDriver() })).rejects.toThrow(InvalidArgumentError);
    await expect(queries.enqueue("x", null, { connection: new InMemoryDriver() })).rejects.toMatchObject({ setting: "connection" });
    expect(await queries.queueSize()).toEqual([]);
    expect(() => new InMemoryQueries({} as InMemoryDriver)).toThrow(InvalidArgumentError);
  });

  it("keeps nothing after close(): tables empty, listeners gone", async () => {
    const { queries, driver, events } = queueWithEvents();
    await queries.enqueueMany([{ entrypoint: "gone" }, { entrypoint: "gone" }]);
    events.splice(0);
    await driver.close();
    expect(await queries.queueSize()).toEqual([]);
    expect(await queries.queueLog()).toEqual([]);
    await queries.enqueue("after");
    expect(events).toEqual([]);
  });
});

describe("in-memory events follow PostgreSQL (MEM-10, SQL-9..SQL-13; not MEM-11)", () => {
  it("enqueue sends one insert per call, also when every row was skipped; none when raising", async () => {
    const { queries, events } = queueWithEvents();
    await queries.enqueueMany([{ entrypoint: "e", dedupeKey: "k" }, { entrypoint: "e" }]);
    expect(summary(events)).toEqual(["table_changed_event:insert"]);
    expect(await queries.enqueue("e", null, { dedupeKey: "k", onConflict: "skip" })).toBeNull();
    expect(summary(events)).toEqual(["table_changed_event:insert"]);
    await expect(queries.enqueue("e", null, { dedupeKey: "k" })).rejects.toThrow(/dedupe key "k"/);
    expect(summary(events)).toEqual([]);
  });

  it("claims and heartbeats send nothing; outcomes send delete, plus update when a job is eligible again", async () => {
    const { queries, events } = queueWithEvents();
    const worker = randomUUID();
    const [a, b] = (await queries.enqueueMany([{ entrypoint: "o" }, { entrypoint: "o" }])) as number[];
    summary(events);
    await queries.dequeue({ batchSize: 2, entrypoints: [{ name: "o", concurrencyLimit: 0 }], queueManagerId: worker, workerLimit: null, heartbeatTimeout: 30_000 });
    await queries.updateHeartbeat(worker, [a!, b!]);
    expect(summary(events)).toEqual([]);
    await queries.recordOutcomes(worker, [{ jobId: a!, outcome: { kind: "successful" } }]);
    expect(summary(events)).toEqual(["table_changed_event:delete"]);
    await queries.recordOutcomes(worker, [{ jobId: b!, outcome: { kind: "released" } }]);
    expect(summary(events)).toEqual(["table_changed_event:update", "table_changed_event:delete"]);
  });

  it("cancel sends the cancellation event with every id, then delete; clear sends delete or truncate; health checks carry the id", async () => {
    const { queries, events } = queueWithEvents();
    const id = await queries.enqueue("c");
    summary(events);
    expect(await queries.markJobAsCancelled([id, 999])).toEqual([id]);
    const [cancellation, deletion] = events.splice(0);
    expect(cancellation).toMatchObject({ type: "cancellation_event", ids: [id, 999] });
    expect(deletion).toMatchObject({ type: "table_changed_event", operation: "delete", table: "pgqueuer" });
    await queries.clearQueue("c");
    await queries.clearQueue();
    expect(summary(events)).toEqual(["table_changed_event:delete", "table_changed_event:truncate"]);
    const probe = randomUUID();
    await queries.notifyHealthCheck(probe);
    expect(events.splice(0)).toEqual([expect.objectContaining({ type: "health_check_event", id: probe })]);
  });

  it("stores headers as a copy and payload bytes exactly; null headers stay null (ENQ-5, ENQ-11)", async () => {
    const { queries } = queueWithEvents();
    const headers = { nested: { list: [1, "two", null, true] } };
    const id = await queries.enqueue("h", Buffer.from([0, 1, 255]), { headers });
    headers.nested.list.push(5);
    const job = await queries.queueJobById(id);
    expect(job!.headers).toEqual({ nested: { list: [1, "two", null, true] } });
    expect([...job!.payload!]).toEqual([0, 1, 255]);
    expect((await queries.queueJobById(await queries.enqueue("h")))!.headers).toBeNull();
  });
});
