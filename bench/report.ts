/**
 * Turn the collected samples into RESULTS.md: environment, settings, the results table
 * (median and min–max per library), ratios against each peer and the floor, and the targets
 * of issue #9 with pass or miss.
 *
 * @module
 */
import { FLOOR_SETTINGS, GRAPHILE_SETTINGS, LIBRARY_TITLES, PGBOSS_SETTINGS, PGLITE_LARGE_BATCH, PGQUEUER_RUN, PGQUEUER_STEADY_AGGREGATION, PGQUEUER_VARIANTS, type BenchConfig, type LibraryName } from "./config.js";
import type { Environment } from "./machine.js";
import { spread, type Spread } from "./stats.js";

/** Every value measured, by library and metric, one entry per run. */
export type Samples = Map<LibraryName, Map<string, number[]>>;

/** Record one run's metrics. */
export function addSamples(samples: Samples, library: LibraryName, metrics: Record<string, number>): void {
  let byMetric = samples.get(library);
  if (!byMetric) samples.set(library, (byMetric = new Map()));
  for (const [metric, value] of Object.entries(metrics)) {
    const values = byMetric.get(metric) ?? [];
    values.push(value);
    byMetric.set(metric, values);
  }
}

/** How a metric is shown. */
interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly better: "higher" | "lower" | "neither";
  readonly digits: number;
}

function metricSpecs(config: BenchConfig): MetricSpec[] {
  const s = config.sizes;
  const n = (value: number): string => value.toLocaleString("en-US").replaceAll(",", " ");
  return [
    { key: "enqueue.batch", label: `Enqueue ${n(s.batchEnqueueJobs)} in batches of ${n(s.enqueueBatchSize)} (jobs/s)`, better: "higher", digits: 0 },
    { key: "enqueue.single", label: `Enqueue ${n(s.singleEnqueueJobs)} one at a time (jobs/s)`, better: "higher", digits: 0 },
    { key: "drain.rate", label: `Drain ${n(s.drainJobs)} no-op jobs, one worker process (jobs/s)`, better: "higher", digits: 0 },
    { key: "drain.cpuPer10k", label: "Worker CPU per 10 000 jobs, drain (s)", better: "lower", digits: 3 },
    { key: "drain.rssMb", label: "Worker peak RSS, drain (MB)", better: "lower", digits: 0 },
    { key: "drain.startupMs", label: "Worker start → first job, drain (ms)", better: "lower", digits: 0 },
    { key: "steady.rate", label: `Steady ${s.steadyDuration / 1000} s, batches of ${s.steadyBatchSize}: processed (jobs/s)`, better: "higher", digits: 0 },
    { key: "steady.produced", label: "Steady: enqueued by the producer (jobs/s)", better: "neither", digits: 0 },
    { key: "steady.backlog", label: "Steady: backlog at the end (jobs)", better: "lower", digits: 0 },
    { key: "steady.cpuPer10k", label: "Steady: worker CPU per 10 000 jobs (s)", better: "lower", digits: 3 },
    { key: "latency.p50", label: `Pickup latency at idle, p50 (ms; ${s.latencyJobs} jobs ${s.latencyGap} ms apart)`, better: "lower", digits: 2 },
    { key: "latency.p95", label: "Pickup latency at idle, p95 (ms)", better: "lower", digits: 2 },
    { key: "latency.p99", label: "Pickup latency at idle, p99 (ms)", better: "lower", digits: 2 },
    { key: "latency.max", label: "Pickup latency at idle, max (ms)", better: "lower", digits: 2 },
  ];
}

const PGLITE_SPECS: readonly MetricSpec[] = [
  { key: "pglite.rate", label: `Drain, batchSize ${PGQUEUER_RUN.batchSize} (jobs/s)`, better: "higher", digits: 0 },
  { key: "pglite.cpuPer10k", label: `Process CPU per 10 000 jobs, engine included, batchSize ${PGQUEUER_RUN.batchSize} (s)`, better: "lower", digits: 3 },
  { key: "pglite.rssMb", label: "Process peak RSS (MB)", better: "lower", digits: 0 },
  { key: "pgliteLarge.rate", label: `Drain, batchSize ${PGLITE_LARGE_BATCH} (jobs/s)`, better: "higher", digits: 0 },
  { key: "pgliteLarge.cpuPer10k", label: `Process CPU per 10 000 jobs, engine included, batchSize ${PGLITE_LARGE_BATCH} (s)`, better: "lower", digits: 3 },
];

