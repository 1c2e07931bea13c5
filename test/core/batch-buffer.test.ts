import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BatchBuffer } from "../../src/core/batch-buffer.js";

describe("BatchBuffer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("flushes as soon as maxSize items wait, and not before the interval otherwise", async () => {
    const batches: number[][] = [];
    const buffer = new BatchBuffer<number>({ maxSize: 3, interval: 100, sink: async (items) => void batches.push(items) });
    buffer.add(1);
    buffer.add(2);
    await vi.advanceTimersByTimeAsync(50);
    expect(batches).toEqual([]);
    buffer.add(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2, 3]]);
    buffer.add(4);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("writes an item added with soon on the next turn, with the items already waiting and those of the same turn", async () => {
    const batches: number[][] = [];
    const buffer = new BatchBuffer<number>({ maxSize: 10, interval: 100, sink: async (items) => void batches.push(items) });
    buffer.add(1);
    await vi.advanceTimersByTimeAsync(10);
    buffer.add(2, true);
    buffer.add(3);
    buffer.add(4, true);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    // Plain items wait for the interval again.
    buffer.add(5);
    await vi.advanceTimersByTimeAsync(99);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2, 3, 4], [5]]);
  });

  it("an item added with soon while a write is in flight is written right after it, not an interval later", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const buffer = new BatchBuffer<number>({
      maxSize: 10,
      interval: 100,
      sink: async (items) => {
        if (batches.length === 0) await new Promise<void>((resolve) => (release = resolve));
        batches.push(items);
      },
    });
    buffer.add(1, true);
    await vi.advanceTimersByTimeAsync(1); // the first write starts and hangs
    // Added, and the write ends, before the item's immediate timer fires.
    buffer.add(2, true);
    release();
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1], [2]]);
  });

  it("after a failure, soon does not bypass the backoff", async () => {
    let calls = 0;
    const buffer = new BatchBuffer<number>({ maxSize: 10, interval: 10, sink: async () => {
      calls += 1;
      if (calls === 1) throw new Error("database down");
    } });
    buffer.add(1, true);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(1);
    buffer.add(2, true);
    buffer.add(3, true);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls).toBe(1); // still waiting for the retry at 2 × interval
    await vi.advanceTimersByTimeAsync(20);
    expect(calls).toBe(2);
    expect(buffer.size).toBe(0);
  });

  it("keeps a failed batch, in order, and retries it with backoff rather than at every add", async () => {
    const batches: number[][] = [];
    let failures = 0;
    const buffer = new BatchBuffer<number>({
      maxSize: 2,
      interval: 10,
      sink: async (items) => {
        if (failures < 3) {
          failures += 1;
          throw new Error("database down");
        }
        batches.push(items);
      },
    });
    buffer.add(1);
    buffer.add(2); // flush 1 fails
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 3; i <= 20; i += 1) buffer.add(i); // must not trigger a flush each
    await vi.advanceTimersByTimeAsync(0);
    expect(failures).toBe(1);
    await vi.advanceTimersByTimeAsync(20); // first retry after 2 × interval
    expect(failures).toBe(2);
    await vi.advanceTimersByTimeAsync(40);
    expect(failures).toBe(3);
    await vi.advanceTimersByTimeAsync(80);
    expect(batches.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("close() flushes what is left, gives up after closeAttempts, then refuses new items", async () => {
    let calls = 0;
    const buffer = new BatchBuffer<number>({ maxSize: 10, interval: 10, closeAttempts: 3, sink: async () => {
      calls += 1;
      throw new Error("still down");
    } });
    buffer.add(1);
    const closing = buffer.close();
    await vi.runAllTimersAsync();
    await closing;
    expect(calls).toBe(3);
    expect(buffer.size).toBe(1);
    expect(() => buffer.add(2)).toThrow(/closed/);
  });

  it("concurrent flush() calls share the flush in progress and lose nothing", async () => {
    const seen: number[] = [];
    const buffer = new BatchBuffer<number>({ maxSize: 100, interval: 1_000, sink: async (items) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(...items);
    } });
    for (let i = 0; i < 10; i += 1) buffer.add(i);
    const flushes = [buffer.flush(), buffer.flush()];
    buffer.add(10);
    flushes.push(buffer.flush());
    await vi.runAllTimersAsync();
    await Promise.all(flushes);
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });
});
