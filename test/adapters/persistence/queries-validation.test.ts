// Bad inputs are rejected with typed errors naming the field, before any SQL runs: the driver
// here fails (and records) every call, so a passing test proves no statement was sent.
import { describe, expect, it } from "vitest";
import { Queries } from "../../../src/adapters/persistence/queries.js";
import { InvalidArgumentError, PgQueuerError } from "../../../src/domain/errors.js";
import { resolveSettings } from "../../../src/domain/settings.js";
import { forbiddenDriver } from "./support.js";

const WORKER = "5b3a6a0e-8a53-4c1e-9a7e-6f1f1d2b3c4d";

function setup() {
  const driver = forbiddenDriver();
  return { driver, queries: new Queries(driver, resolveSettings({}, {})) };
}

async function rejection(promise: Promise<unknown>): Promise<InvalidArgumentError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error).toBeInstanceOf(PgQueuerError);
  return error as InvalidArgumentError;
}

describe("Queries input validation (before any SQL)", () => {
  it.each([
    ["empty entrypoint", () => setup().queries.enqueue(""), "entrypoint"],
    ["non-string entrypoint", () => setup().queries.enqueue(42 as never), "entrypoint"],
    ["NUL in entrypoint", () => setup().queries.enqueue("a\u0000b"), "entrypoint"],
    ["lone surrogate in entrypoint", () => setup().queries.enqueue("a\uD800b"), "entrypoint"],
    ["fractional priority", () => setup().queries.enqueue("e", null, { priority: 1.5 }), "priority"],
    ["priority beyond int32", () => setup().queries.enqueue("e", null, { priority: 2 ** 31 }), "priority"],
    ["string priority", () => setup().queries.enqueue("e", null, { priority: "1" as never }), "priority"],
    ["NaN executeAfter", () => setup().queries.enqueue("e", null, { executeAfter: Number.NaN }), "executeAfter"],
    ["infinite executeAfter", () => setup().queries.enqueue("e", null, { executeAfter: Number.POSITIVE_INFINITY }), "executeAfter"],
    ["huge executeAfter", () => setup().queries.enqueue("e", null, { executeAfter: 1e300 }), "executeAfter"],
    ["invalid Date", () => setup().queries.enqueue("e", null, { executeAfter: new Date("nope") }), "executeAfter"],
    ["string executeAfter", () => setup().queries.enqueue("e", null, { executeAfter: "10s" as never }), "executeAfter"],
    ["numeric dedupeKey", () => setup().queries.enqueue("e", null, { dedupeKey: 7 as never }), "dedupeKey"],
    ["array headers", () => setup().queries.enqueue("e", null, { headers: [1] as never }), "headers"],
    ["Date headers", () => setup().queries.enqueue("e", null, { headers: new Date() as never }), "headers"],
    ["function in headers", () => setup().queries.enqueue("e", null, { headers: { f: (() => 1) as never } }), "headers.f"],
    ["NaN in headers", () => setup().queries.enqueue("e", null, { headers: { n: { x: Number.NaN } } }), "headers.n.x"],
    ["bigint in headers", () => setup().queries.enqueue("e", null, { headers: { b: 1n as never } }), "headers.b"],
    ["class instance in headers", () => setup().queries.enqueue("e", null, { headers: { m: new Map() as never } }), "headers.m"],
    ["NUL in a header key", () => setup().queries.enqueue("e", null, { headers: { "a\u0000": 1 } }), 'headers key "a\\u0000"'],
    ["number payload", () => setup().queries.enqueue("e", 12 as never), "payload"],
    ["object payload", () => setup().queries.enqueue("e", { a: 1 } as never), "payload"],
    ["unknown onConflict", () => setup().queries.enqueue("e", null, { onConflict: "ignore" as never }), "onConflict"],
    ["non-driver connection", () => setup().queries.enqueue("e", null, { connection: {} as never }), "connection"],
    ["non-object options", () => setup().queries.enqueue("e", null, "skip" as never), "options"],
  ])("enqueue rejects %s", async (_title, run, field) => {
    const error = await rejection(run());
    expect(error.setting).toBe(field);
    expect(error.message).toContain(field);
  });

  it("rejects a cyclic headers object", async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const error = await rejection(setup().queries.enqueue("e", null, { headers: cyclic as never }));
    expect(error.message).toContain("cycle");
  });

  it("names the index of the bad job in a batch", async () => {
    const { queries, driver } = setup();
    const error = await rejection(queries.enqueueMany([{ entrypoint: "ok" }, { entrypoint: "ok" }, { entrypoint: "ok" }, { entrypoint: "ok", priority: 0.5 }]));
    expect(error.setting).toBe("jobs[3].priority");
    expect((await rejection(queries.enqueueMany([{ entrypoint: "ok" }, null as never]))).setting).toBe("jobs[1]");
    expect((await rejection(queries.enqueueMany([{ entrypoint: "ok", headers: { a: [1, undefined] } as never }]))).setting).toBe("jobs[0].headers.a[1]");
    expect(driver.statements).toEqual([]);
  });

  it("rejects an empty batch and a non-array batch", async () => {
    const { queries } = setup();
    expect((await rejection(queries.enqueueMany([]))).setting).toBe("jobs");
    expect((await rejection(queries.enqueueMany("jobs" as never))).setting).toBe("jobs");
  });

  it("accepts undefined header properties (dropped, as JSON does) — validation passes and only then SQL is attempted", async () => {
    const { queries, driver } = setup();
    await expect(queries.enqueue("e", null, { headers: { a: undefined as never, b: 1 } })).rejects.toThrow("SQL must not run");
    expect(driver.statements).toHaveLength(1);
  });

  it.each([
    ["pauseEntrypoint", () => setup().queries.pauseEntrypoint("a\u0000"), "entrypoint"],
    ["resumeEntrypoint", () => setup().queries.resumeEntrypoint(["ok", "\uDC00"]), "entrypoint"],
    ["browseQueue filter", () => setup().queries.browseQueue({ entrypoints: ["ok", "x\u0000"] }), "entrypoints[1]"],
    ["clearQueue", () => setup().queries.clearQueue("a\u0000"), "entrypoints"],
    ["a claim's entrypoint", () => setup().queries.dequeue({ batchSize: 1, entrypoints: [{ name: "a\u0000", concurrencyLimit: 0 }], queueManagerId: WORKER, workerLimit: null, heartbeatTimeout: 1 }), "entrypoints[0].name"],
  ])("%s rejects a name PostgreSQL text cannot hold (NUL, unpaired surrogate)", async (_title, run, field) => {
    const error = await rejection(run());
    expect(error.setting).toBe(field);
  });

  it("rejects bad claim requests (DEQ-1, ERR-18)", async () => {
    const { queries } = setup();
    const base = { batchSize: 1, entrypoints: [{ name: "e", concurrencyLimit: 0 }], queueManagerId: WORKER, workerLimit: null, heartbeatTimeout: 30_000 };
    const zero = await rejection(queries.dequeue({ ...base, batchSize: 0 }));
    expect(zero.setting).toBe("batchSize");
    expect(zero.message).toContain("Batch size must be greater than or equal to one (1)");
    expect((await rejection(queries.dequeue({ ...base, batchSize: 1.5 }))).setting).toBe("batchSize");
    expect((await rejection(queries.dequeue({ ...base, queueManagerId: "not-a-uuid" }))).setting).toBe("queueManagerId");
    expect((await rejection(queries.dequeue({ ...base, workerLimit: -1 }))).setting).toBe("workerLimit");
    expect((await rejection(queries.dequeue({ ...base, heartbeatTimeout: Number.NaN }))).setting).toBe("heartbeatTimeout");
    expect((await rejection(queries.dequeue({ ...base, entrypoints: [{ name: "", concurrencyLimit: 0 }] }))).setting).toBe("entrypoints[0].name");
    expect((await rejection(queries.dequeue({ ...base, entrypoints: [{ name: "e", concurrencyLimit: -1 }] }))).setting).toBe("entrypoints[0].concurrencyLimit");
    const duplicate = await rejection(queries.dequeue({ ...base, entrypoints: [{ name: "e", concurrencyLimit: 0 }, { name: "e", concurrencyLimit: 1 }] }));
    expect(duplicate.setting).toBe("entrypoints[1].name");
  });

  it("returns [] for a claim without entrypoints, without SQL (DEQ-2)", async () => {
    const { queries, driver } = setup();
    expect(await queries.dequeue({ batchSize: 5, entrypoints: [], queueManagerId: WORKER, workerLimit: null, heartbeatTimeout: 1000 })).toEqual([]);
    expect(await queries.probeWork([])).toEqual({ eligible: false, nextEligibleIn: null });
    await queries.recordOutcomes(WORKER, []);
    await queries.updateHeartbeat(WORKER, []);
    expect(await queries.markJobAsCancelled([])).toEqual([]);
    expect(await queries.requeueJobs([])).toEqual([]);
    expect(await queries.jobStatus([])).toEqual([]);
    expect(driver.statements).toEqual([]);
  });

  it("rejects bad outcomes, heartbeats and id lists", async () => {
    const { queries } = setup();
    expect((await rejection(queries.recordOutcomes("nope", [{ jobId: 1, outcome: { kind: "successful" } }]))).setting).toBe("queueManagerId");
    expect((await rejection(queries.recordOutcomes(WORKER, [{ jobId: 0, outcome: { kind: "successful" } }]))).setting).toBe("outcomes[0].jobId");
    expect((await rejection(queries.recordOutcomes(WORKER, [{ jobId: 1, outcome: { kind: "bogus" } as never }]))).setting).toBe("outcomes[0].outcome.kind");
    const traceback = { jobId: 1, timestamp: new Date(), exceptionType: "E", exceptionMessage: "m", traceback: "t", additionalContext: null };
    expect((await rejection(queries.recordOutcomes(WORKER, [{ jobId: 1, outcome: { kind: "retry", delay: Number.NaN, traceback } }]))).setting).toBe(
      "outcomes[0].outcome.delay",
    );
    expect((await rejection(queries.updateHeartbeat(WORKER, [1, 2.5]))).setting).toBe("jobIds[1]");
    expect((await rejection(queries.markJobAsCancelled([-1]))).setting).toBe("ids[0]");
    expect((await rejection(queries.requeueJobs("1" as never))).setting).toBe("ids");
    expect((await rejection(queries.queueJobById(Number.MAX_SAFE_INTEGER + 2))).setting).toBe("id");
    expect((await rejection(queries.listFailedJobs({ order: "UP" as never }))).setting).toBe("order");
    expect((await rejection(queries.listFailedJobs({ limit: -1 }))).setting).toBe("limit");
    expect((await rejection(queries.browseQueue({ statuses: ["done" as never] }))).setting).toBe("statuses");
    expect((await rejection(queries.browseQueue({ entrypoints: [1 as never] }))).setting).toBe("entrypoints");
    expect((await rejection(queries.clearQueue(5 as never))).setting).toBe("entrypoints");
    expect((await rejection(queries.logStatistics({ last: -5 }))).setting).toBe("last");
    expect((await rejection(queries.notifyHealthCheck("x"))).setting).toBe("id");
  });

  it("rejects a constructor argument that is not a driver", () => {
    expect(() => new Queries({} as never, resolveSettings({}, {}))).toThrow(InvalidArgumentError);
  });
});
