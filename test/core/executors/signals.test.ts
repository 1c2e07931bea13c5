import { describe, expect, it } from "vitest";
import { ChildAbortController, contextWithSignal, invoke, raceAbort } from "../../../src/core/executors/signals.js";
import { sleep } from "../../../src/core/executors/clock.js";
import { deferred, fakeContext, rejectionOf } from "./support.js";

describe("ChildAbortController", () => {
  it("aborts with the first parent's reason", () => {
    const a = new AbortController();
    const b = new AbortController();
    const child = new ChildAbortController([a.signal, b.signal]);
    b.abort("b went first");
    a.abort("a");
    expect(child.signal.reason).toBe("b went first");
  });

  it("starts aborted when a parent already is", () => {
    const parent = new AbortController();
    parent.abort("early");
    expect(new ChildAbortController([parent.signal]).signal.reason).toBe("early");
  });

  it("stops following its parents once disposed", () => {
    const parent = new AbortController();
    const child = new ChildAbortController([parent.signal]);
    child.dispose();
    parent.abort("late");
    expect(child.signal.aborted).toBe(false);
  });

  it("does not pile listeners on a long-lived parent", () => {
    const parent = new AbortController();
    let added = 0;
    let removed = 0;
    const add = parent.signal.addEventListener.bind(parent.signal);
    const remove = parent.signal.removeEventListener.bind(parent.signal);
    parent.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    }) as typeof add;
    parent.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    }) as typeof remove;
    for (let i = 0; i < 100; i++) new ChildAbortController([parent.signal]).dispose();
    expect(added).toBe(100);
    expect(removed).toBe(100);
  });
});

describe("raceAbort / invoke / contextWithSignal / sleep", () => {
  it("settles with the work when it wins", async () => {
    expect(await raceAbort(Promise.resolve(3), new AbortController().signal)).toBe(3);
  });

  it("rejects with the abort reason when the signal wins, and swallows the late rejection", async () => {
    const controller = new AbortController();
    const work = deferred<number>();
    const outcome = rejectionOf(raceAbort(work.promise, controller.signal));
    controller.abort(new Error("stop"));
    expect((await outcome).message).toBe("stop");
    work.reject(new Error("late")); // must not surface as an unhandled rejection
  });

  it("turns a synchronous throw into a rejection", async () => {
    const error = await rejectionOf(
      invoke(() => {
        throw new Error("sync");
      }),
    );
    expect(error.message).toBe("sync");
  });

  it("keeps every other context field", () => {
    const { context } = fakeContext();
    const signal = new AbortController().signal;
    const child = contextWithSignal(context, signal);
    expect(child.signal).toBe(signal);
    expect(child.shutdown).toBe(context.shutdown);
    expect(child.resources).toBe(context.resources);
    expect(child.queueManagerId).toBe(context.queueManagerId);
  });

  it("sleep rejects with the reason when aborted, at once when already aborted", async () => {
    const controller = new AbortController();
    const pending = rejectionOf(sleep(60_000, controller.signal));
    controller.abort(new Error("woken"));
    expect((await pending).message).toBe("woken");
    expect((await rejectionOf(sleep(10, controller.signal))).message).toBe("woken");
    await sleep(1, new AbortController().signal);
  });
});
