/**
 * Typed tasks (issue 11, item 1) with zod 4 as the Standard Schema validator: typed enqueue,
 * validated handler payloads, invalid input rejected before any SQL, invalid payloads at
 * dequeue held as `failed` with the issues whatever onFailure says, results of typed tasks.
 */
import { expect, it } from "vitest";
import { z } from "zod";
import { PgQueuer } from "../../src/pgqueuer.js";
import { defineEntrypoint } from "../../src/typed/define-entrypoint.js";
import { InvalidArgumentError, PayloadValidationError } from "../../src/domain/errors.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";

const order = z.object({
  orderId: z.number().int().positive(),
  items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1) })).min(1),
  note: z.string().default("none"),
});

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

describeEachBackend("typed entrypoints", (db) => {
  it("enqueues the validated output as JSON and hands the handler a typed payload", async () => {
    const pgq = makeQueue(db());
    const task = defineEntrypoint(uniqueName("order"), { schema: order });
    const seen: { orderId: number; note: string; skus: string[] }[] = [];
    task.register(pgq, async (payload, job) => {
      expect(job.entrypoint).toBe(task.name);
      seen.push({ orderId: payload.orderId, note: payload.note, skus: payload.items.map((item) => item.sku) });
    });
    const id = await task.enqueue(pgq.queries, { orderId: 7, items: [{ sku: "a", quantity: 1 }] });
    expect(JSON.parse((await pgq.queries.queueJobById(id!))!.payload!.toString())).toEqual({ orderId: 7, items: [{ sku: "a", quantity: 1 }], note: "none" });
    const ids = await task.enqueueMany(pgq.queries, [{ orderId: 8, items: [{ sku: "b", quantity: 2 }], note: "gift" }], { priority: 3 });
    expect((await pgq.queries.queueJobById(ids[0]!))!.priority).toBe(3);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    expect(seen.sort((a, b) => a.orderId - b.orderId)).toEqual([
      { orderId: 7, note: "none", skus: ["a"] },
      { orderId: 8, note: "gift", skus: ["b"] },
    ]);
  });

  it("rejects invalid input with PayloadValidationError listing paths, and writes nothing", async () => {
    const pgq = makeQueue(db());
    const task = defineEntrypoint(uniqueName("order_bad"), { schema: order });
    const bad = { orderId: -1, items: [{ sku: "", quantity: 1 }] };
    const error = await task.enqueue(pgq.queries, bad as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as PayloadValidationError).setting).toBe("payload");
    expect((error as PayloadValidationError).issues.map((issue) => issue.path)).toEqual([["orderId"], ["items", 0, "sku"]]);
    expect((error as Error).message).toMatch(/items\.0\.sku/);
    const many = await task.enqueueMany(pgq.queries, [{ orderId: 1, items: [{ sku: "x", quantity: 1 }] }, { orderId: 2, items: [] }]).catch((caught: unknown) => caught);
    expect(many).toMatchObject({ constructor: PayloadValidationError, setting: "inputs[1]" });
    expect(await pgq.queries.queueSize()).toEqual([]); // the valid first input was not written either
  });

  it("holds a job whose payload fails the schema (or is not JSON) as failed with the issues, even with onFailure delete", async () => {
    const pgq = makeQueue(db());
    const task = defineEntrypoint(uniqueName("order_in"), { schema: order, onFailure: "delete" });
    let calls = 0;
    task.register(pgq, async () => {
      calls += 1;
    });
    // Another producer, bypassing the schema.
    const [wrongShape, notJson, missing] = await pgq.queries.enqueueMany([
      { entrypoint: task.name, payload: JSON.stringify({ orderId: "seven", items: [] }) },
      { entrypoint: task.name, payload: "{not json" },
      { entrypoint: task.name, payload: null },
    ]);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    expect(calls).toBe(0);
    const held = await pgq.queries.listFailedJobs();
    expect(held.map((job) => job.id).sort((a, b) => a - b)).toEqual([wrongShape, notJson, missing]);
    const last = async (id: number) => (await pgq.queries.jobLogHistory(id)).at(-1)!;
    const shape = await last(wrongShape!);
    expect(shape.status).toBe("failed");
    expect(shape.traceback?.exceptionType).toBe("InvalidJobPayloadError");
    expect(shape.traceback?.exceptionMessage).toMatch(/orderId: .*; items: /);
    expect((await last(notJson!)).traceback?.exceptionMessage).toMatch(/not JSON/);
    expect((await last(missing!)).traceback?.exceptionMessage).toMatch(/no payload/);
  });

  it("stores a typed task's result with storeResult and returns it through enqueueAndWait", async () => {
    const pgq = makeQueue(db());
    await pgq.queries.upgrade(); // the results extension table
    const total = defineEntrypoint(uniqueName("order_total"), { schema: order, storeResult: true });
    total.register(pgq, async (payload) => ({ units: payload.items.reduce((sum, item) => sum + item.quantity, 0) }));
    const running = pgq.run();
    running.catch(() => undefined); // awaited below
    try {
      const answer = await within(total.enqueueAndWait(pgq, { orderId: 1, items: [{ sku: "a", quantity: 2 }, { sku: "b", quantity: 3 }] }, { timeout: 10_000 }), 15_000, "wait");
      expect(answer).toMatchObject({ status: "successful", result: { units: 5 } });
      await expect(total.enqueueAndWait(pgq, { orderId: 0, items: [] } as never)).rejects.toBeInstanceOf(PayloadValidationError);
    } finally {
      pgq.stop();
      await within(running, 15_000, "stop");
    }
  });
});

it("rejects a schema that is not a Standard Schema and a bad handler", () => {
  expect(() => defineEntrypoint("x", { schema: { parse: () => 1 } as never })).toThrow(expect.objectContaining({ setting: "schema" }));
  const task = defineEntrypoint("y", { schema: order });
  expect(() => task.register({ entrypoint: () => undefined }, "nope" as never)).toThrow(expect.objectContaining({ setting: "handler" }));
});
