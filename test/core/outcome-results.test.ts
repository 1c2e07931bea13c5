/**
 * The outcome decision's additions for issue 11: stored results (storeResult), non-JSON
 * results as typed failures, and invalid typed payloads held as `failed` whatever onFailure
 * says, also when wrapped by a retry executor's error.
 */
import { describe, expect, it } from "vitest";
import { decideOutcome, toStoredResult, type ExecutionResult } from "../../src/core/outcome.js";
import { InvalidJobPayloadError, MaxRetriesExceeded, ResultSerializationError, RetryRequested } from "../../src/domain/errors.js";
import type { Job } from "../../src/domain/types.js";
import { EntrypointRegistry } from "../../src/core/entrypoint-registry.js";

const job = { id: 1, entrypoint: "e", attempts: 0 } as Job;

function decide(result: ExecutionResult, options: { storeResult?: boolean; onFailure?: "delete" | "hold" } = {}) {
  return decideOutcome({ job, result, signal: new AbortController().signal, onFailure: options.onFailure ?? "delete", queueManagerId: "00000000-0000-0000-0000-000000000000", storeResult: options.storeResult });
}

describe("decideOutcome with results", () => {
  it("carries the JSON value only when the entrypoint stores results", () => {
    expect(decide({ ok: true, value: { a: [1, "x"] } }, { storeResult: true })).toEqual({ kind: "successful", result: { a: [1, "x"] } });
    expect(decide({ ok: true, value: undefined }, { storeResult: true })).toEqual({ kind: "successful", result: null });
    expect(decide({ ok: true, value: { a: 1 } })).toEqual({ kind: "successful" });
  });

  it("fails a non-JSON value with ResultSerializationError, following onFailure", () => {
    const bigint = decide({ ok: true, value: 1n }, { storeResult: true });
    expect(bigint.kind).toBe("exception");
    expect(bigint.kind === "exception" && bigint.traceback.exceptionType).toBe("ResultSerializationError");
    expect(decide({ ok: true, value: () => 1 }, { storeResult: true, onFailure: "hold" }).kind).toBe("failed");
    expect(decide({ ok: true, value: 1n })).toEqual({ kind: "successful" }); // not stored: not checked
  });

  it("holds invalid payloads as failed even with onFailure delete, inside retry errors too", () => {
    const invalid = new InvalidJobPayloadError("e", [{ message: "Required", path: ["a"] }]);
    for (const error of [invalid, new RetryRequested({ delay: 10, cause: invalid }), new MaxRetriesExceeded(3, { cause: invalid })]) {
      const outcome = decide({ ok: false, error });
      expect(outcome.kind).toBe("failed");
    }
    expect(decide({ ok: false, error: new RetryRequested({ delay: 10, cause: new Error("other") }) }).kind).toBe("retry");
  });
});

describe("toStoredResult", () => {
  it("converts like JSON and rejects what jsonb cannot hold", () => {
    expect(toStoredResult(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(toStoredResult("back\\u0000slash")).toBe("back\\u0000slash"); // escaped text, not a NUL
    expect(() => toStoredResult("a\u0000")).toThrow(ResultSerializationError);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => toStoredResult(cyclic)).toThrow(ResultSerializationError);
    expect(() => toStoredResult(Symbol("s"))).toThrow(ResultSerializationError);
  });
});

it("rejects a storeResult that is not a boolean at registration", () => {
  expect(() => new EntrypointRegistry().register("r", { storeResult: "yes" as never }, async () => undefined)).toThrow(expect.objectContaining({ setting: "storeResult" }));
});
