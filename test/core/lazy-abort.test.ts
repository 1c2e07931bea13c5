import { describe, expect, it } from "vitest";
import { LazyAbort } from "../../src/core/lazy-abort.js";

describe("LazyAbort", () => {
  it("gives a live signal that aborts later with the reason", () => {
    const abort = new LazyAbort();
    const signal = abort.signal;
    expect(signal.aborted).toBe(false);
    const seen: unknown[] = [];
    signal.addEventListener("abort", () => seen.push(signal.reason));
    abort.abort("first");
    abort.abort("second");
    expect(seen).toEqual(["first"]);
    expect(abort.signal).toBe(signal);
    expect(abort.reason).toBe("first");
  });

  it("gives an already aborted signal when first asked after the abort", () => {
    const abort = new LazyAbort();
    const reason = new Error("canceled");
    abort.abort(reason);
    expect(abort.aborted).toBe(true);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
  });

  it("is not aborted until told", () => {
    const abort = new LazyAbort();
    expect(abort.aborted).toBe(false);
    expect(abort.reason).toBeUndefined();
  });
});
