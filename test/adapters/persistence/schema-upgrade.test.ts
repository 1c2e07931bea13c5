import { expect, it } from "vitest";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { SchemaError } from "../../../src/domain/errors.js";
import type { Settings } from "../../../src/domain/settings.js";
import type { Driver } from "../../../src/ports/driver.js";
import { quoteLiteral, sqlNames } from "../../../src/sql/identifiers.js";
import { buildTriggerFunction, buildTriggerStatement, STATUS_LABELS } from "../../../src/sql/schema.js";
import { describeEachBackend } from "../../support/backends.js";
import { NotificationRecorder, scratchSettings } from "./schema-support.js";

/**
 * A pre-1.0 layout under the configured names: two-label enum, SERIAL ids, a statistics table
 * on its own enum, no log or schedules table, none of the later queue columns, no trigger.
 */
async function createAncientLayout(driver: Driver, settings: Settings): Promise<void> {
  const n = sqlNames(settings);
  for (const text of [
    `CREATE SCHEMA ${n.schema}`,
    `CREATE TYPE ${n.statusType} AS ENUM ('queued', 'picked')`,
    `CREATE TYPE ${n.legacyStatisticsStatusType} AS ENUM ('exception', 'successful', 'canceled')`,
    `CREATE TABLE ${n.queueTable} (id SERIAL PRIMARY KEY, priority INT NOT NULL, created TIMESTAMPTZ DEFAULT NOW() NOT NULL, status ${n.statusType} NOT NULL, entrypoint TEXT NOT NULL, payload BYTEA)`,
    `CREATE INDEX ${n.index("queueTable", "_priority_id_id1_idx")} ON ${n.queueTable} (priority ASC, id DESC) INCLUDE (id) WHERE status = 'queued'`,
    `CREATE TABLE ${n.statisticsTable} (id SERIAL PRIMARY KEY, created TIMESTAMPTZ NOT NULL DEFAULT DATE_TRUNC('sec', NOW() at time zone 'UTC'), count BIGINT NOT NULL, priority INT NOT NULL, status ${n.legacyStatisticsStatusType} NOT NULL, entrypoint TEXT NOT NULL)`,
    `CREATE UNIQUE INDEX ${n.index("statisticsTable", "_unique_count")} ON ${n.statisticsTable} (priority, DATE_TRUNC('sec', created at time zone 'UTC'), status, entrypoint)`,
    `INSERT INTO ${n.queueTable} (priority, status, entrypoint, payload) VALUES (7, 'queued', 'old', '\\x01')`,
    `INSERT INTO ${n.statisticsTable} (count, priority, status, entrypoint) VALUES (3, 0, 'successful', 'old')`,
  ]) {
    await driver.execute({ text });
  }
}

/** `relfilenode` changes exactly when PostgreSQL rewrites a relation. */
async function relfilenodes(driver: Driver, relations: readonly string[]): Promise<number[]> {
  const rows = await driver.query<{ node: number }>({
    text: `SELECT relfilenode::int AS node FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY r(name, position) JOIN pg_class c ON c.oid = r.name::regclass ORDER BY position`,
    values: [JSON.stringify(relations)],
  });
  return rows.map((row) => row.node);
}

async function idType(driver: Driver, table: string): Promise<{ column: string; sequence: string }> {
  const [row] = await driver.query<{ column: string; sequence: string }>({
    text: `SELECT format_type(a.atttypid, NULL) AS column, format_type(s.seqtypid, NULL) AS sequence
           FROM pg_attribute a JOIN pg_sequence s ON s.seqrelid = pg_get_serial_sequence($1, 'id')::regclass
           WHERE a.attrelid = $1::regclass AND a.attname = 'id'`,
    values: [table],
  });
  return row!;
}

