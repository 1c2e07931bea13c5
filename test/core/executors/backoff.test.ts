import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, baseDelay, resolveBackoff, type BackoffOptions } from "../../../src/core/executors/backoff.js";

const DEFAULTS = { initialDelay: 100, maxDelay: 10_000, backoffMultiplier: 2, jitter: "equal" as const };

function policy(options: BackoffOptions) {
  return resolveBackoff(options, DEFAULTS, true);
}

describe("backoff", () => {
  it("grows exponentially from initialDelay and stops at maxDelay", () => {
    const p = policy({ jitter: "none", initialDelay: 100, backoffMultiplier: 2, maxDelay: 1_000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(p, n))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("stays finite (and capped) for huge attempt numbers, and zero for a zero initial delay", () => {
    expect(backoffDelay(policy({ jitter: "none" }), 10_000)).toBe(10_000);
    expect(backoffDelay(policy({ jitter: "none", initialDelay: 0 }), 10_000)).toBe(0);
  });

  it("keeps every jittered wait within its strategy's range and under maxDelay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 60_000 }),
        (attempt, random, initialDelay, backoffMultiplier, maxDelay) => {
          const options = { initialDelay, backoffMultiplier, maxDelay, random: () => random };
          const full = backoffDelay(policy({ ...options, jitter: "full" }), attempt);
          const equal = backoffDelay(policy({ ...options, jitter: "equal" }), attempt);
          const base = baseDelay(policy(options), attempt);
          expect(base).toBeLessThanOrEqual(maxDelay);
          expect(full).toBeGreaterThanOrEqual(0);
          expect(full).toBeLessThanOrEqual(base);
          expect(equal).toBeGreaterThanOrEqual(base / 2);
          expect(equal).toBeLessThanOrEqual(base);
        },
      ),
    );
  });

  it("caps a custom jitter's result at maxDelay", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1e12, noNaN: true }), (attempt, extra) => {
        const p = policy({ maxDelay: 5_000, jitter: (base) => base + extra });
        expect(backoffDelay(p, attempt)).toBeLessThanOrEqual(5_000);
      }),
    );
  });

  it("allows a timer-unbounded maxDelay only when the wait is not a local timer", () => {
    expect(() => resolveBackoff({ maxDelay: 3_000_000_000 }, DEFAULTS, true)).toThrow(/maxDelay/);
    expect(resolveBackoff({ maxDelay: 3_000_000_000 }, DEFAULTS, false).maxDelay).toBe(3_000_000_000);
  });
});
