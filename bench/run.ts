/**
 * `npm run bench`: our worker against graphile-worker, pg-boss and the SQL floor on one
 * PostgreSQL (PGQUEUER_BENCH_DSN, default postgres://postgres@127.0.0.1:5432/test), plus our
 * library on embedded PGlite. Prints the report and writes bench/RESULTS.md.
 *
 * Environment: BENCH_RUNS (default 3), BENCH_QUICK=1 (small counts, one run),
 * BENCH_ONLY=pgqueuer,sql-floor and BENCH_SCENARIOS=drain,steady (subsets; RESULTS.md is then
 * not written unless BENCH_OUTPUT names a file), BENCH_CPU_PROF=<dir> (V8 CPU profiles of the
 * worker processes).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { LIBRARY_TITLES, readConfig, type LibraryName, type ScenarioName } from "./config.js";
import { activeSessions, commitRoundTrip, isConnectionLoss, waitForServer } from "./database.js";
import { describeEnvironment } from "./machine.js";
import { waitForQuiet } from "./quiet.js";
import { addSamples, renderReport, type Samples } from "./report.js";
import { drainScenario, enqueueScenario, knobsScenario, latencyScenario, pgliteScenario, SCENARIO_LIBRARIES, steadyScenario, type Metrics, type RunContext } from "./scenarios.js";

const SCENARIO_FUNCTIONS: Readonly<Record<ScenarioName, (context: RunContext) => Promise<Metrics>>> = {
  enqueue: enqueueScenario,
  drain: drainScenario,
  steady: steadyScenario,
  latency: latencyScenario,
  pglite: pgliteScenario,
  knobs: knobsScenario,
};

/** Rotate `items` left by `by`, so each run starts with a different library. */
function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function summarize(scenario: ScenarioName, metrics: Metrics): string {
  return Object.entries(metrics)
    .filter(([key]) => !key.startsWith("knob.") || key.endsWith(".rate"))
    .map(([key, value]) => `${key.startsWith(`${scenario}.`) ? key.slice(scenario.length + 1) : key}=${Number.isInteger(value) || Math.abs(value) >= 100 ? Math.round(value) : value.toFixed(2)}`)
    .join(" ");
}

async function main(): Promise<void> {
  const config = readConfig();
  const startedAt = new Date();
  const clock = performance.now();
  if (config.cpuProfileDir) mkdirSync(config.cpuProfileDir, { recursive: true });
  const environment = await describeEnvironment(config.dsn);
  console.log(`bench: ${config.runs} run(s)${config.quick ? ", quick" : ""}; ${environment.cpus} CPUs; PostgreSQL ${environment.server.version}; node ${environment.node}`);
  const samples: Samples = new Map();
  const failures: string[] = [];
  let maxOtherSessions = 0;
  const busyShares: number[] = [];
  for (let run = 1; run <= config.runs; run += 1) {
    for (const scenario of config.scenarios) {
      const libraries: readonly LibraryName[] = rotate(SCENARIO_LIBRARIES[scenario].filter((library) => config.libraries.includes(library)), run - 1);
      for (const library of libraries) {
        const label = `[run ${run}/${config.runs}] ${scenario.padEnd(7)} ${(scenario === "pglite" ? "pgqueuer on PGlite" : scenario === "knobs" ? "pgqueuer variants" : LIBRARY_TITLES[library]).padEnd(24)}`;
        for (let attempt = 1; ; attempt += 1) {
          try {
            await waitForServer(config.dsn);
            maxOtherSessions = Math.max(maxOtherSessions, await activeSessions(config.dsn));
            const busy = await waitForQuiet(config.quietThreshold, config.quietWait);
            busyShares.push(busy);
            const began = performance.now();
            const metrics = await SCENARIO_FUNCTIONS[scenario]({ config, library, run });
            // Kept with the raw values, so a noisy sample can be told apart from a slow one.
            addSamples(samples, library, { ...metrics, [`${scenario}.busyPercentBefore`]: busy * 100 });
            console.log(`${label} ${summarize(scenario, metrics)}  (${((performance.now() - began) / 1000).toFixed(1)} s; CPUs ${(busy * 100).toFixed(0)}% busy before)`);
            break;
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            // A server restart by someone else is not the library's failure: try once more.
            if (attempt === 1 && isConnectionLoss(message)) {
              console.error(`${label} lost the server (${message.split("\n")[0]}); retrying`);
              continue;
            }
            failures.push(`run ${run}, ${scenario}, ${library}: ${message}`);
            console.error(`${label} FAILED: ${message}`);
            break;
          }
        }
      }
    }
  }
  const commitMs = await commitRoundTrip(config.dsn);
  const elapsedSeconds = (performance.now() - clock) / 1000;
  const report = renderReport({ config, environment, samples, startedAt, elapsedSeconds, maxOtherSessions, busyShares, commitMs, failures });
  console.log(`\n${report}`);
  if (config.output) {
    writeFileSync(config.output, report);
    console.log(`written to ${config.output}`);
  }
  if (failures.length > 0) process.exitCode = 1;
}

await main();
