import { expect, it } from "vitest";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { SchemaError } from "../../../src/domain/errors.js";
import type { Settings } from "../../../src/domain/settings.js";
import { quoteLiteral, sqlNames } from "../../../src/sql/identifiers.js";
import { buildInstallStatements, STATUS_LABELS } from "../../../src/sql/schema.js";
import { describeEachBackend } from "../../support/backends.js";
import { scratchSettings } from "./schema-support.js";

const upgradeHint = "Please run 'pgq upgrade' to ensure all schema changes are applied.";

describeEachBackend(
  "SchemaManager.verifyStructure (PgQueuer's messages, ERR-12..ERR-16)",
  (db) => {
    const fresh = scratchSettings(db);

    /** Install, then break one thing with `damage`, and return what verifyStructure throws. */
    async function structureErrorAfter(damage: (settings: Settings) => string[], options: { prefix?: string } = {}): Promise<unknown> {
      const settings = fresh(options);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      await manager.verifyStructure();
      for (const text of damage(settings)) await db().driver.execute({ text });
      return manager.verifyStructure().then(
        () => undefined,
        (error: unknown) => error,
      );
    }

    it("passes on a complete install (any prefix)", async () => {
      const settings = fresh({ prefix: "ok_" });
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      await expect(manager.verifyStructure()).resolves.toBeUndefined();
      await expect(manager.verifySchedulerStructure()).resolves.toBeUndefined();
    });

    it("missing queue or statistics table: run 'pgq install'", async () => {
      const queue = await structureErrorAfter((s) => [`DROP TABLE ${sqlNames(s).queueTable}`], { prefix: "p_" });
      expect(queue).toBeInstanceOf(SchemaError);
      expect((queue as Error).message).toBe("The required table 'p_pgqueuer' is missing. Please run 'pgq install' to set up the necessary tables.");
      const statistics = await structureErrorAfter((s) => [`DROP TABLE ${sqlNames(s).statisticsTable}`]);
      expect((statistics as Error).message).toBe("The required table 'pgqueuer_statistics' is missing. Please run 'pgq install' to set up the necessary tables.");
    });

    it("missing log table: run 'pgq upgrade'", async () => {
      const error = await structureErrorAfter((s) => [`DROP TABLE ${sqlNames(s).queueTableLog}`]);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toBe("The pgqueuer_log table is missing please run 'pgq upgrade'");
    });

    for (const [table, column] of [
      ["pgqueuer", "updated"],
      ["pgqueuer", "heartbeat"],
      ["pgqueuer", "queue_manager_id"],
      ["pgqueuer", "execute_after"],
      ["pgqueuer", "headers"],
      ["pgqueuer", "attempts"],
      ["pgqueuer_log", "traceback"],
    ] as const) {
      it(`missing column ${table}.${column}: run 'pgq upgrade'`, async () => {
        const error = await structureErrorAfter((s) => [`ALTER TABLE ${table === "pgqueuer" ? sqlNames(s).queueTable : sqlNames(s).queueTableLog} DROP COLUMN ${column}`]);
        expect(error).toBeInstanceOf(SchemaError);
        expect((error as Error).message).toBe(`The required column '${column}' is missing in the '${table}' table. ${upgradeHint}`);
      });
    }

    for (const label of ["canceled", "failed"]) {
      it(`enum without '${label}': run 'pgq upgrade'`, async () => {
        const settings = fresh();
        const n = sqlNames(settings);
        // Labels cannot be dropped from an enum: install with an older enum instead.
        const [createSchema, , ...rest] = buildInstallStatements(settings);
        const olderEnum = `CREATE TYPE ${n.statusType} AS ENUM (${STATUS_LABELS.filter((candidate) => candidate !== label).map(quoteLiteral).join(", ")})`;
        for (const text of [createSchema!, olderEnum, ...rest]) await db().driver.execute({ text });
        const error = await new SchemaManager(db().driver, settings).verifyStructure().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(SchemaError);
        expect((error as Error).message).toBe(`The pgqueuer_status is missing the '${label}' type, please run 'pgq upgrade'`);
      });
    }

    it("missing log job_id_status index: run 'pgq upgrade'", async () => {
      const error = await structureErrorAfter((s) => [`DROP INDEX ${sqlNames(s).schema}.${sqlNames(s).index("queueTableLog", "_job_id_status")}`], { prefix: "ix_" });
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toBe(`The required index 'ix_pgqueuer_log_job_id_status' is missing in the 'ix_pgqueuer_log' table. ${upgradeHint}`);
    });

    it("reports the first problem in PgQueuer's order (tables before columns before the index)", async () => {
      const error = await structureErrorAfter((s) => [
        `DROP INDEX ${sqlNames(s).schema}.${sqlNames(s).index("queueTableLog", "_job_id_status")}`,
        `ALTER TABLE ${sqlNames(s).queueTable} DROP COLUMN attempts`,
        `DROP TABLE ${sqlNames(s).statisticsTable}`,
      ]);
      expect((error as Error).message).toMatch(/^The required table 'pgqueuer_statistics' is missing/);
    });

    it("scheduler check: missing schedules table", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      await db().driver.execute({ text: `DROP TABLE ${sqlNames(settings).schedulesTable}` });
      await expect(manager.verifyStructure()).resolves.toBeUndefined();
      await expect(manager.verifySchedulerStructure()).rejects.toThrow("The pgqueuer_schedules table is missing please run 'pgq upgrade'");
    });
  },
  { install: false },
);
