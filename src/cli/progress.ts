/**
 * The drain-mode progress display and the end-of-run summary.
 *
 * Progress polls the queue size (one query at a time) and keeps a monotonic count of
 * processed jobs: every drop in the number of jobs still to run (`queued` + `picked`) counts
 * as processed; jobs added meanwhile raise the remaining count without lowering progress. A
 * held job (`failed`) no longer needs running, so it counts as processed.
 *
 * The summary reads the statistics folded from the log table (`throughputSummary`) for the
 * window of the run: counts by entrypoint and final status.
 *
 * @module
 */
import type { ThroughputStats } from "../domain/insights.js";
import type { JobStatus, QueueStatistics } from "../domain/types.js";
import type { Output } from "./output.js";

/** A reading of the progress display. */
export interface ProgressSnapshot {
  readonly processed: number;
  readonly remaining: number;
  /** Jobs per second since the display started. */
  readonly rate: number;
  readonly elapsed: number;
}

/** Jobs still to run in a queue-size reading (held `failed` jobs are done). */
export function remainingJobs(sizes: readonly QueueStatistics[]): number {
  return sizes.filter((row) => row.status === "queued" || row.status === "picked").reduce((sum, row) => sum + row.count, 0);
}

/** See the module documentation. */
export class DrainProgress {
  readonly #out: Output;
  readonly #read: () => Promise<readonly QueueStatistics[]>;
  readonly #interval: number;
  readonly #started = Date.now();
  #processed = 0;
  #remaining: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;

  /**
   * @param read the queue-size query.
   * @param interval milliseconds between polls.
   */
  constructor(out: Output, read: () => Promise<readonly QueueStatistics[]>, interval = 250) {
    this.#out = out;
    this.#read = read;
    this.#interval = interval;
  }

  /** Start polling and drawing. */
  start(): void {
    this.#poll();
  }

  /** The current reading. */
  snapshot(): ProgressSnapshot {
    const elapsed = Date.now() - this.#started;
    return { processed: this.#processed, remaining: this.#remaining ?? 0, rate: elapsed > 0 ? (this.#processed * 1000) / elapsed : 0, elapsed };
  }

  /** Stop polling, take one last reading, and remove the display. */
  async stop(): Promise<ProgressSnapshot> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
    await this.#update().catch(() => undefined);
    this.#out.clearStatus();
    return this.snapshot();
  }

  #poll(): void {
    if (this.#stopped) return;
    this.#polling = this.#update()
      .catch(() => undefined) // a failed reading is skipped; the worker reports real problems
      .finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(() => this.#poll(), this.#interval);
      });
  }

  async #update(): Promise<void> {
    const remaining = remainingJobs(await this.#read());
    if (this.#remaining !== null && remaining < this.#remaining) this.#processed += this.#remaining - remaining;
    this.#remaining = remaining;
    if (!this.#stopped) this.#out.status(renderProgress(this.snapshot(), this.#out.errorColors.green));
  }
}

const BAR_WIDTH = 24;

/** `[██████░░░░] 120/500 · 380 remaining · 45.2 jobs/s · 2.6 s` */
export function renderProgress(snapshot: ProgressSnapshot, paint: (text: string) => string = (text) => text): string {
  const total = snapshot.processed + snapshot.remaining;
  const filled = total === 0 ? BAR_WIDTH : Math.round((snapshot.processed / total) * BAR_WIDTH);
  const bar = `${paint("█".repeat(filled))}${"░".repeat(BAR_WIDTH - filled)}`;
  return `[${bar}] ${snapshot.processed}/${total} processed · ${snapshot.remaining} remaining · ${snapshot.rate.toFixed(1)} jobs/s · ${(snapshot.elapsed / 1000).toFixed(1)} s`;
}

/** Statuses shown as summary columns, in this order; others are added when they occur. */
const SUMMARY_STATUSES: readonly JobStatus[] = ["successful", "exception", "failed", "canceled"];
/** Not outcomes: every job passes through them. */
const TRANSIT_STATUSES: ReadonlySet<JobStatus> = new Set(["queued", "picked"]);

/** One row of the summary: an entrypoint and its count per final status. */
export interface SummaryRow {
  readonly entrypoint: string;
  readonly counts: Readonly<Partial<Record<JobStatus, number>>>;
  readonly total: number;
}

/** Pivot throughput rows into one row per entrypoint (transit statuses left out). */
export function summarize(stats: readonly ThroughputStats[]): { rows: SummaryRow[]; statuses: JobStatus[] } {
  const byEntrypoint = new Map<string, Partial<Record<JobStatus, number>>>();
  const seen = new Set<JobStatus>();
  for (const row of stats) {
    if (TRANSIT_STATUSES.has(row.status) || row.totalCount === 0) continue;
    const counts = byEntrypoint.get(row.entrypoint) ?? {};
    counts[row.status] = (counts[row.status] ?? 0) + row.totalCount;
    byEntrypoint.set(row.entrypoint, counts);
    seen.add(row.status);
  }
  const statuses = [...SUMMARY_STATUSES, ...[...seen].filter((status) => !SUMMARY_STATUSES.includes(status))];
  const rows = [...byEntrypoint.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([entrypoint, counts]) => ({ entrypoint, counts, total: Object.values(counts).reduce((sum, count) => sum + (count ?? 0), 0) }));
  return { rows, statuses };
}

/** `after` minus `before`, per (entrypoint, status): what happened between two all-time totals. */
export function subtractThroughput(after: readonly ThroughputStats[], before: readonly ThroughputStats[]): ThroughputStats[] {
  const earlier = new Map(before.map((row) => [`${row.entrypoint}\u0000${row.status}`, row.totalCount]));
  return after.map((row) => ({ ...row, totalCount: row.totalCount - (earlier.get(`${row.entrypoint}\u0000${row.status}`) ?? 0) }));
}

/** Print the summary table (or JSON) of jobs finished in the window. */
export function printSummary(out: Output, stats: readonly ThroughputStats[], elapsed: number): void {
  const { rows, statuses } = summarize(stats);
  const total = rows.reduce((sum, row) => sum + row.total, 0);
  if (out.json) {
    out.printJson({ summary: rows.map((row) => ({ entrypoint: row.entrypoint, ...row.counts, total: row.total })), finished: total, elapsedMs: Math.round(elapsed) });
    return;
  }
  out.line(out.colors.bold(`Summary: ${total} job(s) finished in ${(elapsed / 1000).toFixed(1)} s (from the log table)`));
  out.table<SummaryRow>(
    [
      { header: "Entrypoint", value: (row) => row.entrypoint },
      ...statuses.map((status) => ({ header: status, value: (row: SummaryRow) => row.counts[status] ?? 0, align: "right" as const })),
      { header: "total", value: (row) => row.total, align: "right" },
    ],
    rows,
    "No jobs finished.",
  );
}
