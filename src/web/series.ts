/**
 * Folding per-minute throughput buckets into a fixed number of equal time slots, for the
 * overview chart and the entrypoint sparklines (CATALOGUE WEB-24, INS-4). Pure functions.
 *
 * @module
 */
import type { ThroughputBucket } from "../domain/insights.js";

/** Counts of one time slot, by outcome. */
export interface ThroughputSlot {
  /** Start of the slot (inclusive). */
  readonly start: Date;
  /** End of the slot (exclusive, except the last, which includes `end`). */
  readonly end: Date;
  readonly successful: number;
  /** `exception` and held (`failed`) outcomes. */
  readonly errors: number;
  readonly canceled: number;
}

/** Options of {@link foldThroughput}. */
export interface FoldOptions {
  /** The end of the window (usually the database's `NOW()`). */
  readonly end: Date;
  /** Window length in milliseconds. */
  readonly window: number;
  /** Number of equal slots. */
  readonly slots: number;
  /** Only this entrypoint's buckets (default: every entrypoint). */
  readonly entrypoint?: string;
}

type Outcome = "successful" | "errors" | "canceled";

/** Which chart series a status belongs to; statuses that are not outcomes are not charted. */
function outcomeOf(status: string): Outcome | null {
  switch (status) {
    case "successful":
      return "successful";
    case "exception":
    case "failed":
      return "errors";
    case "canceled":
      return "canceled";
    default:
      return null;
  }
}

/**
 * Fold `series` into `slots` equal slots covering `[end - window, end]`. Buckets outside the
 * window, of other entrypoints, or of non-outcome statuses (`queued`, `picked`, `deleted`) are
 * dropped; every other count lands in exactly one slot.
 */
export function foldThroughput(series: readonly ThroughputBucket[], options: FoldOptions): ThroughputSlot[] {
  const { end, window, slots } = options;
  const startMs = end.getTime() - window;
  const width = window / slots;
  const counts = Array.from({ length: slots }, () => ({ successful: 0, errors: 0, canceled: 0 }));
  for (const bucket of series) {
    if (options.entrypoint !== undefined && bucket.entrypoint !== options.entrypoint) continue;
    const outcome = outcomeOf(bucket.status);
    const at = bucket.bucket.getTime();
    if (outcome === null || at < startMs || at > end.getTime()) continue;
    const index = Math.min(slots - 1, Math.floor((at - startMs) / width));
    const slot = counts[index];
    if (slot !== undefined) slot[outcome] += bucket.count;
  }
  return counts.map((slot, index) => ({
    start: new Date(startMs + index * width),
    end: new Date(startMs + (index + 1) * width),
    ...slot,
  }));
}

/** All outcomes of a slot. */
export function slotTotal(slot: ThroughputSlot): number {
  return slot.successful + slot.errors + slot.canceled;
}