function format(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "–";
  const fixed = value.toFixed(digits);
  if (digits > 0) return fixed;
  return Number(fixed).toLocaleString("en-US").replaceAll(",", " ");
}

function cell(found: Spread | undefined, digits: number): string {
  if (!found) return "–";
  if (found.count === 1) return format(found.median, digits);
  return `${format(found.median, digits)} (${format(found.min, digits)}–${format(found.max, digits)})`;
}

function metric(samples: Samples, library: LibraryName, key: string): Spread | undefined {
  return spread(samples.get(library)?.get(key) ?? []);
}

function median(samples: Samples, library: LibraryName, key: string): number {
  return metric(samples, library, key)?.median ?? Number.NaN;
}

function ratio(samples: Samples, key: string, peer: LibraryName): number {
  return median(samples, "pgqueuer", key) / median(samples, peer, key);
}

function ratioText(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "–";
}

/** One target of issue #9. */
export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean | undefined;
}

/** Evaluate the targets of issue #9 on the medians. */
export function evaluateTargets(samples: Samples): TargetResult[] {
  const check = (value: number, ok: (v: number) => boolean): boolean | undefined => (Number.isFinite(value) ? ok(value) : undefined);
  const drainVsGraphile = ratio(samples, "drain.rate", "graphile-worker");
  const steadyVsGraphile = ratio(samples, "steady.rate", "graphile-worker");
  const p99 = median(samples, "pgqueuer", "latency.p99");
  const cpu = ratio(samples, "drain.cpuPer10k", "graphile-worker");
  const drainFloor = ratio(samples, "drain.rate", "sql-floor");
  const steadyFloor = ratio(samples, "steady.rate", "sql-floor");
  const fastestPeer = Math.max(median(samples, "graphile-worker", "enqueue.batch"), median(samples, "pg-boss", "enqueue.batch"));
  const enqueue = median(samples, "pgqueuer", "enqueue.batch") / fastestPeer;
  const pglite = median(samples, "pgqueuer", "pglite.rate");
  const pgliteLarge = median(samples, "pgqueuer", "pgliteLarge.rate");
  return [
    { target: "Drain ≥ 1.5× graphile-worker", measured: ratioText(drainVsGraphile), pass: check(drainVsGraphile, (v) => v >= 1.5) },
    { target: "Steady ≥ 1.5× graphile-worker", measured: ratioText(steadyVsGraphile), pass: check(steadyVsGraphile, (v) => v >= 1.5) },
    { target: "Pickup latency p99 ≤ 3 ms", measured: Number.isFinite(p99) ? `${p99.toFixed(2)} ms` : "–", pass: check(p99, (v) => v <= 3) },
    { target: "Worker CPU per job ≤ graphile-worker's", measured: `${ratioText(cpu)} of graphile-worker's`, pass: check(cpu, (v) => v <= 1) },
    { target: "Drain ≥ 80% of the SQL floor (1 conn)", measured: Number.isFinite(drainFloor) ? `${(drainFloor * 100).toFixed(0)}%` : "–", pass: check(drainFloor, (v) => v >= 0.8) },
    { target: "Steady ≥ 80% of the SQL floor", measured: Number.isFinite(steadyFloor) ? `${(steadyFloor * 100).toFixed(0)}%` : "–", pass: check(steadyFloor, (v) => v >= 0.8) },
    { target: "Batch enqueue ≥ the fastest peer", measured: ratioText(enqueue), pass: check(enqueue, (v) => v >= 1) },
    { target: `PGlite drain ≥ 5 000 jobs/s (batchSize ${PGQUEUER_RUN.batchSize})`, measured: `${format(pglite, 0)} jobs/s`, pass: check(pglite, (v) => v >= 5_000) },
    { target: `PGlite drain ≥ 5 000 jobs/s (batchSize ${PGLITE_LARGE_BATCH})`, measured: `${format(pgliteLarge, 0)} jobs/s`, pass: check(pgliteLarge, (v) => v >= 5_000) },
  ];
}

/** What the report needs besides the samples. */
export interface ReportInput {
  readonly config: BenchConfig;
  readonly environment: Environment;
  readonly samples: Samples;
  readonly startedAt: Date;
  readonly elapsedSeconds: number;
  readonly maxOtherSessions: number;
  /** Share of the CPUs busy with other work just before each scenario run (0–1). */
  readonly busyShares: readonly number[];
  /** Median round trip of a one-row INSERT with its own commit (ms). */
  readonly commitMs?: number;
  readonly failures: readonly string[];
}

