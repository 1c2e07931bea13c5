/**
 * The scenarios, as the orchestrator runs them: each on a fresh schema, with the measured
 * roles in fresh child processes (the worker apart from the producer). Each returns the
 * metrics of one run of one library.
 *
 * @module
 */
import pg from "pg";
import { PGLITE_LARGE_BATCH, PGQUEUER_RUN, PGQUEUER_VARIANTS, type BenchConfig, type LibraryName, type ScenarioName } from "./config.js";
import { countRemaining, dropSchema, freshSchemaName, settle } from "./database.js";
import { Child, runChild, type ChildOptions } from "./process.js";
import type { DrainResult, EnqueueResult, LatencyProducerResult, LatencyWorkerResult, SteadyProducerResult, SteadyWorkerResult } from "./protocol.js";
import { sleep } from "./roles/inbox.js";
import { percentile } from "./stats.js";
import { createSubject } from "./subjects/index.js";
import type { Subject } from "./subjects/types.js";

/** Metric name → value, for one run of one library. */
export type Metrics = Record<string, number>;

/** Which libraries each PostgreSQL scenario runs. */
export const SCENARIO_LIBRARIES: Readonly<Record<ScenarioName, readonly LibraryName[]>> = {
  enqueue: ["pgqueuer", "graphile-worker", "pg-boss", "sql-floor"],
  drain: ["pgqueuer", "graphile-worker", "pg-boss", "sql-floor", "sql-floor-2"],
  steady: ["pgqueuer", "graphile-worker", "pg-boss", "sql-floor"],
  latency: ["pgqueuer", "graphile-worker", "pg-boss", "sql-floor"],
  pglite: ["pgqueuer"],
  knobs: ["pgqueuer"],
};

/** How long the latency scenario lets an idle worker settle before the first job (ms). */
const IDLE_SETTLE = 1_000;

/** One scenario run's context. */
export interface RunContext {
  readonly config: BenchConfig;
  readonly library: LibraryName;
  readonly run: number;
  /** Our library only: a key of `PGQUEUER_VARIANTS`. */
  readonly variant?: string;
}

function profileOption(context: RunContext, scenario: string): ChildOptions {
  const directory = context.config.cpuProfileDir;
  return directory ? { cpuProfile: { directory, name: `${context.library}-${scenario}-run${context.run}` } } : {};
}

/** Create a fresh schema with the library installed, run `work`, and always drop the schema. */
async function onFreshSchema<T>(context: RunContext, scenario: string, work: (subject: Subject, schema: string) => Promise<T>): Promise<T> {
  const schema = freshSchemaName(context.library, scenario);
  const subject = await createSubject(context.library, context.config.dsn, schema, context.variant);
  try {
    await subject.install();
    return await work(subject, schema);
  } finally {
    await dropSchema(context.config.dsn, schema);
  }
}

/** Enqueue in batches, then one at a time, from one producer process. */
export function enqueueScenario(context: RunContext): Promise<Metrics> {
  const { sizes, dsn } = context.config;
  return onFreshSchema(context, "enqueue", async (_subject, schema) => {
    const result = await runChild<EnqueueResult>({
      kind: "enqueue",
      library: context.library,
      dsn,
      schema,
      batchJobs: sizes.batchEnqueueJobs,
      batchSize: sizes.enqueueBatchSize,
      singleJobs: sizes.singleEnqueueJobs,
    });
    return {
      "enqueue.batch": sizes.batchEnqueueJobs / result.batchSeconds,
      "enqueue.single": sizes.singleEnqueueJobs / result.singleSeconds,
    };
  });
}

/** Fill the queue (not measured), then drain it with one worker process. */
export function drainScenario(context: RunContext): Promise<Metrics> {
  return drainOnce(context, "drain");
}

/** One drain per tuning variant of our library (opt-in scenario `knobs`). */
export async function knobsScenario(context: RunContext): Promise<Metrics> {
  const metrics: Metrics = {};
  // BENCH_VARIANTS=baseline,claims-2 measures a subset (an A/B while tuning).
  const chosen = process.env.BENCH_VARIANTS?.split(",").filter((name) => name !== "");
  const names = Object.keys(PGQUEUER_VARIANTS).filter((name) => chosen === undefined || chosen.includes(name));
  const shift = (context.run - 1) % names.length;
  for (const variant of [...names.slice(shift), ...names.slice(0, shift)]) {
    Object.assign(metrics, await drainOnce({ ...context, variant }, `knob.${variant}`));
  }
  return metrics;
}

