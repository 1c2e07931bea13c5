/** `pgq pause`, `pgq resume`, `pgq paused` and `pgq prune` as child processes. */
import { expect, it } from "vitest";
import { describeEachCliBackend, runPgq, show, withDatabase } from "./support.js";

describeEachCliBackend(
  "pgq pause / resume / paused / prune",
  (target) => {
    it("pauses durably, lists, resumes, and a paused entrypoint is skipped by claims", async () => {
      // A PgQueuer-only schema lacks the extension table until `pgq upgrade` adds it.
      const upgraded = await runPgq(target(), ["upgrade"]);
      expect(upgraded.code, show(upgraded)).toBe(0);
      const paused = await runPgq(target(), ["pause", "mailer"]);
      expect(paused.code, show(paused)).toBe(0);
      expect(paused.stdout).toContain("Paused: mailer.");

      const listed = await runPgq(target(), ["--json", "paused"]);
      expect(listed.code, show(listed)).toBe(0);
      expect((JSON.parse(listed.stdout) as { entrypoint: string }[]).map((entry) => entry.entrypoint)).toEqual(["mailer"]);

      await withDatabase(target(), async (db) => {
        await db.queries.enqueue("mailer", "x");
        const claimed = await db.queries.dequeue({
          batchSize: 5,
          entrypoints: [{ name: "mailer", concurrencyLimit: 0 }],
          queueManagerId: "00000000-0000-4000-8000-000000000001",
          workerLimit: null,
          heartbeatTimeout: 30_000,
        });
        expect(claimed).toEqual([]);
      });

      const resumed = await runPgq(target(), ["resume", "mailer"]);
      expect(resumed.code, show(resumed)).toBe(0);
      expect(resumed.stdout).toContain("Resumed: mailer.");
      const again = await runPgq(target(), ["resume", "mailer"]);
      expect(again.stdout).toContain("None of them was paused.");
      const none = await runPgq(target(), ["paused"]);
      expect(none.stdout).toContain("No paused entrypoints.");
    });

    it("prune deletes old rows and reports counts; a bad duration is a usage error", async () => {
      const pruned = await runPgq(target(), ["--json", "prune", "--older-than", "7d"]);
      expect(pruned.code, show(pruned)).toBe(0);
      expect(JSON.parse(pruned.stdout)).toMatchObject({ log: expect.any(Number), statistics: expect.any(Number), results: expect.any(Number) });
      const bad = await runPgq(target(), ["prune", "--older-than", "soon"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    });
  },
  { installed: true },
);
