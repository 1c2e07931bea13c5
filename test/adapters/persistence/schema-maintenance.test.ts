import { expect, it } from "vitest";
import { Queries } from "../../../src/adapters/persistence/queries.js";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { DatabaseError } from "../../../src/domain/errors.js";
import { resolveSettings } from "../../../src/domain/settings.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { enqueueFunctionName } from "../../../src/sql/schema.js";
import { describeEachBackend } from "../../support/backends.js";
import { countRows, NotificationRecorder, reloptions, scratchSettings } from "./schema-support.js";

/** SQL-10: json_build_object's formatting, keys in this order, sent_at in the session TimeZone. */
function tableChangedPattern(channel: string, operation: string, table: string): RegExp {
  return new RegExp(
    `^\\{"channel" : "${channel}", "operation" : "${operation}", "sent_at" : "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?[+-]\\d\\d(:\\d\\d)?", "table" : "${table}", "type" : "table_changed_event"\\}$`,
  );
}

describeEachBackend(
  "SchemaManager durability, autovacuum, trigger, enqueue function",
  (db) => {
    const fresh = scratchSettings(db);

    it("switches durability without losing rows, and verify reports the persistence", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      await db().driver.execute({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) SELECT i, 'queued', 'e' FROM generate_series(1, 3) i` });
      await db().driver.execute({ text: `INSERT INTO ${n.queueTableLog} (job_id, status, priority, entrypoint) SELECT i, 'queued', 0, 'e' FROM generate_series(1, 4) i` });
      await db().driver.execute({ text: `INSERT INTO ${n.statisticsTable} (count, priority, status, entrypoint, created) SELECT 1, 0, 'successful', 'e', NOW() - i * INTERVAL '1 second' FROM generate_series(1, 2) i` });
      await db().driver.execute({ text: `INSERT INTO ${n.schedulesTable} (expression, entrypoint) VALUES ('* * * * *', 'e')` });
      const counts = async (): Promise<number[]> => Promise.all([n.queueTable, n.queueTableLog, n.statisticsTable, n.schedulesTable].map((table) => countRows(db().driver, table)));
      expect(await counts()).toEqual([3, 4, 2, 1]);

      await manager.setDurability("volatile");
      let report = await manager.verify();
      expect(report.persistence).toEqual({ pgqueuer: "unlogged", pgqueuer_log: "unlogged", pgqueuer_statistics: "unlogged", pgqueuer_schedules: "unlogged" });
      expect(report.unexpected).toHaveLength(4); // the settings still say durable
      expect(await counts()).toEqual([3, 4, 2, 1]);

      await manager.setDurability("balanced");
      const balanced = new SchemaManager(db().driver, resolveSettings({ schema: settings.schema!, channel: n.channel, durability: "balanced" }, {}));
      report = await balanced.verify();
      expect(report.persistence).toEqual({ pgqueuer: "logged", pgqueuer_log: "unlogged", pgqueuer_statistics: "unlogged", pgqueuer_schedules: "logged" });
      expect(report.unexpected).toEqual([]);
      expect(await counts()).toEqual([3, 4, 2, 1]);

      await manager.setDurability("durable");
      report = await manager.verify();
      expect(Object.values(report.persistence)).toEqual(["logged", "logged", "logged", "logged"]);
      expect(report.unexpected).toEqual([]);
      expect(await counts()).toEqual([3, 4, 2, 1]);
      // Still a working queue: the serial sequence followed the table.
      const [row] = await db().driver.query<{ id: number }>({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) VALUES (0, 'queued', 'e') RETURNING id` });
      expect(row!.id).toBe(4);
    });

    it("applies the autovacuum tuning and rolls it back to the defaults", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      await manager.autovac();
      const hot = [
        "autovacuum_analyze_scale_factor=0.02",
        "autovacuum_analyze_threshold=500",
        "autovacuum_vacuum_cost_delay=0",
        "autovacuum_vacuum_cost_limit=10000",
        "autovacuum_vacuum_scale_factor=0.01",
        "autovacuum_vacuum_threshold=1000",
        "fillfactor=70",
      ];
      const append = ["autovacuum_analyze_scale_factor=0.05", "autovacuum_analyze_threshold=10000", "autovacuum_vacuum_scale_factor=0.95", "autovacuum_vacuum_threshold=1000000"];
      expect(await reloptions(db().driver, n.queueTable)).toEqual(hot);
      expect(await reloptions(db().driver, n.schedulesTable)).toEqual(hot);
      expect(await reloptions(db().driver, n.queueTableLog)).toEqual(append);
      expect(await reloptions(db().driver, n.statisticsTable)).toEqual(append);

      // A key set by someone else survives the rollback: RESET touches only our keys.
      await db().driver.execute({ text: `ALTER TABLE ${n.queueTable} SET (toast_tuple_target = 4096)` });
      await manager.autovac({ rollback: true });
      expect(await reloptions(db().driver, n.queueTable)).toEqual(["toast_tuple_target=4096"]);
      for (const table of [n.schedulesTable, n.queueTableLog, n.statisticsTable]) expect(await reloptions(db().driver, table)).toEqual([]);
    });

    it("vacuumQueueTables vacuums and analyzes the queue and log tables", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      await new SchemaManager(db().driver, settings).install();
      const queries = new Queries(db().driver, settings);
      await queries.enqueueMany(Array.from({ length: 37 }, () => ({ entrypoint: "v" })));
      // pg_class.reltuples: -1 until the first VACUUM or ANALYZE, then the row count they saw.
      const rowEstimate = async (table: string): Promise<number> =>
        (await db().driver.query<{ estimate: number }>({ text: "SELECT reltuples::float8 AS estimate FROM pg_catalog.pg_class WHERE oid = $1::regclass", values: [table] }))[0]!.estimate;
      expect(await rowEstimate(n.queueTable)).toBe(-1);
      await queries.vacuumQueueTables();
      expect([await rowEstimate(n.queueTable), await rowEstimate(n.queueTableLog)]).toEqual([37, 37]);
      await db().driver.execute({ text: `DELETE FROM ${n.queueTable} WHERE id IN (SELECT id FROM ${n.queueTable} ORDER BY id LIMIT 10)` });
      expect(await rowEstimate(n.queueTable)).toBe(37);
      await queries.vacuumQueueTables();
      expect(await rowEstimate(n.queueTable)).toBe(27);
    });

    it("has a statement-level trigger: one exact payload per statement, none for UPDATE", async () => {
      const settings = fresh();
      const n = sqlNames(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install();
      const [trigger] = await db().driver.query<{ tgtype: number }>({ text: `SELECT tgtype::int AS tgtype FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, values: [n.queueTable] });
      expect(trigger!.tgtype).toBe(60);

      const recorder = await NotificationRecorder.start(db().driver, n.channel);
      try {
        await db().driver.execute({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint) SELECT i, 'queued', 'e' FROM generate_series(1, 3) i` });
        expect(await recorder.next()).toMatch(tableChangedPattern(n.channel, "insert", "pgqueuer"));

        await db().driver.execute({ text: `UPDATE ${n.queueTable} SET status = 'picked'` });
        // A DELETE touching no row still fires once. Had the UPDATE notified, its event would
        // have arrived first: notifications are delivered in commit order.
        await db().driver.execute({ text: `DELETE FROM ${n.queueTable} WHERE false` });
        expect(await recorder.next()).toMatch(tableChangedPattern(n.channel, "delete", "pgqueuer"));
        await db().driver.execute({ text: `TRUNCATE ${n.queueTable}` });
        expect(await recorder.next()).toMatch(tableChangedPattern(n.channel, "truncate", "pgqueuer"));
        expect(recorder.received).toHaveLength(3);
      } finally {
        await recorder.close();
      }
    });

    it("the SQL enqueue function inserts the job and its queued log row, and notifies", async () => {
      const settings = fresh({ prefix: "api_" });
      const n = sqlNames(settings);
      const fn = enqueueFunctionName(settings);
      const manager = new SchemaManager(db().driver, settings);
      await manager.install({ enqueueFunction: true });
      expect((await manager.verify()).enqueueFunction).toBe(true);

      const recorder = await NotificationRecorder.start(db().driver, n.channel);
      try {
        const [first] = await db().driver.query<{ id: number }>({ text: `SELECT ${fn}('fetch') AS id` });
        expect(await recorder.next()).toMatch(tableChangedPattern(n.channel, "insert", "api_pgqueuer"));
        const [job] = await db().driver.query({
          text: `SELECT priority, status::text, payload, dedupe_key, headers, attempts, execute_after <= NOW() AS due FROM ${n.queueTable} WHERE id = $1`,
          values: [first!.id],
        });
        expect(job).toEqual({ priority: 0, status: "queued", payload: null, dedupe_key: null, headers: null, attempts: 0, due: true });

        const [second] = await db().driver.query<{ id: number }>({
          text: `SELECT ${fn}(entrypoint => 'fetch', payload => $1, priority => 5, execute_after => '10 seconds', dedupe_key => 'k1', headers => '{"source":"api"}') AS id`,
          values: [Buffer.from("hello")],
        });
        const [deferred] = await db().driver.query<{ payload: Buffer; delay: number; headers: unknown; dedupe_key: string; priority: number }>({
          text: `SELECT payload, priority, dedupe_key, headers, EXTRACT(EPOCH FROM execute_after - created)::float8 AS delay FROM ${n.queueTable} WHERE id = $1`,
          values: [second!.id],
        });
        expect(deferred!.payload.toString()).toBe("hello");
        expect(deferred!.priority).toBe(5);
        expect(deferred!.dedupe_key).toBe("k1");
        expect(deferred!.headers).toEqual({ source: "api" });
        expect(deferred!.delay).toBeGreaterThanOrEqual(9.9);
        expect(deferred!.delay).toBeLessThan(11);

        const logs = await db().driver.query({ text: `SELECT job_id, status::text, entrypoint, priority FROM ${n.queueTableLog} ORDER BY id` });
        expect(logs).toEqual([
          { job_id: first!.id, status: "queued", entrypoint: "fetch", priority: 0 },
          { job_id: second!.id, status: "queued", entrypoint: "fetch", priority: 5 },
        ]);

        // An active dedupe key: the call fails and neither row is written.
        const duplicate = await db().driver.query({ text: `SELECT ${fn}('fetch', NULL, 0, '0', 'k1', NULL)` }).catch((caught: unknown) => caught);
        expect(duplicate).toBeInstanceOf(DatabaseError);
        expect((duplicate as DatabaseError).code).toBe("23505");
        expect(await countRows(db().driver, n.queueTable)).toBe(2);
        expect(await countRows(db().driver, n.queueTableLog)).toBe(2);
      } finally {
        await recorder.close();
      }

      await manager.uninstallEnqueueFunction();
      expect((await manager.verify()).enqueueFunction).toBe(false);
      await manager.installEnqueueFunction();
      expect(await manager.hasFunction("api_fn_pgqueuer_enqueue")).toBe(true);
      await manager.uninstall();
      expect(await manager.hasFunction("api_fn_pgqueuer_enqueue")).toBe(false);
    });
  },
  { install: false },
);
