import { describe, expect, it } from "vitest";
import { wakesWorker } from "../../src/core/event-router.js";

describe("wakesWorker", () => {
  const plain = { draining: false, hasConcurrencyLimits: false };

  it("wakes on inserts, updates and truncates whatever the worker", () => {
    for (const operation of ["insert", "update", "truncate"] as const) {
      expect(wakesWorker({ operation }, plain)).toBe(true);
      expect(wakesWorker({ operation }, { draining: true, hasConcurrencyLimits: true })).toBe(true);
    }
  });

  it("skips deletes for a continuous worker without concurrency limits: finished jobs bring no work", () => {
    expect(wakesWorker({ operation: "delete" }, plain)).toBe(false);
  });

  it("wakes on deletes when a limited entrypoint may have a free slot, or when draining", () => {
    expect(wakesWorker({ operation: "delete" }, { draining: false, hasConcurrencyLimits: true })).toBe(true);
    expect(wakesWorker({ operation: "delete" }, { draining: true, hasConcurrencyLimits: false })).toBe(true);
  });
});
