/**
 * What the benchmark runs and with which settings: scenario sizes (full or quick), the
 * database, and each library's configuration. Every number that shapes a result lives here,
 * so docs/performance.md can quote it.
 *
 * @module
 */

/** The libraries (and the raw-SQL floor) the benchmark compares. */
export type LibraryName = "pgqueuer" | "graphile-worker" | "pg-boss" | "sql-floor" | "sql-floor-2";

/**
 * The subjects of the PostgreSQL scenarios, in the order they appear in the tables.
 * `sql-floor-2` is the floor with two claim loops on two connections; it runs in the drain
 * only, to show what overlapping round trips can reach.
 */
export const LIBRARIES: readonly LibraryName[] = ["pgqueuer", "graphile-worker", "pg-boss", "sql-floor", "sql-floor-2"];

/** Display names. */
export const LIBRARY_TITLES: Readonly<Record<LibraryName, string>> = {
  pgqueuer: "pgqueuer (ours)",
  "graphile-worker": "graphile-worker 0.17.3",
  "pg-boss": "pg-boss 10.4.2",
  "sql-floor": "SQL floor (1 conn)",
  "sql-floor-2": "SQL floor (2 conn)",
};

/** Scenario sizes. */
export interface BenchSizes {
  /** Jobs enqueued in batches, and the batch size. */
  readonly batchEnqueueJobs: number;
  readonly enqueueBatchSize: number;
  /** Jobs enqueued one statement (and one commit) each. */
  readonly singleEnqueueJobs: number;
  /** No-op jobs drained by one worker process. */
  readonly drainJobs: number;
  /** How long the steady producer runs (ms) and its batch size. */
  readonly steadyDuration: number;
  readonly steadyBatchSize: number;
  /** Jobs of the idle pickup-latency scenario, and the gap between two enqueues (ms). */
  readonly latencyJobs: number;
  readonly latencyGap: number;
  /** No-op jobs drained on embedded PGlite. */
  readonly pgliteDrainJobs: number;
}

/** Sizes of the issue (#9). */
export const FULL_SIZES: BenchSizes = {
  batchEnqueueJobs: 20_000,
  enqueueBatchSize: 1_000,
  singleEnqueueJobs: 2_000,
  drainJobs: 20_000,
  steadyDuration: 15_000,
  steadyBatchSize: 10,
  latencyJobs: 200,
  latencyGap: 20,
  pgliteDrainJobs: 20_000,
};

/** A smoke run: every code path, small counts, about a minute. */
export const QUICK_SIZES: BenchSizes = {
  batchEnqueueJobs: 2_000,
  enqueueBatchSize: 1_000,
  singleEnqueueJobs: 200,
  drainJobs: 2_000,
  steadyDuration: 2_000,
  steadyBatchSize: 10,
  latencyJobs: 30,
  latencyGap: 20,
  pgliteDrainJobs: 2_000,
};

/** Our library's worker settings in every scenario. */
export const PGQUEUER_RUN = {
  /** As graphile-worker's local queue: 500 jobs per claim. */
  batchSize: 500,
  /** Enough room that a claim of `batchSize` never waits for slots on no-op jobs. */
  maxConcurrentTasks: 2_000,
  /** Two claims in flight while there is a backlog (docs/performance.md: what it costs). */
  concurrentClaims: 2,
  /**
   * After a claim that found work, wait 5 ms before claiming again, so that under a stream of
   * small enqueues one claim takes several of them (docs/performance.md: what it costs). Drain
   * mode never lingers.
   */
  claimLinger: 5,
  /** Defaults: heartbeats every 15 s, log aggregation every ~30 s. */
  heartbeatTimeout: 30_000,
  logAggregationInterval: 30_000,
} as const;

/** A variation of our library's settings, measured by the opt-in `knobs` scenario. */
export interface PgQueuerVariant {
  /** What the variant changes, for the report. */
  readonly description: string;
  readonly batchSize?: number;
  readonly maxConcurrentTasks?: number | null;
  readonly heartbeatTimeout?: number;
  readonly logAggregationInterval?: number;
  readonly durability?: "durable" | "balanced" | "volatile";
  /** Claims in flight at once when there is a backlog (RunOptions.concurrentClaims). */
  readonly concurrentClaims?: number;
  /** Pause after a claim that found work (RunOptions.claimLinger); drain mode ignores it. */
  readonly claimLinger?: number;
  /** Apply PgQueuer's autovacuum tuning (`pgq autovac`) after install. */
  readonly autovac?: boolean;
}

/** The tuning knobs the `knobs` scenario measures (drain, our library only). */
export const PGQUEUER_VARIANTS: Readonly<Record<string, PgQueuerVariant>> = {
  baseline: { description: "the settings above" },
  "batch-10": { description: "batchSize 10", batchSize: 10, maxConcurrentTasks: 1_000 },
  "batch-100-claims-1": { description: "batchSize 100, concurrentClaims 1 (the earlier bench setting)", batchSize: 100, maxConcurrentTasks: 1_000, concurrentClaims: 1 },
  "batch-500": { description: "batchSize 500", batchSize: 500, maxConcurrentTasks: 2_000 },
  "concurrency-1000": { description: "maxConcurrentTasks 1000 (the least batchSize 500 allows)", maxConcurrentTasks: 1_000 },
  "heartbeat-2s": { description: "heartbeatTimeout 2 000 (a heartbeat write every second)", heartbeatTimeout: 2_000 },
  "aggregation-1s": { description: "logAggregationInterval 1 000", logAggregationInterval: 1_000 },
  balanced: { description: "durability balanced (log and statistics UNLOGGED)", durability: "balanced" },
  volatile: { description: "durability volatile (every table UNLOGGED)", durability: "volatile" },
  "claims-2": { description: "concurrentClaims 2", concurrentClaims: 2 },
  "batch-250-claims-2": { description: "batchSize 250, concurrentClaims 2", batchSize: 250, maxConcurrentTasks: 2_000, concurrentClaims: 2 },
  "batch-1000-claims-2": { description: "batchSize 1000, concurrentClaims 2", batchSize: 1_000, maxConcurrentTasks: 4_000, concurrentClaims: 2 },
  "batch-500-claims-3": { description: "batchSize 500, concurrentClaims 3", batchSize: 500, maxConcurrentTasks: 3_000, concurrentClaims: 3 },
  "batch-500-claims-2": { description: "batchSize 500, concurrentClaims 2", batchSize: 500, maxConcurrentTasks: 2_000, concurrentClaims: 2 },
  autovac: { description: "`pgq autovac` storage parameters (fillfactor 70, eager autovacuum)", autovac: true },
};