describeEachBackend(
  "SchemaManager upgrade",
  (db) => {
    const fresh = scratchSettings(db);

    it("is a no-op on a current schema, twice (apart from the heartbeat index fresh installs lack)", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      const before = await manager.verify();
      const heartbeatIndex = "pgqueuer_heartbeat_id_id1_idx";
      expect(await manager.tableHasIndex("pgqueuer", heartbeatIndex)).toBe(false);
      const watched = [n.queueTable, n.statisticsTable, n.queueTableLog, `${n.schema}.${n.index("queueTableLog", "_not_aggregated")}`];
      const nodes = await relfilenodes(db().driver, watched);

      await manager.upgrade();
      await manager.upgrade();
      expect(await manager.verify()).toEqual(before);
      expect(await manager.tableHasIndex("pgqueuer", heartbeatIndex)).toBe(true);
      // Nothing was rewritten: the guarded steps skipped tables and indexes already current.
      expect(await relfilenodes(db().driver, watched)).toEqual(nodes);
      const [row] = await db().driver.query<{ id: number }>({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) VALUES (0, 'failed', 'e') RETURNING id` });
      expect(row!.id).toBe(1);
    });

    it("re-creates dropped indexes, columns and the trigger", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      for (const text of [
        `DROP INDEX ${n.schema}.${n.index("queueTable", "_ep_prio_id_idx")}`,
        `DROP INDEX ${n.schema}.${n.index("queueTable", "_ep_ea_idx")}`,
        `DROP INDEX ${n.schema}.${n.index("queueTableLog", "_job_id_status")}`,
        `ALTER TABLE ${n.queueTable} DROP COLUMN attempts, DROP COLUMN headers`,
        `ALTER TABLE ${n.queueTableLog} DROP COLUMN traceback`,
        `DROP TRIGGER ${n.trigger} ON ${n.queueTable}`,
      ]) {
        await db().driver.execute({ text });
      }
      expect((await manager.verify()).missing).toEqual([
        "column 'pgqueuer.headers'",
        "column 'pgqueuer.attempts'",
        "column 'pgqueuer_log.traceback'",
        "index 'pgqueuer_ep_prio_id_idx'",
        "index 'pgqueuer_ep_ea_idx'",
        "index 'pgqueuer_log_job_id_status'",
        "trigger 'tg_pgqueuer_changed'",
      ]);
      await manager.upgrade();
      const report = await manager.verify();
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
    });

    it("brings a pre-1.0 layout under configured names up to date, keeping its rows", async () => {
      const settings = fresh({ prefix: "legacy_" });
      const n = sqlNames(settings);
      await createAncientLayout(db().driver, settings);
      const manager = new SchemaManager(db().driver, settings);
      await expect(manager.verifyStructure()).rejects.toThrow("The legacy_pgqueuer_log table is missing please run 'pgq upgrade'");

      await manager.upgrade();
      const report = await manager.verify();
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      await manager.verifyStructure();
      await manager.verifySchedulerStructure();
      const [labels] = await db().driver.query<{ labels: string }>({ text: `SELECT array_to_string(enum_range(NULL::${n.statusType}), ',') AS labels` });
      expect(labels!.labels.split(",")).toEqual([...STATUS_LABELS]);

      const [job] = await db().driver.query({ text: `SELECT id, priority, status::text, entrypoint, attempts, headers, heartbeat IS NOT NULL AS beat FROM ${n.queueTable}` });
      expect(job).toEqual({ id: 1, priority: 7, status: "queued", entrypoint: "old", attempts: 0, headers: null, beat: true });
      const [statistic] = await db().driver.query({ text: `SELECT count, status::text, pg_typeof(status)::text AS type FROM ${n.statisticsTable}` });
      expect(statistic).toEqual({ count: 3, status: "successful", type: `${settings.schema}.legacy_pgqueuer_status` });
      expect(await idType(db().driver, n.queueTable)).toEqual({ column: "bigint", sequence: "bigint" });
      expect(await idType(db().driver, n.statisticsTable)).toEqual({ column: "bigint", sequence: "bigint" });

      // The trigger upgrade created notifies like an installed one.
      const recorder = await NotificationRecorder.start(db().driver, n.channel);
      try {
        await db().driver.execute({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) VALUES (0, 'failed', 'new')` });
        expect(JSON.parse(await recorder.next())).toMatchObject({ operation: "insert", table: "legacy_pgqueuer", channel: n.channel });
      } finally {
        await recorder.close();
      }

      await manager.upgrade();
      expect(await manager.verify()).toEqual(report);
    });

    it("replaces a legacy four-column not_aggregated index and stays idempotent", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      const index = n.index("queueTableLog", "_not_aggregated");
      await db().driver.execute({ text: `DROP INDEX ${n.schema}.${index}` });
      await db().driver.execute({ text: `CREATE INDEX ${index} ON ${n.queueTableLog} (job_id, status, entrypoint, priority) WHERE NOT aggregated` });
      expect((await manager.verify()).unexpected).toEqual(["index 'pgqueuer_log_not_aggregated' has the legacy 4-column form: run upgrade to replace it"]);

      await manager.upgrade();
      const definition = async (): Promise<string> =>
        (await db().driver.query<{ definition: string }>({ text: `SELECT pg_get_indexdef($1::regclass) AS definition`, values: [`${n.schema}.${index}`] }))[0]!.definition;
      expect(await definition()).toMatch(/USING btree \(\(1\)\) WHERE \(NOT aggregated\)$/);
      expect((await manager.verify()).unexpected).toEqual([]);
      const node = await relfilenodes(db().driver, [`${n.schema}.${index}`]);
      await manager.upgrade();
      expect(await relfilenodes(db().driver, [`${n.schema}.${index}`])).toEqual(node);

      // Un-aggregated rows are still found through it.
      await db().driver.execute({ text: `INSERT INTO ${n.queueTableLog} (job_id, status, priority, entrypoint) VALUES (1, 'successful', 0, 'e')` });
      const [pending] = await db().driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${n.queueTableLog} WHERE NOT aggregated` });
      expect(pending!.count).toBe(1);
    });

    it("widens 32-bit ids so they continue past 2^31 - 1 (SQL-21)", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      await createAncientLayout(db().driver, settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.upgrade();
      for (const table of [n.queueTable, n.statisticsTable]) expect(await idType(db().driver, table)).toEqual({ column: "bigint", sequence: "bigint" });

      await db().driver.query({ text: `SELECT setval(pg_get_serial_sequence(${quoteLiteral(n.queueTable)}, 'id'), 2147483646)` });
      const ids = await db().driver.query<{ id: number }>({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) VALUES (0, 'queued', 'a'), (0, 'queued', 'b') RETURNING id` });
      expect(ids.map((row) => row.id)).toEqual([2 ** 31 - 1, 2 ** 31]);

      await manager.upgrade();
      expect(await idType(db().driver, n.queueTable)).toEqual({ column: "bigint", sequence: "bigint" });
    });

    it("keeps 32-bit ids with widenId: false, and verify says so", async () => {
      const settings = fresh({ widenId: false });
      const n = sqlNames(settings);
      await createAncientLayout(db().driver, settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.upgrade();
      expect(await idType(db().driver, n.queueTable)).toEqual({ column: "integer", sequence: "integer" });
      const report = await manager.verify();
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual(["column 'pgqueuer.id' is integer, not bigint: run upgrade to widen it", "column 'pgqueuer_statistics.id' is integer, not bigint: run upgrade to widen it"]);
    });

    it("refuses to upgrade a database where nothing is installed", async () => {
      const settings = fresh();
      const manager = new SchemaManager(db().driver, settings);
      const error = await manager.upgrade().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toBe("The required table 'pgqueuer' is missing. Please run 'pgq install' to set up the necessary tables.");
    });

    it("creates the trigger function with the configured channel", async () => {
      const settings = fresh({ prefix: "chan_" });
      const n = sqlNames(settings);
      await createAncientLayout(db().driver, settings);
      // An old function body under the configured name, notifying a stale channel.
      const stale = buildTriggerFunction({ ...settings, names: { ...settings.names, channel: "stale_channel" } }, "CREATE");
      await db().driver.execute({ text: stale });
      await db().driver.execute({ text: buildTriggerStatement(settings) });
      await new SchemaManager(db().driver, settings).upgrade();
      const [row] = await db().driver.query<{ body: string }>({ text: `SELECT prosrc AS body FROM pg_proc WHERE oid = $1::regprocedure`, values: [`${n.function}()`] });
      expect(row!.body).toContain(quoteLiteral(n.channel));
      expect(row!.body).not.toContain("stale_channel");
    });
  },
  { install: false },
);
