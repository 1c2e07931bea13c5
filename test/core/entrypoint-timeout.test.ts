import { expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { TimeoutEntrypointExecutor } from "../../src/core/executors/timeout.js";
import { RetryWithBackoffEntrypointExecutor } from "../../src/core/executors/retry-with-backoff.js";
import { EntrypointRegistry } from "../../src/core/entrypoint-registry.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

/** A handler that never finishes unless its signal aborts; records the abort reason. */
function hangUntilAborted(reasons: unknown[]) {
  return (_job: unknown, context: { signal: AbortSignal }): Promise<void> =>
    new Promise((_, reject) => {
      context.signal.addEventListener("abort", () => {
        reasons.push(context.signal.reason);
        reject(context.signal.reason);
      });
    });
}

describeEachBackend("entrypoint timeout option", (db) => {
  it("fails a job that runs past its timeout with JobTimeoutError (logged exception)", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("timeout");
    const reasons: unknown[] = [];
    pgq.entrypoint(ep, { timeout: 50 }, hangUntilAborted(reasons));
    const id = await pgq.queries.enqueue(ep);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as Error).name).toBe("JobTimeoutError");
    const history = await pgq.queries.jobLogHistory(id);
    expect(history.map((entry) => entry.status)).toEqual(["queued", "picked", "exception"]);
    expect(history.at(-1)?.traceback?.exceptionType).toBe("JobTimeoutError");
  });

  it("holds a timed-out job as failed with onFailure: hold", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("timeout_hold");
    pgq.entrypoint(ep, { timeout: 30, onFailure: "hold" }, async () => new Promise(() => undefined)); // ignores its signal entirely
    const id = await pgq.queries.enqueue(ep);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    const history = await pgq.queries.jobLogHistory(id);
    expect(history.map((entry) => entry.status)).toEqual(["queued", "picked", "failed"]);
    expect(history.at(-1)?.traceback?.exceptionMessage).toMatch(/exceeded its timeout of 30 ms/);
  });

  it("lets a job that finishes in time succeed", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("in_time");
    pgq.entrypoint(ep, { timeout: 10_000 }, async () => undefined);
    const id = await pgq.queries.enqueue(ep);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    expect((await pgq.queries.jobLogHistory(id)).map((entry) => entry.status)).toEqual(["queued", "picked", "successful"]);
  });
});

it("wraps the executorFactory's executor so the whole execution is timed", () => {
  const registry = new EntrypointRegistry();
  const registration = registry.register("wrapped", { timeout: 1_000, executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { maxAttempts: 2 }) }, async () => undefined);
  expect(registration.executor).toBeInstanceOf(TimeoutEntrypointExecutor);
  expect((registration.executor as TimeoutEntrypointExecutor).timeout).toBe(1_000);
  const plain = registry.register("plain", {}, async () => undefined);
  expect(plain.executor).not.toBeInstanceOf(TimeoutEntrypointExecutor);
});

it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2_147_483_648, "100", null])("rejects timeout %s naming the option, before running anything", (timeout) => {
  const registry = new EntrypointRegistry();
  let caught: unknown;
  try {
    registry.register(uniqueName("bad"), { timeout: timeout as number }, async () => undefined);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  expect((caught as InvalidArgumentError).setting).toBe("timeout");
  expect(registry.names).toEqual([]);
});
