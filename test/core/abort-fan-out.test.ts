import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { AbortFanOut } from "../../src/core/abort-fan-out.js";

describe("AbortFanOut", () => {
  it("puts one listener on a signal however many subscribe, and calls each once on abort", () => {
    const fanOut = new AbortFanOut();
    const controller = new AbortController();
    const calls: number[] = [];
    const same = (): void => void calls.push(0);
    for (let index = 1; index <= 20; index += 1) fanOut.subscribe(controller.signal, () => calls.push(index));
    fanOut.subscribe(controller.signal, same);
    fanOut.subscribe(controller.signal, same); // the same callback twice is two subscriptions
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    expect(calls.sort((a, b) => a - b)).toEqual([0, 0, ...Array.from({ length: 20 }, (_, index) => index + 1)]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("an unsubscribed callback is not called; the listener goes with the last subscription and comes back with the next", () => {
    const fanOut = new AbortFanOut();
    const controller = new AbortController();
    const calls: string[] = [];
    const stopA = fanOut.subscribe(controller.signal, () => calls.push("a"));
    const stopB = fanOut.subscribe(controller.signal, () => calls.push("b"));
    stopA();
    stopA(); // twice: harmless
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    stopB();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    fanOut.subscribe(controller.signal, () => calls.push("c"));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    expect(calls).toEqual(["c"]);
  });

  it("keeps signals apart, and unsubscribing after the abort does nothing", () => {
    const fanOut = new AbortFanOut();
    const first = new AbortController();
    const second = new AbortController();
    const calls: string[] = [];
    const stopFirst = fanOut.subscribe(first.signal, () => calls.push("first"));
    fanOut.subscribe(second.signal, () => calls.push("second"));
    first.abort();
    stopFirst();
    expect(calls).toEqual(["first"]);
    expect(getEventListeners(second.signal, "abort")).toHaveLength(1);
    second.abort();
    expect(calls).toEqual(["first", "second"]);
  });
});
