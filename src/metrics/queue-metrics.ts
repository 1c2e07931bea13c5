/**
 * Database-side Prometheus metrics, read when Prometheus scrapes (never on a timer): the
 * queue's depth, the workers owning jobs, and recent log counts. Any process can serve them —
 * a worker, a web app, or the standalone `pgq metrics` server — because they come from the
 * tables, not from the process.
 *
 * | name | type | meaning |
 * |---|---|---|
 * | `pgqueuer_queue_count{entrypoint,status}` | gauge | rows in the queue table (`queued`, `picked`, `failed`), summed over priorities |
 * | `pgqueuer_workers_active` | gauge | workers (queue managers) owning `picked` jobs |
 * | `pgqueuer_logs_count{entrypoint,status}` | gauge | log rows in the last `logWindow` ms, by status |
 *
 * `pgqueuer_queue_count` and `pgqueuer_logs_count` keep the names of PgQueuer's Prometheus
 * endpoint (CATALOGUE MET-3), so existing dashboards keep working (its constant
 * `aggregation="sum"` label is dropped). One scrape reads the database at most once per
 * `cacheTtl`, however many metrics and scrapers ask.
 *
 * @module
 */
import { Gauge, type Registry } from "prom-client";
import { InvalidArgumentError } from "../domain/errors.js";
import type { ActiveWorker, ThroughputStats } from "../domain/insights.js";
import type { QueueStatistics } from "../domain/types.js";
import { sharedMetric } from "./job-metrics.js";
import { TtlCache } from "./ttl-cache.js";

/** The reads the queue metrics need (`Queries` implements them all). */
export interface QueueMetricsSource {
  /** Counts per (entrypoint, priority, status) of the queue table. */
  queueSize(): Promise<readonly QueueStatistics[]>;
  /** Workers owning picked jobs; without it `pgqueuer_workers_active` is not exported. */
  activeWorkers?(): Promise<readonly ActiveWorker[]>;
  /** Log counts per (entrypoint, status) over the last `last` ms; without it `pgqueuer_logs_count` is not exported. */
  throughputSummary?(options: { readonly last?: number | null }): Promise<readonly ThroughputStats[]>;
}

/** Options of {@link registerQueueMetrics}. */
export interface QueueMetricsOptions {
  readonly registry: Registry;
  readonly queries: QueueMetricsSource;
  /** Milliseconds a database read is reused across scrapes (default 1000). */
  readonly cacheTtl?: number;
  /**
   * Window of `pgqueuer_logs_count`, in ms (default 5 minutes, as PgQueuer); `null` leaves the
   * metric out. Reading it folds the log into the statistics table first (CATALOGUE MET-6).
   */
  readonly logWindow?: number | null;
}

interface Snapshot {
  readonly queue: readonly QueueStatistics[];
  readonly workers: readonly ActiveWorker[] | null;
  readonly logs: readonly ThroughputStats[] | null;
}

const DEFAULT_LOG_WINDOW = 5 * 60_000;

/** Register the database-side gauges on `registry`, read from `queries` on scrape. */
export function registerQueueMetrics(options: QueueMetricsOptions): void {
  const { registry, queries } = options;
  if (typeof queries?.queueSize !== "function") throw new InvalidArgumentError("queries", "must provide queueSize(), e.g. pgq.queries");
  const cacheTtl = options.cacheTtl ?? 1_000;
  if (!(Number.isFinite(cacheTtl) && cacheTtl >= 0)) throw new InvalidArgumentError("cacheTtl", `must be a non-negative number of milliseconds, got ${String(cacheTtl)}`);
  const logWindow = options.logWindow === undefined ? DEFAULT_LOG_WINDOW : options.logWindow;
  if (logWindow !== null && !(Number.isFinite(logWindow) && logWindow > 0)) {
    throw new InvalidArgumentError("logWindow", `must be a positive number of milliseconds or null, got ${String(logWindow)}`);
  }
  const readLogs = logWindow !== null && typeof queries.throughputSummary === "function";
  const readWorkers = typeof queries.activeWorkers === "function";

  const snapshot = new TtlCache<Snapshot>(cacheTtl, async () => {
    const [queue, workers, logs] = await Promise.all([
      queries.queueSize(),
      readWorkers ? queries.activeWorkers!() : null,
      readLogs ? queries.throughputSummary!({ last: logWindow }) : null,
    ]);
    return { queue, workers, logs };
  });

  sharedMetric(registry, "pgqueuer_queue_count", Gauge, () =>
    new Gauge({
      name: "pgqueuer_queue_count",
      help: "Jobs in the queue table by entrypoint and status (summed over priorities).",
      labelNames: ["entrypoint", "status"],
      registers: [registry],
      async collect() {
        setSums(this, (await snapshot.get()).queue);
      },
    }),
  );
  if (readWorkers) {
    sharedMetric(registry, "pgqueuer_workers_active", Gauge, () =>
      new Gauge({
        name: "pgqueuer_workers_active",
        help: "Workers (queue managers) owning picked jobs.",
        registers: [registry],
        async collect() {
          this.set((await snapshot.get()).workers?.length ?? 0);
        },
      }),
    );
  }
  if (readLogs) {
    sharedMetric(registry, "pgqueuer_logs_count", Gauge, () =>
      new Gauge({
        name: "pgqueuer_logs_count",
        help: `Log rows by entrypoint and status over the last ${logWindow} ms.`,
        labelNames: ["entrypoint", "status"],
        registers: [registry],
        async collect() {
          const rows = (await snapshot.get()).logs ?? [];
          setSums(this, rows.map((row) => ({ entrypoint: row.entrypoint, status: row.status, count: row.totalCount })));
        },
      }),
    );
  }
}

/** Replace the gauge's series with these counts, summed per (entrypoint, status). */
function setSums(gauge: Gauge<"entrypoint" | "status">, rows: readonly { readonly entrypoint: string; readonly status: string; readonly count: number }[]): void {
  const sums = new Map<string, { entrypoint: string; status: string; count: number }>();
  for (const row of rows) {
    const key = JSON.stringify([row.entrypoint, row.status]);
    const sum = sums.get(key);
    if (sum) sum.count += row.count;
    else sums.set(key, { entrypoint: row.entrypoint, status: row.status, count: row.count });
  }
  // Reset first: a pair that left the table must disappear rather than keep its last value.
  gauge.reset();
  for (const { entrypoint, status, count } of sums.values()) gauge.set({ entrypoint, status }, count);
}
