/**
 * Tracing through a real queue: the trace context written at enqueue travels in the job's
 * headers, and the worker's CONSUMER span becomes the child of the PRODUCER span — in one
 * process on both backends, and across two processes on PostgreSQL.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SpanKind } from "@opentelemetry/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { describeEachBackend, uniqueName } from "../support/backends.js";
import { within } from "../support/wait.js";
import { installInMemoryTracing, summarize, type InMemoryTracing, type SpanSummary } from "./otel-sdk.js";

const PRODUCER = fileURLToPath(new URL("../fixtures/tracing-producer.ts", import.meta.url));
const run = promisify(execFile);

let sdk: InMemoryTracing;
beforeAll(() => {
  sdk = installInMemoryTracing();
});
afterAll(async () => {
  await sdk.uninstall();
});

describeEachBackend("tracing through the queue", (db, backend) => {
  it("links enqueue → process as parent and child in one process (the facade traces by default)", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const ep = uniqueName("traced");
    pgq.entrypoint(ep, async () => undefined);
    const ids = await pgq.queries.enqueueMany([{ entrypoint: ep, payload: "one" }, { entrypoint: ep, payload: "two" }]);
    await within(pgq.run({ mode: "drain" }), 20_000, "drain");

    const creates = sdk.spans(`create ${ep}`).map(summarize);
    const processes = sdk.spans(`process ${ep}`).map(summarize);
    expect(creates).toHaveLength(2);
    expect(processes).toHaveLength(2);
    for (const [index, id] of ids.entries()) {
      const consumer = processes.find((span) => span.attributes["messaging.message.id"] === String(id))!;
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(consumer.parentSpanId).toBe(creates[index]!.spanId);
      expect(consumer.traceId).toBe(creates[index]!.traceId);
      expect(consumer.attributes["pgqueuer.job.outcome"]).toBe("successful");
    }
  });

  it("tracing: false leaves headers alone and records no spans", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions, tracing: false });
    const ep = uniqueName("untraced");
    let seen: unknown = "unset";
    pgq.entrypoint(ep, async (job) => {
      seen = job.headers;
    });
    await pgq.queries.enqueue(ep, "x", { headers: { keep: 1 } });
    await within(pgq.run({ mode: "drain" }), 20_000, "drain");
    expect(seen).toEqual({ keep: 1 });
    expect(sdk.spans(`send ${ep}`)).toHaveLength(0);
    expect(sdk.spans(`process ${ep}`)).toHaveLength(0);
  });

  it.skipIf(backend === "pglite")(
    "links a producer span in another process to the consumer span here, through the job headers (PGlite is embedded: another process cannot reach it)",
    async () => {
      const ep = uniqueName("remote");
      const { stdout } = await within(
        run(process.execPath, ["--import", "tsx", PRODUCER], {
          env: { ...process.env, PGQ_TEST_DSN: db().dsn!, PGQ_TEST_SETTINGS: JSON.stringify(db().settingsOptions), PGQ_TEST_ENTRYPOINT: ep },
        }),
        60_000,
        "producer process",
      );
      const produced = JSON.parse(stdout.trim().split("\n").at(-1)!) as { ids: number[]; spans: SpanSummary[] };
      const checkout = produced.spans.find((span) => span.name === "checkout")!;
      const send = produced.spans.find((span) => span.name === `send ${ep}`)!;
      expect(send.kind).toBe(SpanKind.PRODUCER);
      expect(send.parentSpanId).toBe(checkout.spanId);
      expect(send.attributes["messaging.message.id"]).toBe(String(produced.ids[0]));

      const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
      let seenHeaders: unknown;
      pgq.entrypoint(ep, async (job) => {
        seenHeaders = job.headers;
      });
      await within(pgq.run({ mode: "drain" }), 20_000, "drain");
      expect(seenHeaders).toMatchObject({ order: 17, otel: { traceparent: `00-${send.traceId}-${send.spanId}-01` } });
      const [consumer] = sdk.spans(`process ${ep}`).map(summarize);
      expect(consumer).toBeDefined();
      expect(consumer!.traceId).toBe(checkout.traceId);
      expect(consumer!.parentSpanId).toBe(send.spanId);
      expect(consumer!.attributes["messaging.message.id"]).toBe(String(produced.ids[0]));
    },
  );
});
