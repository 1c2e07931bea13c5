/**
 * `pgq install | uninstall | upgrade | verify | durability | autovac` as a user runs them: a
 * child process per command, against PostgreSQL (own schema) and PGlite (own data directory).
 */
import { expect, it } from "vitest";
import { createTarget, describeEachCliBackend, runPgq, show, withDatabase } from "./support.js";

const LIFECYCLE_TIMEOUT = 240_000;

describeEachCliBackend("pgq schema commands", (target, backend) => {
  it(
    "runs the full cycle: verify absent, install, verify present, upgrade, durability, autovac, uninstall",
    async () => {
      let result = await runPgq(target(), ["verify", "--expect", "absent"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stdout).toBe("No PgQueuer database objects found\n");
      if (backend === "pglite") {
        // The embedded database is announced on stderr, exactly once per invocation.
        expect(result.stderr.match(/using embedded PGlite database at /g)).toHaveLength(1);
        expect(result.stderr).toContain(target().dataDir!);
      } else {
        expect(result.stderr).not.toContain("PGlite");
      }

      result = await runPgq(target(), ["verify", "--expect", "present"]);
      expect(result.code, show(result)).toBe(1);
      expect(result.stdout.split("\n")).toEqual(
        expect.arrayContaining(["missing table 'pgqueuer'", "missing table 'pgqueuer_log'", "missing function 'fn_pgqueuer_changed'", "missing trigger 'tg_pgqueuer_changed'"]),
      );

      result = await runPgq(target(), ["install"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("Installed PgQueuer schema (durability=durable).");

      // Installing twice is an error, reported in one line, without a stack.
      result = await runPgq(target(), ["install"]);
      expect(result.code, show(result)).toBe(1);
      const errorLines = result.stderr.split("\n").filter((line) => line.startsWith("pgq:") || /^\s+at /.test(line));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(/^pgq: PgQueuer is already installed/);

      result = await runPgq(target(), ["verify", "--expect", "present"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stdout).toBe("All required PgQueuer database objects are present.\n");

      result = await runPgq(target(), ["--json", "verify", "--expect", "absent"]);
      expect(result.code, show(result)).toBe(1);
      const verdict = JSON.parse(result.stdout) as { ok: boolean; problems: string[] };
      expect(verdict.ok).toBe(false);
      expect(verdict.problems).toContain("unexpected table 'pgqueuer'");

      result = await runPgq(target(), ["upgrade"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Upgraded PgQueuer schema.");

      result = await runPgq(target(), ["durability", "volatile"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Set PgQueuer durability to volatile.");
      const persistence = await withDatabase(target(), async (db) => (await db.schema.verify()).persistence);
      expect(Object.values(persistence)).toEqual(["unlogged", "unlogged", "unlogged", "unlogged"]);

      result = await runPgq(target(), ["autovac"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Applied recommended autovacuum settings.");
      result = await runPgq(target(), ["autovac", "--rollback"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Reset autovacuum settings to defaults.");

      result = await runPgq(target(), ["uninstall"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Uninstalled PgQueuer schema.");
      result = await runPgq(target(), ["verify", "--expect", "absent"]);
      expect(result.code, show(result)).toBe(0);

      // Uninstalling what is not there still succeeds.
      result = await runPgq(target(), ["uninstall"]);
      expect(result.code, show(result)).toBe(0);
    },
    LIFECYCLE_TIMEOUT,
  );

  it("installs at the durability asked for", async () => {
    const fresh = await createTarget(backend);
    try {
      const result = await runPgq(fresh, ["install", "--durability", "balanced"]);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toContain("Installed PgQueuer schema (durability=balanced).");
      const persistence = await withDatabase(fresh, async (db) => (await db.schema.verify()).persistence);
      expect(persistence).toEqual({ pgqueuer: "logged", pgqueuer_log: "unlogged", pgqueuer_statistics: "unlogged", pgqueuer_schedules: "logged" });
    } finally {
      await fresh.cleanup();
    }
  }, LIFECYCLE_TIMEOUT);

  it("refuses an unknown durability before connecting", async () => {
    const result = await runPgq(target(), ["durability", "fast"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^pgq: .*'fast'.*volatile, balanced, durable/);
    expect(result.stderr).not.toContain("PGlite"); // rejected before any database was opened
  }, LIFECYCLE_TIMEOUT);

  it.skipIf(backend !== "postgres")("install --no-create-schema fails in one line when the schema does not exist", async () => {
    // PostgreSQL only: the PGlite target uses the default schema, which always exists.
    const fresh = await createTarget("postgres");
    try {
      const result = await runPgq(fresh, ["install", "--no-create-schema"]);
      expect(result.code, show(result)).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/^pgq: .*schema/i);
    } finally {
      await fresh.cleanup();
    }
  }, LIFECYCLE_TIMEOUT);
});