/** The second batch size the PGlite scenario measures. */
export const PGLITE_LARGE_BATCH = 1_000;

/** Steady runs fold the log into statistics on a shorter period, so its cost is in the number. */
export const PGQUEUER_STEADY_AGGREGATION = 5_000;

/**
 * graphile-worker, as its performance page configures it for throughput: a local queue that
 * fetches (and locks) 500 jobs at a time, and completions batched with a 0 ms delay (one
 * statement for whatever completed in the same tick). Concurrency 10, as in PERFORMANCE.md.
 */
export const GRAPHILE_SETTINGS = {
  concurrency: 10,
  maxPoolSize: 12,
  localQueueSize: 500,
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
  /** Its default; LISTEN/NOTIFY wakes it for new jobs. */
  pollInterval: 2_000,
} as const;

/**
 * pg-boss 10: one `work()` call fetching up to 5 000 jobs per round trip, handler receiving
 * the array and completing it in one statement; polling at its minimum (0.5 s). Maintenance
 * (`supervise`) and cron (`schedule`) are off in the measured processes: they do nothing
 * useful in a short run and would only add load.
 */
export const PGBOSS_SETTINGS = {
  batchSize: 5_000,
  pollingIntervalSeconds: 0.5,
} as const;

/** The SQL floor's batch sizes: the same as our worker's. */
export const FLOOR_SETTINGS = { batchSize: PGQUEUER_RUN.batchSize } as const;

/** Resolved run configuration. */
export interface BenchConfig {
  readonly dsn: string;
  readonly runs: number;
  readonly quick: boolean;
  readonly sizes: BenchSizes;
  /** Directory for `--cpu-prof` output of worker processes, when profiling. */
  readonly cpuProfileDir: string | undefined;
  /** Only these libraries (BENCH_ONLY=pgqueuer,sql-floor); all by default. */
  readonly libraries: readonly LibraryName[];
  /** Only these scenarios (BENCH_SCENARIOS=drain,steady); all by default. */
  readonly scenarios: readonly ScenarioName[];
  /** Where RESULTS.md is written (BENCH_OUTPUT); none when a subset runs, unless set. */
  readonly output: string | undefined;
  /**
   * Before each scenario run, wait up to `quietWait` ms (BENCH_QUIET_WAIT) while more than
   * `quietThreshold` of the CPUs (BENCH_QUIET_THRESHOLD, 0–1) is busy with other work.
   */
  readonly quietThreshold: number;
  readonly quietWait: number;
}

/** Scenario names, as BENCH_SCENARIOS accepts them. */
export type ScenarioName = "enqueue" | "drain" | "steady" | "latency" | "pglite" | "knobs";

/** All scenarios, in run order. */
export const SCENARIOS: readonly ScenarioName[] = ["enqueue", "drain", "steady", "latency", "pglite", "knobs"];

/** The scenarios `npm run bench` runs when BENCH_SCENARIOS is not set (`knobs` is opt-in). */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = ["enqueue", "drain", "steady", "latency", "pglite"];

function parseList<T extends string>(raw: string | undefined, allowed: readonly T[], name: string, fallback: readonly T[] = allowed): readonly T[] {
  if (raw === undefined || raw.trim() === "") return fallback;
  const items = raw.split(",").map((item) => item.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`${name}: unknown value ${JSON.stringify(item)}; expected ${allowed.join(", ")}`);
  }
  return items as T[];
}

/** Read the configuration from the environment. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === "1";
  const runs = Number(env.BENCH_RUNS ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be an integer >= 1, got ${env.BENCH_RUNS}`);
  const libraries = parseList(env.BENCH_ONLY, LIBRARIES, "BENCH_ONLY");
  const scenarios = parseList(env.BENCH_SCENARIOS, SCENARIOS, "BENCH_SCENARIOS", DEFAULT_SCENARIOS);
  const subset = env.BENCH_ONLY !== undefined || env.BENCH_SCENARIOS !== undefined || quick;
  return {
    dsn: env.PGQUEUER_BENCH_DSN ?? "postgres://postgres@127.0.0.1:5432/test",
    runs,
    quick,
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    cpuProfileDir: env.BENCH_CPU_PROF || undefined,
    libraries,
    scenarios,
    output: env.BENCH_OUTPUT ?? (subset ? undefined : new URL("./RESULTS.md", import.meta.url).pathname),
    quietThreshold: Number(env.BENCH_QUIET_THRESHOLD ?? 0.25),
    quietWait: Number(env.BENCH_QUIET_WAIT ?? (quick ? 0 : 15_000)),
  };
}