/** The whole RESULTS.md text. */
export function renderReport(input: ReportInput): string {
  const { config, environment: env, samples } = input;
  const libraries = ([...Object.keys(LIBRARY_TITLES)] as LibraryName[]).filter((library) => samples.has(library) && [...(samples.get(library)?.keys() ?? [])].some((key) => !key.startsWith("pglite") && !key.startsWith("knob") && !key.endsWith(".busyPercentBefore")));
  const specs = metricSpecs(config).filter((spec) => libraries.some((library) => metric(samples, library, spec.key)));
  const lines: string[] = [];
  lines.push("# Benchmark results", "");
  lines.push(`Generated by \`npm run bench\`${config.quick ? " (BENCH_QUICK=1: small counts, a smoke run — not comparable)" : ""} on ${input.startedAt.toISOString()}; the run took ${(input.elapsedSeconds / 60).toFixed(1)} minutes.`);
  lines.push(`Each cell: median of ${config.runs} run${config.runs === 1 ? "" : "s"} (min–max). Every scenario run uses a fresh schema and fresh processes; libraries alternate within each scenario and their order rotates between runs.`, "");
  lines.push("## Environment", "");
  lines.push(`- Machine: ${env.cpus} CPUs (${env.cpuModel}), ${env.memoryGiB.toFixed(1)} GiB memory, ${env.os}`);
  lines.push(`- Node.js ${env.node}; PostgreSQL ${env.server.version} on the same machine (${Object.entries(env.server.settings).map(([key, value]) => `${key}=${value}`).join(", ")})`);
  lines.push(`- Libraries: ${Object.entries(env.versions).map(([name, version]) => `${name} ${version}`).join(", ")}`);
  const busy = spread(input.busyShares.map((share) => share * 100));
  lines.push(`- Other active sessions seen on the server before a scenario run: at most ${input.maxOtherSessions} (the server is shared; more means noisier numbers)`);
  if (busy) lines.push(`- CPUs busy with other work just before a scenario run: median ${busy.median.toFixed(0)}%, max ${busy.max.toFixed(0)}% (the harness waits up to ${(input.config.quietWait / 1000).toFixed(0)} s for less than ${(input.config.quietThreshold * 100).toFixed(0)}%)`);
  if (input.commitMs !== undefined) lines.push(`- One-row INSERT + COMMIT round trip on this server: median ${input.commitMs.toFixed(2)} ms (WAL flush; bounds every one-job-per-transaction path)`);
  lines.push("");
  lines.push("## Settings", "");
  lines.push(`- **pgqueuer**: \`batchSize: ${PGQUEUER_RUN.batchSize}\`, \`maxConcurrentTasks: ${PGQUEUER_RUN.maxConcurrentTasks}\`, \`concurrentClaims: ${PGQUEUER_RUN.concurrentClaims}\`, \`claimLinger: ${PGQUEUER_RUN.claimLinger}\` (continuous runs only), \`heartbeatTimeout: ${PGQUEUER_RUN.heartbeatTimeout}\`, \`logAggregationInterval: ${PGQUEUER_RUN.logAggregationInterval}\` (steady: ${PGQUEUER_STEADY_AGGREGATION}); durability \`durable\`; \`pg.Pool\` of 10; drain uses \`mode: "drain"\`. Audit log and statistics on.`);
  lines.push(`- **graphile-worker**: \`concurrency: ${GRAPHILE_SETTINGS.concurrency}\`, \`maxPoolSize: ${GRAPHILE_SETTINGS.maxPoolSize}\`, \`localQueue: { size: ${GRAPHILE_SETTINGS.localQueueSize} }\`, \`completeJobBatchDelay: ${GRAPHILE_SETTINGS.completeJobBatchDelay}\`, \`failJobBatchDelay: ${GRAPHILE_SETTINGS.failJobBatchDelay}\`, \`pollInterval: ${GRAPHILE_SETTINGS.pollInterval}\`; \`addJobs\` for batches, \`addJob\` for single jobs.`);
  lines.push(`- **pg-boss**: one \`work()\` with \`batchSize: ${PGBOSS_SETTINGS.batchSize}\`, \`pollingIntervalSeconds: ${PGBOSS_SETTINGS.pollingIntervalSeconds}\` (its minimum), handler runs the batch's jobs concurrently; \`supervise: false\`, \`schedule: false\`; \`insert\` for batches, \`send\` for single jobs.`);
  lines.push(`- **SQL floor**: our own statements (\`enqueueStatement\`, \`claimStatement\`, \`recordOutcomesStatement\` from src/sql/) in a bare loop over \`pg.Client\`: claim ${FLOOR_SETTINGS.batchSize}, run handlers, write outcomes, repeat. "2 conn" runs two such loops side by side.`);
  lines.push("- Enqueue: each producer first sends one untimed batch (connections open lazily in some libraries and eagerly in others); then the timed batches, then the timed single jobs.");
  lines.push("- Drain: jobs are enqueued, tables ANALYZEd and a CHECKPOINT taken before the worker starts (not timed); the clock runs from the first handler start until every job is finished in the database.");
  lines.push("- Pickup latency: the worker idles for 1 s; the producer sends one unmeasured job first (its own connection opens, and the worker's one-time first-job costs are paid), pauses 0.5 s, then enqueues one job every gap; each sample is enqueue-commit acknowledged → handler start, both read from the same machine clock.", "");
  lines.push("## Results (PostgreSQL)", "");
  lines.push(`| metric | ${libraries.map((library) => LIBRARY_TITLES[library]).join(" | ")} |`);
  lines.push(`|---|${libraries.map(() => "---:").join("|")}|`);
  for (const spec of specs) lines.push(`| ${spec.label} | ${libraries.map((library) => cell(metric(samples, library, spec.key), spec.digits)).join(" | ")} |`);
  lines.push("");
  lines.push("## Ratios (ours ÷ other, medians)", "");
  lines.push("For rates higher is better for us; for CPU, memory, backlog and latency lower is better.", "");
  const peers: LibraryName[] = ["graphile-worker", "pg-boss", "sql-floor", "sql-floor-2"];
  lines.push(`| metric | better | ${peers.map((peer) => `ours ÷ ${LIBRARY_TITLES[peer]}`).join(" | ")} |`);
  lines.push(`|---|---|${peers.map(() => "---:").join("|")}|`);
  for (const spec of specs.filter((each) => each.better !== "neither" && each.key !== "drain.startupMs")) {
    lines.push(`| ${spec.label} | ${spec.better} | ${peers.map((peer) => ratioText(ratio(samples, spec.key, peer))).join(" | ")} |`);
  }
  lines.push("");
  lines.push("## Our library on embedded PGlite (in-memory, in-process; reported apart)", "");
  lines.push("| metric | pgqueuer on PGlite |", "|---|---:|");
  for (const spec of PGLITE_SPECS) lines.push(`| ${spec.label} | ${cell(metric(samples, "pgqueuer", spec.key), spec.digits)} |`);
  lines.push("");
  if (metric(samples, "pgqueuer", "knob.baseline.rate")) {
    lines.push("## Tuning knobs (our library, drain; `BENCH_SCENARIOS=knobs`)", "");
    const baseline = median(samples, "pgqueuer", "knob.baseline.rate");
    const baselineCpu = median(samples, "pgqueuer", "knob.baseline.cpuPer10k");
    lines.push("| variant | drain (jobs/s) | vs baseline | CPU per 10 000 jobs (s) | vs baseline |", "|---|---:|---:|---:|---:|");
    for (const [name, variant] of Object.entries(PGQUEUER_VARIANTS)) {
      const rate = metric(samples, "pgqueuer", `knob.${name}.rate`);
      const cpu = metric(samples, "pgqueuer", `knob.${name}.cpuPer10k`);
      if (rate === undefined) continue; // not measured (BENCH_VARIANTS chose a subset)
      lines.push(`| ${variant.description} | ${cell(rate, 0)} | ${ratioText((rate?.median ?? Number.NaN) / baseline)} | ${cell(cpu, 3)} | ${ratioText((cpu?.median ?? Number.NaN) / baselineCpu)} |`);
    }
    lines.push("");
  }
  lines.push("## Targets of issue #9", "");
  lines.push("| target | measured | met |", "|---|---:|:---:|");
  for (const result of evaluateTargets(samples)) lines.push(`| ${result.target} | ${result.measured} | ${result.pass === undefined ? "–" : result.pass ? "yes" : "**no**"} |`);
  lines.push("");
  if (input.failures.length > 0) {
    lines.push("## Failures", "");
    for (const failure of input.failures) lines.push(`- ${failure.split("\n")[0]}`);
    lines.push("");
  }
  lines.push("## Every run", "");
  lines.push("<details><summary>raw values, in run order</summary>", "");
  lines.push("| library | metric | values |", "|---|---|---|");
  for (const [library, byMetric] of samples) {
    for (const [key, values] of byMetric) lines.push(`| ${library} | ${key} | ${values.map((value) => (Number.isInteger(value) ? String(value) : value.toFixed(3))).join(", ")} |`);
  }
  lines.push("", "</details>", "");
  return lines.join("\n");
}