async function drainOnce(context: RunContext, prefix: string): Promise<Metrics> {
  const { sizes, dsn } = context.config;
  return onFreshSchema(context, "drain", async (subject, schema) => {
    const producer = await subject.openProducer();
    try {
      for (let from = 0; from < sizes.drainJobs; from += sizes.enqueueBatchSize) {
        const count = Math.min(sizes.enqueueBatchSize, sizes.drainJobs - from);
        await producer.enqueueBatch(Array.from({ length: count }, (_, index) => ({ seq: from + index })));
      }
    } finally {
      await producer.close();
    }
    const admin = new pg.Client({ connectionString: dsn });
    admin.on("error", () => undefined);
    await admin.connect();
    try {
      await settle(admin, schema);
    } finally {
      await admin.end();
    }
    const task = { kind: "worker", library: context.library, dsn, schema, mode: "drain", expected: sizes.drainJobs, variant: context.variant } as const;
    const result = await runChild<DrainResult>(task, profileOption(context, prefix));
    return drainMetrics(result, prefix);
  });
}

/** Metrics of a drain result, under `prefix`. */
export function drainMetrics(result: DrainResult, prefix: string): Metrics {
  return {
    [`${prefix}.rate`]: result.jobs / result.seconds,
    [`${prefix}.cpuPer10k`]: (result.cpuSeconds / result.jobs) * 10_000,
    [`${prefix}.rssMb`]: result.maxRssBytes / 2 ** 20,
    [`${prefix}.startupMs`]: result.startupSeconds * 1000,
  };
}

/** A producer enqueuing batches as fast as it can while one worker process runs. */
export function steadyScenario(context: RunContext): Promise<Metrics> {
  const { sizes, dsn } = context.config;
  return onFreshSchema(context, "steady", async (subject, schema) => {
    const admin = new pg.Client({ connectionString: dsn });
    admin.on("error", () => undefined);
    await admin.connect();
    const target = { library: context.library, dsn, schema };
    const worker = new Child({ kind: "worker", ...target, mode: "steady", expected: 0 }, profileOption(context, "steady"));
    try {
      await worker.ready();
      const producer = new Child({ kind: "steady-producer", ...target, duration: sizes.steadyDuration, batchSize: sizes.steadyBatchSize });
      await producer.ready();
      worker.signal({ type: "window-start" });
      producer.signal({ type: "go" });
      const produced = (await producer.result) as SteadyProducerResult;
      worker.signal({ type: "stop" });
      const backlog = await countRemaining(admin, subject.remainingQuery());
      const processed = (await worker.result) as SteadyWorkerResult;
      await Promise.all([producer.exited(), worker.exited()]);
      return {
        "steady.rate": processed.processed / processed.seconds,
        "steady.produced": produced.enqueued / produced.seconds,
        "steady.backlog": backlog,
        "steady.cpuPer10k": processed.processed > 0 ? (processed.cpuSeconds / processed.processed) * 10_000 : Number.NaN,
      };
    } finally {
      await admin.end();
    }
  });
}

/** An idle worker; jobs enqueued one at a time, `latencyGap` ms apart; commit → handler start. */
export function latencyScenario(context: RunContext): Promise<Metrics> {
  const { sizes, dsn } = context.config;
  return onFreshSchema(context, "latency", async (_subject, schema) => {
    const target = { library: context.library, dsn, schema };
    const worker = new Child({ kind: "worker", ...target, mode: "latency", expected: sizes.latencyJobs }, profileOption(context, "latency"));
    await worker.ready();
    await sleep(IDLE_SETTLE);
    const producer = await runChild<LatencyProducerResult>({ kind: "latency-producer", ...target, count: sizes.latencyJobs, gap: sizes.latencyGap });
    const started = (await worker.result) as LatencyWorkerResult;
    await worker.exited();
    const startBySeq = new Map(started.starts);
    const latencies = producer.commits.map(([seq, committedAt]) => {
      const startedAt = startBySeq.get(seq);
      if (startedAt === undefined) throw new Error(`${context.library}: job ${seq} was never started`);
      return startedAt - committedAt;
    });
    return {
      "latency.p50": percentile(latencies, 50),
      "latency.p95": percentile(latencies, 95),
      "latency.p99": percentile(latencies, 99),
      "latency.max": Math.max(...latencies),
    };
  });
}

/**
 * Our library on in-memory PGlite, in one fresh process per batch size: the benchmark's
 * `batchSize` and `PGLITE_LARGE_BATCH` (one connection, so round trips cannot overlap and
 * batch size matters more than on a server).
 */
export async function pgliteScenario(context: RunContext): Promise<Metrics> {
  const { sizes } = context.config;
  const metrics: Metrics = {};
  for (const [prefix, batchSize] of [["pglite", PGQUEUER_RUN.batchSize], ["pgliteLarge", PGLITE_LARGE_BATCH]] as const) {
    const task = { kind: "pglite-drain", jobs: sizes.pgliteDrainJobs, enqueueBatchSize: sizes.enqueueBatchSize, batchSize } as const;
    Object.assign(metrics, drainMetrics(await runChild<DrainResult>(task, profileOption(context, prefix)), prefix));
  }
  return metrics;
}
