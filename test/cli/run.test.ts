/**
 * `pgq run <module>[:export]`: the supervisor as a child process, with the worker factories
 * in ./fixtures. Signals are sent once the process has shown (on stdout) that it reached the
 * state under test; database state is checked afterwards from this process.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import type { JobStatus } from "../../src/domain/types.js";
import { createTarget, describeEachCliBackend, FIXTURES, runPgq, show, spawnPgq, withDatabase, type CliTarget } from "./support.js";

const TIMEOUT = 300_000;
const WORKER = join(FIXTURES, "worker.ts");
const FLAKY = `${join(FIXTURES, "flaky-factory.ts")}:create`;

async function countByStatus(target: CliTarget, entrypoint: string): Promise<Partial<Record<JobStatus, number>>> {
  const sizes = await withDatabase(target, (db) => db.queries.queueSize());
  const counts: Partial<Record<JobStatus, number>> = {};
  for (const row of sizes.filter((size) => size.entrypoint === entrypoint)) counts[row.status] = (counts[row.status] ?? 0) + row.count;
  return counts;
}

function lines(text: string, pattern: RegExp): string[] {
  return text.split("\n").filter((line) => pattern.test(line));
}

describeEachCliBackend(
  "pgq run",
  (target, backend) => {
    it(
      "drains the queue with the factory's worker, hands it the arguments after --, and prints the summary",
      async () => {
        await withDatabase(target(), (db) =>
          db.queries.enqueueMany([{ entrypoint: "work" }, { entrypoint: "work" }, { entrypoint: "work" }, { entrypoint: "hold", payload: "x" }]),
        );
        const result = await runPgq(target(), ["run", WORKER, "--mode", "drain", "--batch-size", "2", "--concurrent-claims", "2", "--claim-linger", "5ms", "--", "quick", "--flag", "value"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).toContain('factory args: ["quick","--flag","value"]');
        expect(lines(result.stdout, /^finished \d+$/)).toHaveLength(3);
        // Log lines: ISO time with offset, [pgqueuer], level; info on stdout, errors on stderr.
        expect(result.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \[pgqueuer\] INFO: worker started/m);
        expect(result.stderr).toMatch(/\[pgqueuer\] ERROR: job failed .*held on purpose/);
        expect(result.stdout).toMatch(/^Summary: 4 job\(s\) finished in [\d.]+ s/m);
        expect(result.stdout).toMatch(/^hold\s+0\s+0\s+1\s+0\s+1$/m);
        expect(result.stdout).toMatch(/^work\s+3\s+0\s+0\s+0\s+3$/m);
        expect(await countByStatus(target(), "work")).toEqual({});
        expect(await countByStatus(target(), "hold")).toEqual({ failed: 1 });
      },
      TIMEOUT,
    );

    it(
      "hands every run option given on the command line to the worker",
      async () => {
        const flags = ["--batch-size", "3", "--concurrent-claims", "2", "--claim-linger", "6ms", "--shutdown-timeout", "4s", "--log-aggregation-interval", "5s", "--health-check-interval", "3s", "--vacuum-interval", "2s", "--dequeue-timeout", "7s", "--heartbeat-timeout", "8s"];
        const result = await runPgq(target(), ["run", `${WORKER}:printsRunOptions`, "--mode", "drain", ...flags]);
        expect(result.code, show(result)).toBe(0);
        const line = lines(result.stdout, /^run options: /)[0] ?? "";
        expect(JSON.parse(line.slice("run options: ".length))).toEqual({
          batchSize: 3,
          concurrentClaims: 2,
          claimLinger: 6,
          shutdownTimeout: 4_000,
          logAggregationInterval: 5_000,
          healthCheckInterval: 3_000,
          vacuumInterval: 2_000,
          dequeueTimeout: 7_000,
          heartbeatTimeout: 8_000,
          mode: "drain",
          shutdownOnListenerFailure: false,
        });
      },
      TIMEOUT,
    );

    it(
      "runs the disposer of a { pgq, [Symbol.asyncDispose] } result after the worker stops",
      async () => {
        const result = await runPgq(target(), ["run", `${WORKER}:withDisposer`, "--mode", "drain", "--log-level", "warn"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).not.toContain("[pgqueuer] INFO"); // --log-level reached the worker's logger
        const disposer = result.stdout.indexOf("disposer ran");
        expect(disposer).toBeGreaterThan(result.stdout.indexOf("Summary:"));
      },
      TIMEOUT,
    );

    it(
      "stops gracefully on SIGTERM mid-drain: exit 0, running jobs finish, none stays picked",
      async () => {
        const own = await createTarget(backend, { installed: true });
        try {
          const total = 30;
          await withDatabase(own, (db) => db.queries.enqueueMany(Array.from({ length: total }, () => ({ entrypoint: "work" }))));
          // Jobs run until shutdown begins, so the drain cannot finish before the signal.
          const worker = spawnPgq(own, ["run", WORKER, "--mode", "drain", "--batch-size", "5", "--max-concurrent-tasks", "10", "--", "until-shutdown"]);
          await worker.waitFor("stdout", /^started \d+$/m);
          worker.child.kill("SIGTERM");
          const result = await worker.exited;
          expect(result.code, show(result)).toBe(0);
          expect(result.stdout).toContain("Received SIGTERM, shutting down gracefully");
          const started = lines(result.stdout, /^started \d+$/).length;
          const finished = lines(result.stdout, /^finished \d+$/).length;
          expect(finished).toBe(started);
          expect(finished).toBeGreaterThan(0);
          expect(finished).toBeLessThanOrEqual(10);
          expect(await countByStatus(own, "work")).toEqual({ queued: total - finished });
        } finally {
          await own.cleanup();
        }
      },
      TIMEOUT,
    );

    it(
      "exits at once with 143 on a second SIGTERM",
      async () => {
        const own = await createTarget(backend, { installed: true });
        try {
          await withDatabase(own, (db) => db.queries.enqueue("work"));
          const worker = spawnPgq(own, ["run", WORKER, "--", "ignore-shutdown"]);
          await worker.waitFor("stdout", /^started \d+$/m);
          worker.child.kill("SIGTERM");
          await worker.waitFor("stdout", /Received SIGTERM/);
          worker.child.kill("SIGTERM");
          const result = await worker.exited;
          expect(result.code, show(result)).toBe(143);
          expect(result.stdout).not.toMatch(/^finished/m);
        } finally {
          await own.cleanup();
        }
      },
      TIMEOUT,
    );

    it(
      "with --restart-on-failure calls the factory again after it throws",
      async () => {
        const own = await createTarget(backend, { installed: true });
        try {
          await withDatabase(own, (db) => db.queries.enqueueMany([{ entrypoint: "work" }, { entrypoint: "work" }]));
          const result = await runPgq(own, ["run", FLAKY, "--mode", "drain", "--restart-on-failure", "--restart-delay", "50ms"]);
          expect(result.code, show(result)).toBe(0);
          expect(result.stderr).toMatch(/ERROR: worker failed; restarting in 50 ms err="Error: factory boom on call 1"/);
          expect(result.stdout).toContain("factory call 2");
          expect(lines(result.stdout, /^finished \d+$/)).toHaveLength(2);
          expect(await countByStatus(own, "work")).toEqual({});
        } finally {
          await own.cleanup();
        }
      },
      TIMEOUT,
    );

    it(
      "without --restart-on-failure a failing factory ends the run: one line, exit 1; the stack only with --log-level debug",
      async () => {
        let result = await runPgq(target(), ["run", FLAKY, "--mode", "drain"]);
        expect(result.code, show(result)).toBe(1);
        expect(result.stderr).toMatch(/^pgq: factory boom on call 1$/m);
        expect(result.stderr).not.toMatch(/^\s+at /m);

        result = await runPgq(target(), ["run", FLAKY, "--mode", "drain", "--log-level", "debug"]);
        expect(result.code, show(result)).toBe(1);
        expect(result.stderr).toMatch(/^pgq: factory boom on call 1$/m);
        expect(result.stderr).toMatch(/^\s+at .*flaky-factory/m);
      },
      TIMEOUT,
    );
  },
  { installed: true },
);
