/**
 * Exponential backoff with jitter, shared by the in-process and the database retry executors.
 *
 * The n-th wait (n = 1, 2, ...) starts from `initialDelay × backoffMultiplier^(n−1)`, capped by
 * `maxDelay`; jitter then spreads it out, and the cap is applied once more so no wait ever
 * exceeds `maxDelay`.
 *
 * @module
 */
import { assertDuration, describe } from "../../domain/durations.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { MAX_TIMER_DELAY } from "./clock.js";

/** A custom jitter: the n-th wait's base delay in, the wait to use out (milliseconds). */
export type JitterFunction = (baseDelay: number, attempt: number) => number;

/**
 * How waits are randomised so that many jobs failing together do not retry together:
 * - `"full"`: uniform in [0, base];
 * - `"equal"`: half the base plus a uniform share of the other half, [base/2, base];
 * - `"none"`: exactly the base;
 * - a {@link JitterFunction}.
 */
export type Jitter = "full" | "equal" | "none" | JitterFunction;

/** The names accepted for a built-in jitter strategy. */
export const JITTER_STRATEGIES = ["full", "equal", "none"] as const;

/** A validated backoff policy. */
export interface BackoffPolicy {
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly backoffMultiplier: number;
  readonly jitter: Jitter;
  /** Uniform random numbers in [0, 1), for the built-in strategies. */
  readonly random: () => number;
}

/** The options a backoff policy is read from (undefined = the given default). */
export interface BackoffOptions {
  readonly initialDelay?: number;
  readonly maxDelay?: number;
  readonly backoffMultiplier?: number;
  readonly jitter?: Jitter;
  readonly random?: () => number;
}

/**
 * Validate backoff options, filling in `defaults`.
 * @param timerBound when true, `maxDelay` must fit a Node.js timer (the wait happens in process).
 * @throws InvalidArgumentError naming the option at fault.
 */
export function resolveBackoff(options: BackoffOptions, defaults: Omit<BackoffPolicy, "random">, timerBound: boolean): BackoffPolicy {
  const initialDelay = assertDuration("initialDelay", options.initialDelay ?? defaults.initialDelay);
  const maxDelay = assertDuration("maxDelay", options.maxDelay ?? defaults.maxDelay);
  if (timerBound && maxDelay > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError("maxDelay", `must be at most ${MAX_TIMER_DELAY} ms (the longest timer Node.js supports), got ${maxDelay}`);
  }
  const backoffMultiplier = options.backoffMultiplier ?? defaults.backoffMultiplier;
  if (typeof backoffMultiplier !== "number" || !Number.isFinite(backoffMultiplier) || backoffMultiplier < 1) {
    throw new InvalidArgumentError("backoffMultiplier", `must be a finite number >= 1, got ${describe(backoffMultiplier)}`);
  }
  const jitter = options.jitter ?? defaults.jitter;
  if (typeof jitter !== "function" && !(JITTER_STRATEGIES as readonly unknown[]).includes(jitter)) {
    throw new InvalidArgumentError("jitter", `must be "full", "equal", "none" or a function (baseDelay, attempt) => ms, got ${describe(jitter)}`);
  }
  const random = options.random ?? Math.random;
  if (typeof random !== "function") throw new InvalidArgumentError("random", `must be a function returning a number in [0, 1), got ${describe(random)}`);
  return { initialDelay, maxDelay, backoffMultiplier, jitter, random };
}

/** The n-th wait before jitter: `initialDelay × backoffMultiplier^(n−1)`, capped by `maxDelay`. */
export function baseDelay(policy: BackoffPolicy, attempt: number): number {
  // 0 × Infinity is NaN: a zero initial delay stays zero however far the exponent grows.
  if (policy.initialDelay === 0) return 0;
  return Math.min(policy.initialDelay * policy.backoffMultiplier ** (attempt - 1), policy.maxDelay);
}

/**
 * The n-th wait, jitter applied and capped by `maxDelay`.
 * @throws InvalidArgumentError("jitter") when a jitter function returns anything but a
 * finite, non-negative number (the mistake shows up when the wait is computed).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const base = baseDelay(policy, attempt);
  return Math.min(jittered(policy, base, attempt), policy.maxDelay);
}

function jittered(policy: BackoffPolicy, base: number, attempt: number): number {
  switch (policy.jitter) {
    case "none":
      return base;
    case "full":
      return policy.random() * base;
    case "equal":
      return base / 2 + (policy.random() * base) / 2;
    default: {
      const value: unknown = policy.jitter(base, attempt);
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new InvalidArgumentError("jitter", `the jitter function must return a finite, non-negative number of milliseconds, got ${describe(value)} for attempt ${attempt} (base ${base} ms)`);
      }
      return value;
    }
  }
}
