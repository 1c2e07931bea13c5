/**
 * Worker-side Prometheus metrics: a {@link JobObserver} that counts and times the jobs this
 * process runs. Pass it to `new PgQueuer(driver, { observers: [observer] })`; serve its
 * registry with `metricsHandler` or `startMetricsServer`.
 *
 * Metrics (all labelled by `entrypoint`):
 *
 * | name | type | meaning |
 * |---|---|---|
 * | `pgqueuer_jobs_processed_total{entrypoint,outcome}` | counter | finished jobs by outcome (`successful`, `exception`, `failed`, `canceled`, `retry`) |
 * | `pgqueuer_job_duration_seconds{entrypoint}` | histogram | handler start to end |
 * | `pgqueuer_job_queue_wait_seconds{entrypoint}` | histogram | `job.created` to handler start |
 * | `pgqueuer_jobs_active{entrypoint}` | gauge | handlers running now in this process |
 *
 * Prometheus convention puts durations in seconds, so these do too (the library API elsewhere
 * speaks milliseconds).
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Job } from "../domain/types.js";
import type { JobFinishedEvent, JobObserver } from "../core/observer.js";

/** Options of {@link createMetricsObserver}. */
export interface MetricsObserverOptions {
  /** Where the metrics are registered (default: a new, dedicated registry, never the global one). */
  readonly registry?: Registry;
  /** Histogram buckets (seconds) of `pgqueuer_job_duration_seconds`. */
  readonly durationBuckets?: readonly number[];
  /** Histogram buckets (seconds) of `pgqueuer_job_queue_wait_seconds`. */
  readonly queueWaitBuckets?: readonly number[];
}

/** A job observer that records metrics, with the registry that holds them. */
export interface MetricsObserver extends JobObserver {
  readonly registry: Registry;
}

/** Default buckets of the processing-duration histogram, in seconds. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Default buckets of the queue-wait histogram, in seconds. */
export const DEFAULT_QUEUE_WAIT_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Create the worker-side metrics. Several observers (several `PgQueuer` instances) may share
 * one registry: the metrics are registered once and shared.
 */
export function createMetricsObserver(registryOrOptions?: Registry | MetricsObserverOptions): MetricsObserver {
  const options: MetricsObserverOptions = isRegistry(registryOrOptions) ? { registry: registryOrOptions } : (registryOrOptions ?? {});
  const registry = options.registry ?? new Registry();
  const durationBuckets = checkBuckets(options.durationBuckets ?? DEFAULT_DURATION_BUCKETS, "durationBuckets");
  const queueWaitBuckets = checkBuckets(options.queueWaitBuckets ?? DEFAULT_QUEUE_WAIT_BUCKETS, "queueWaitBuckets");

  const processed = sharedMetric(registry, "pgqueuer_jobs_processed_total", Counter, () =>
    new Counter({ name: "pgqueuer_jobs_processed_total", help: "Jobs finished by this process, by entrypoint and outcome.", labelNames: ["entrypoint", "outcome"], registers: [registry] }),
  );
  const duration = sharedMetric(registry, "pgqueuer_job_duration_seconds", Histogram, () =>
    new Histogram({ name: "pgqueuer_job_duration_seconds", help: "Handler run time, from start to end, in seconds.", labelNames: ["entrypoint"], buckets: [...durationBuckets], registers: [registry] }),
  );
  const queueWait = sharedMetric(registry, "pgqueuer_job_queue_wait_seconds", Histogram, () =>
    new Histogram({ name: "pgqueuer_job_queue_wait_seconds", help: "Time from enqueue (job.created) to handler start, in seconds.", labelNames: ["entrypoint"], buckets: [...queueWaitBuckets], registers: [registry] }),
  );
  const active = sharedMetric(registry, "pgqueuer_jobs_active", Gauge, () =>
    new Gauge({ name: "pgqueuer_jobs_active", help: "Handlers running now in this process, by entrypoint.", labelNames: ["entrypoint"], registers: [registry] }),
  );

  return {
    registry,
    onJobStarted(job: Job): void {
      // job.created is the database's clock; clamp a small skew with ours to zero.
      const waited = Math.max(0, Date.now() - job.created.getTime()) / 1000;
      queueWait.observe({ entrypoint: job.entrypoint }, waited);
    },
    // The active gauge follows the handler itself: a job released at shutdown whose handler
    // is still running stays counted until it really returns.
    async around<T>(job: Job, run: () => Promise<T>): Promise<T> {
      const labels = { entrypoint: job.entrypoint };
      active.inc(labels);
      try {
        return await run();
      } finally {
        active.dec(labels);
      }
    },
    onJobFinished(event: JobFinishedEvent): void {
      const entrypoint = event.job.entrypoint;
      processed.inc({ entrypoint, outcome: event.outcome.kind });
      duration.observe({ entrypoint }, event.durationMs / 1000);
    },
  };
}

/** Duck-typed, so a registry from another copy of prom-client is recognised too. */
export function isRegistry(value: unknown): value is Registry {
  const candidate = value as Partial<Registry> | null | undefined;
  return typeof candidate?.metrics === "function" && typeof candidate.getSingleMetric === "function" && typeof candidate.registerMetric === "function";
}

/**
 * The metric already registered under `name` (when the registry is shared), else a new one.
 * A metric of another type under that name is a conflict the caller must resolve.
 */
export function sharedMetric<M>(registry: Registry, name: string, type: abstract new (...args: never[]) => M, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof type) return existing;
  throw new InvalidArgumentError("registry", `already holds a metric named ${name} of another type`);
}

function checkBuckets(buckets: readonly number[], option: string): readonly number[] {
  if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((bound) => Number.isFinite(bound) && bound > 0)) {
    throw new InvalidArgumentError(option, "must be a non-empty array of positive numbers of seconds");
  }
  for (let i = 1; i < buckets.length; i += 1) {
    if (buckets[i]! <= buckets[i - 1]!) throw new InvalidArgumentError(option, "must be strictly increasing");
  }
  return buckets;
}
