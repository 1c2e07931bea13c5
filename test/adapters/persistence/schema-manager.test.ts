import { expect, it } from "vitest";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { DatabaseError, InvalidArgumentError, PgQueuerTypeError } from "../../../src/domain/errors.js";
import { resolveSettings } from "../../../src/domain/settings.js";
import { quoteIdent, sqlNames } from "../../../src/sql/identifiers.js";
import { INDEXES, STATUS_LABELS, TABLE_COLUMNS } from "../../../src/sql/schema.js";
import { describeEachBackend } from "../../support/backends.js";
import { scratchSettings } from "./schema-support.js";

describeEachBackend(
  "SchemaManager install / uninstall",
  (db) => {
    const fresh = scratchSettings(db);

    it("installs every object, uninstalls them all, and installs again", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();

      const installed = await manager.verify();
      expect(installed.missing).toEqual([]);
      expect(installed.unexpected).toEqual([]);
      expect(installed.ok).toBe(true);
      expect(installed.objects.every((object) => object.present)).toBe(true);
      // 1 schema + 1 enum + 7 labels + 4 tables + their columns + installed indexes + function + trigger
      const columnCount = Object.values(TABLE_COLUMNS).reduce((sum, columns) => sum + columns.length, 0);
      const indexCount = INDEXES.filter((index) => index.installed).length;
      expect(installed.objects).toHaveLength(1 + 1 + STATUS_LABELS.length + 4 + columnCount + indexCount + 2);
      expect(installed.persistence).toEqual({ pgqueuer: "logged", pgqueuer_log: "logged", pgqueuer_statistics: "logged", pgqueuer_schedules: "logged" });
      expect(installed.enqueueFunction).toBe(false);
      expect(await manager.verifyExpect("present")).toEqual({ ok: true, problems: [], message: "All required PgQueuer database objects are present." });

      await manager.uninstall();
      const removed = await manager.verify();
      expect(removed.ok).toBe(false);
      expect(removed.missing).toEqual([
        "enum 'pgqueuer_status'",
        "table 'pgqueuer'",
        "table 'pgqueuer_log'",
        "table 'pgqueuer_statistics'",
        "table 'pgqueuer_schedules'",
        "function 'fn_pgqueuer_changed'",
      ]);
      // The Postgres schema itself stays (it may hold the user's own objects).
      expect(removed.objects.find((object) => object.kind === "schema")?.present).toBe(true);
      expect(await manager.verifyExpect("absent")).toEqual({ ok: true, problems: [], message: "No PgQueuer database objects found" });

      await manager.uninstall(); // nothing installed: still fine
      await manager.install();
      expect((await manager.verify()).missing).toEqual([]);
    });

    it("refuses a second install with a DatabaseError saying so, leaving the first intact", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      const n = sqlNames(settings);
      await db().driver.execute({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) VALUES (1, 'queued', 'kept')` });

      const error = await manager.install().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe("42710");
      expect((error as DatabaseError).message).toMatch(/already installed.*already exists.*run upgrade/);
      expect((await manager.verify()).missing).toEqual([]);
      const rows = await db().driver.query({ text: `SELECT entrypoint FROM ${n.queueTable}` });
      expect(rows).toEqual([{ entrypoint: "kept" }]);
    });

    it("rolls the whole install back when one statement fails", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      // A table in the way of the schedules table, which install creates late.
      await db().driver.execute({ text: `CREATE SCHEMA ${n.schema}` });
      await db().driver.execute({ text: `CREATE TABLE ${n.schedulesTable} (id INT)` });
      const manager = new SchemaManager(db().driver, settings);

      await expect(manager.install()).rejects.toMatchObject({ code: "42P07" });
      const report = await manager.verify();
      expect(report.missing).toContain("enum 'pgqueuer_status'");
      expect(report.missing).toContain("table 'pgqueuer'");
      expect(report.missing).toContain("table 'pgqueuer_log'");
      expect(report.missing).toContain("function 'fn_pgqueuer_changed'");
    });

    it("with schema and prefix creates the objects only in that schema, under prefixed names", async () => {
      const settings = fresh({ prefix: "acme_" });
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();

      const rows = await db().driver.query<{ schema: string; name: string }>({
        text: `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND c.relname LIKE '%pgqueuer%' AND n.nspname = ANY(ARRAY[$1, $2]) ORDER BY 2`,
        values: [settings.schema, db().settings.schema ?? "public"],
      });
      expect(rows).toEqual(
        // The last two are this library's extension tables (docs/beyond-pgqueuer.md).
        ["acme_pgqueuer", "acme_pgqueuer_entrypoint_state", "acme_pgqueuer_log", "acme_pgqueuer_results", "acme_pgqueuer_schedules", "acme_pgqueuer_statistics"].map((name) => ({ schema: settings.schema, name })),
      );
      expect(await manager.hasFunction("acme_fn_pgqueuer_changed")).toBe(true);
      expect(await manager.hasTrigger("acme_tg_pgqueuer_changed")).toBe(true);
      expect(await manager.hasEnumLabel("failed", "acme_pgqueuer_status")).toBe(true);
      expect(await manager.tableHasIndex("acme_pgqueuer_log", "acme_pgqueuer_log_job_id_status")).toBe(true);
      expect(await manager.tableHasColumn("acme_pgqueuer", "dedupe_key")).toBe(true);
      expect(await manager.hasTable("pgqueuer")).toBe(false);

      // The same names without the schema setting point elsewhere: nothing there.
      const elsewhere = new SchemaManager(db().driver, resolveSettings({ prefix: "acme_", schema: db().settings.schema ?? "public" }, {}));
      expect((await elsewhere.verifyExpect("absent")).ok).toBe(true);
      expect(await elsewhere.hasTable("acme_pgqueuer")).toBe(false);
    });

    it("with createSchema: false fails on a missing schema, then succeeds once it exists (SQL-24)", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      const error = await manager.install({ createSchema: false }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe("3F000");
      expect((error as DatabaseError).message).toMatch(/schema .* does not exist/);

      await db().driver.execute({ text: `CREATE SCHEMA ${quoteIdent(settings.schema!)}` });
      await manager.install({ createSchema: false });
      expect((await manager.verify()).ok).toBe(true);
    });

    it("installs at the requested durability", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      await manager.install({ durability: "balanced" });
      const report = await manager.verify();
      expect(report.persistence).toEqual({ pgqueuer: "logged", pgqueuer_log: "unlogged", pgqueuer_statistics: "unlogged", pgqueuer_schedules: "logged" });
      // The settings still say durable: verify points out the difference without failing.
      expect(report.ok).toBe(true);
      expect(report.unexpected).toEqual([
        "table 'pgqueuer_log' is UNLOGGED but durability 'durable' expects LOGGED",
        "table 'pgqueuer_statistics' is UNLOGGED but durability 'durable' expects LOGGED",
      ]);
    });

    it("rejects bad options before running any SQL", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      await expect(manager.install({ durability: "forever" as never })).rejects.toMatchObject({ name: "InvalidArgumentError", setting: "durability" });
      await expect(manager.install({ createSchema: "yes" as never })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(manager.install({ enqueueFunction: 1 as never })).rejects.toMatchObject({ setting: "enqueueFunction" });
      await expect(manager.install(null as never)).rejects.toBeInstanceOf(PgQueuerTypeError);
      await expect(manager.setDurability("nonexistent" as never)).rejects.toThrow("'nonexistent' is not a valid durability");
      await expect(manager.verifyExpect("maybe" as never)).rejects.toMatchObject({ setting: "expect" });
      await expect(manager.autovac({ rollback: "yes" as never })).rejects.toMatchObject({ setting: "rollback" });
      // None of them created the schema.
      const rows = await db().driver.query({ text: "SELECT 1 FROM pg_namespace WHERE nspname = $1", values: [settings.schema] });
      expect(rows).toEqual([]);
    });

    it("verifyExpect lists each mismatch in pgq's words", async () => {
      const settings = fresh({ prefix: "v_" });
      const manager = new SchemaManager(db().driver, settings);
      const empty = await manager.verifyExpect("present");
      expect(empty.ok).toBe(false);
      expect(empty.problems).toEqual([
        "missing table 'v_pgqueuer'",
        "missing table 'v_pgqueuer_log'",
        "missing table 'v_pgqueuer_statistics'",
        "missing table 'v_pgqueuer_schedules'",
        "missing function 'v_fn_pgqueuer_changed'",
        "missing trigger 'v_tg_pgqueuer_changed'",
      ]);
      await manager.install();
      const present = await manager.verifyExpect("absent");
      expect(present.ok).toBe(false);
      expect(present.problems).toHaveLength(6);
      expect(present.problems[0]).toBe("unexpected table 'v_pgqueuer'");
      expect(present.problems[5]).toBe("unexpected trigger 'v_tg_pgqueuer_changed'");
    });
  },
  { install: false },
);
