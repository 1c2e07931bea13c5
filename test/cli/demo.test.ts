/**
 * `pgq demo`, the README's first command: on a database that does not exist yet (PGlite: no
 * data directory at all) it creates it, installs the schema, processes a few hundred jobs and
 * prints the summary from the log table; run again on the same database it reuses the schema.
 */
import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import { describeEachCliBackend, runPgq, show } from "./support.js";

const TIMEOUT = 300_000;

describeEachCliBackend("pgq demo", (target) => {
  it(
    "installs the schema, drains the demo workload and prints the summary; a second run reuses the database",
    async () => {
      if (target().dataDir !== undefined) expect(existsSync(target().dataDir!)).toBe(false);
      let result = await runPgq(target(), ["demo"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Installed the PgQueuer schema.");
      expect(result.stderr).toMatch(/Enqueued 304 jobs on 5 entrypoints/);

      const summary = /^Summary: (\d+) job\(s\) finished in ([\d.]+) s \(from the log table\)$/m.exec(result.stdout);
      expect(summary, result.stdout).not.toBeNull();
      expect(Number(summary![1])).toBe(304);
      expect(Number(summary![2])).toBeLessThan(20);
      expect(result.stdout).toMatch(/^Entrypoint\s+successful\s+exception\s+failed\s+canceled\s+total$/m);
      // Columns: successful, exception, failed, canceled, total.
      expect(result.stdout).toMatch(/^user_notification\s+200\s+0\s+0\s+0\s+200$/m);
      expect(result.stdout).toMatch(/^generate_report\s+57\s+3\s+0\s+0\s+60$/m);
      expect(result.stdout).toMatch(/^resize_image\s+40\s+0\s+0\s+0\s+40$/m);
      expect(result.stdout).toMatch(/^sync_inventory\s+0\s+0\s+3\s+0\s+3$/m);
      expect(result.stdout).toMatch(/^send_digest\s+1\s+0\s+0\s+0\s+1$/m);
      expect(result.stdout).toContain("Outbox: 101 e-mails and 100 SMS sent by NotificationExecutor");
      expect(result.stdout).toMatch(/cleanup_sessions \(cron "\* \* \* \* \* \*\/2", every 2 s\) ran [1-9]\d* time\(s\)\./);

      result = await runPgq(target(), ["--json", "failed"]);
      expect(result.code, show(result)).toBe(0);
      const held = JSON.parse(result.stdout) as { entrypoint: string }[];
      expect(held.map((job) => job.entrypoint)).toEqual(["sync_inventory", "sync_inventory", "sync_inventory"]);

      result = await runPgq(target(), ["--json", "demo", "--notifications", "10"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).not.toContain("Installed the PgQueuer schema.");
      const second = JSON.parse(result.stdout) as { summary: { entrypoint: string; successful?: number }[]; finished: number };
      expect(second.finished).toBe(114);
      expect(second.summary.find((row) => row.entrypoint === "user_notification")?.successful).toBe(10);
    },
    TIMEOUT,
  );
}, { fresh: true });
