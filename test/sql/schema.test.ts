// Pure text tests of the schema builders: no database involved, so no backend matrix.
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../src/domain/settings.js";
import {
  buildAutovacuumStatements,
  buildCreateEnqueueFunction,
  buildDropEnqueueFunction,
  buildDurabilityStatements,
  buildInstallStatements,
  buildUninstallStatements,
  buildUpgradeStatements,
  enqueueFunctionName,
  renderScript,
  unloggedTables,
} from "../../src/sql/schema.js";

const defaults = resolveSettings({}, {});

describe("renderScript", () => {
  it("terminates each statement with ';', separates them by one blank line, ends in one newline", () => {
    expect(renderScript(["SELECT 1", "SELECT\n    2"])).toBe("SELECT 1;\n\nSELECT\n    2;\n");
  });

  it("renders install like `pgq sql install`: starts at CREATE TYPE, top-level statements at column 0", () => {
    const script = renderScript(buildInstallStatements(defaults));
    expect(script.startsWith("CREATE TYPE")).toBe(true);
    expect(script.endsWith(";\n")).toBe(true);
    expect(script.endsWith(";\n\n")).toBe(false);
    expect(script).not.toContain("-----");
    expect(script).toContain("\n    id BIGSERIAL PRIMARY KEY,");
    for (const statement of buildInstallStatements(defaults)) {
      expect(statement).toMatch(/^CREATE [A-Z]/);
      expect(script).toContain(`\n\n${statement};\n`.slice(statement.startsWith("CREATE TYPE") ? 2 : 0));
    }
  });

  it("renders uninstall as DROP lines only", () => {
    const lines = renderScript(buildUninstallStatements(defaults)).trim().split("\n").filter((line) => line !== "");
    expect(lines.every((line) => line.startsWith("DROP "))).toBe(true);
  });
});

describe("buildInstallStatements", () => {
  it("creates the objects in PgQueuer's order (SQL-1)", () => {
    const created = buildInstallStatements(defaults).map((statement) => {
      const match = /^CREATE (?:UNIQUE )?(\w+) (?:IF NOT EXISTS )?"([^"]+)"/.exec(statement);
      return match === null ? statement : `${match[1]} ${match[2]}`;
    });
    expect(created).toEqual([
      "TYPE pgqueuer_status",
      "TABLE pgqueuer",
      "INDEX pgqueuer_priority_id_id1_idx",
      "INDEX pgqueuer_updated_id_id1_idx",
      "INDEX pgqueuer_queue_manager_id_idx",
      "INDEX pgqueuer_ep_prio_id_idx",
      "INDEX pgqueuer_ep_ea_idx",
      "INDEX pgqueuer_unique_dedupe_key",
      "TABLE pgqueuer_log",
      "INDEX pgqueuer_log_not_aggregated",
      "INDEX pgqueuer_log_created",
      "INDEX pgqueuer_log_status",
      "INDEX pgqueuer_log_job_id_status",
      "TABLE pgqueuer_statistics",
      "INDEX pgqueuer_statistics_unique_count",
      "TABLE pgqueuer_schedules",
      "FUNCTION fn_pgqueuer_changed",
      "TRIGGER tg_pgqueuer_changed",
    ]);
  });

  it("is deterministic", () => {
    expect(buildInstallStatements(defaults)).toEqual(buildInstallStatements(resolveSettings({}, {})));
  });

  it("starts with CREATE SCHEMA when a schema is set, unless createSchema is false", () => {
    const settings = resolveSettings({ schema: "MySchema", prefix: "foo_" }, {});
    const statements = buildInstallStatements(settings);
    expect(statements[0]).toBe('CREATE SCHEMA IF NOT EXISTS "myschema"');
    expect(statements[2]).toContain('"myschema"."foo_pgqueuer"');
    expect(buildInstallStatements(settings, { createSchema: false })[0]).toMatch(/^CREATE TYPE "myschema"."foo_pgqueuer_status"/);
  });

  it("puts the configured channel in the trigger function", () => {
    const statements = buildInstallStatements(resolveSettings({ prefix: "acme_" }, {}));
    const fn = statements.find((statement) => statement.startsWith("CREATE FUNCTION"))!;
    expect(fn).toContain("'acme_ch_pgqueuer',\n");
    expect(fn).toContain("'channel', 'acme_ch_pgqueuer',");
  });

  it.each([
    ["volatile", 4, 0],
    ["balanced", 2, 2],
    ["durable", 0, 4],
  ] as const)("at durability %s creates %i UNLOGGED and %i logged tables", (durability, unlogged, logged) => {
    const script = renderScript(buildInstallStatements(defaults, { durability }));
    expect(script.match(/CREATE UNLOGGED TABLE/g) ?? []).toHaveLength(unlogged);
    expect(script.match(/CREATE TABLE/g) ?? []).toHaveLength(logged);
  });

  it("adds the enqueue function only on request", () => {
    expect(buildInstallStatements(defaults).some((statement) => statement.includes("fn_pgqueuer_enqueue"))).toBe(false);
    const statements = buildInstallStatements(defaults, { enqueueFunction: true });
    expect(statements.at(-1)).toBe(buildCreateEnqueueFunction(defaults));
  });
});

describe("unloggedTables", () => {
  it("maps each durability level (CFG-13)", () => {
    expect(unloggedTables("balanced")).toEqual({ queue: false, log: true, statistics: true, schedules: false });
    expect(Object.values(unloggedTables("volatile"))).toEqual([true, true, true, true]);
    expect(Object.values(unloggedTables("durable"))).toEqual([false, false, false, false]);
  });
});

describe("buildUninstallStatements", () => {
  it("drops everything IF EXISTS, the legacy statistics enum last (SQL-16)", () => {
    expect(buildUninstallStatements(resolveSettings({ prefix: "x_" }, {}))).toEqual([
      'DROP TRIGGER IF EXISTS "x_tg_pgqueuer_changed" ON "x_pgqueuer"',
      'DROP FUNCTION IF EXISTS "x_fn_pgqueuer_changed"',
      'DROP FUNCTION IF EXISTS "x_fn_pgqueuer_enqueue"(TEXT, BYTEA, INT, INTERVAL, TEXT, JSONB)',
      'DROP TABLE IF EXISTS "x_pgqueuer"',
      'DROP TABLE IF EXISTS "x_pgqueuer_statistics"',
      'DROP TABLE IF EXISTS "x_pgqueuer_schedules"',
      'DROP TABLE IF EXISTS "x_pgqueuer_log"',
      'DROP TYPE IF EXISTS "x_pgqueuer_status"',
      'DROP TYPE IF EXISTS "x_pgqueuer_statistics_status"',
    ]);
  });
});

describe("buildUpgradeStatements", () => {
  it("adds enum labels first, then columns, and includes the heartbeat index (SQL-17)", () => {
    const statements = buildUpgradeStatements(defaults);
    expect(statements.slice(0, 5)).toEqual(["successful", "exception", "canceled", "deleted", "failed"].map((label) => `ALTER TYPE "pgqueuer_status" ADD VALUE IF NOT EXISTS '${label}'`));
    expect(statements).toContain(`CREATE INDEX IF NOT EXISTS "pgqueuer_heartbeat_id_id1_idx" ON "pgqueuer" (heartbeat ASC, id DESC) INCLUDE (id) WHERE status = 'picked'`);
    expect(statements).toContain('ALTER TABLE "pgqueuer" ADD COLUMN IF NOT EXISTS "attempts" INT NOT NULL DEFAULT 0');
    expect(statements).toContain('ALTER TABLE "pgqueuer_log" ADD COLUMN IF NOT EXISTS "traceback" JSONB DEFAULT NULL');
    expect(statements.some((statement) => statement.startsWith('CREATE OR REPLACE FUNCTION "fn_pgqueuer_changed"()'))).toBe(true);
  });

  it("has DO $$ (widen) blocks only with widenId (CLI-13)", () => {
    const widened = renderScript(buildUpgradeStatements(defaults));
    expect(widened.match(/DO \$\$/g)).toHaveLength(3);
    expect(widened).toContain('ALTER TABLE "pgqueuer" ALTER COLUMN id TYPE BIGINT;');
    const narrow = renderScript(buildUpgradeStatements(resolveSettings({ widenId: false }, {})));
    expect(narrow).not.toContain("DO $$");
    expect(narrow).not.toContain("BIGINT;");
  });

  it("creates missing tables at the configured durability", () => {
    const statements = buildUpgradeStatements(resolveSettings({ durability: "balanced" }, {}));
    expect(statements).toContainEqual(expect.stringMatching(/^CREATE UNLOGGED TABLE IF NOT EXISTS "pgqueuer_log"/));
    expect(statements).toContainEqual(expect.stringMatching(/^CREATE TABLE IF NOT EXISTS "pgqueuer_schedules"/));
  });

  it("targets only the configured names (SQL-22)", () => {
    const settings = resolveSettings({ prefix: "acme_", queueTable: "jobs", schema: "billing" }, {});
    const script = renderScript(buildUpgradeStatements(settings));
    const identifiers = [...script.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
    expect(new Set(identifiers)).toEqual(
      new Set(["billing", "jobs", "acme_pgqueuer_log", "acme_pgqueuer_statistics", "acme_pgqueuer_schedules", "acme_pgqueuer_status", "acme_fn_pgqueuer_changed", "acme_tg_pgqueuer_changed", "attempts", "dedupe_key", "execute_after", "headers", "heartbeat", "queue_manager_id", "updated", "traceback", "aggregated", "jobs_priority_id_id1_idx", "jobs_updated_id_id1_idx", "jobs_queue_manager_id_idx", "jobs_ep_prio_id_idx", "jobs_ep_ea_idx", "jobs_unique_dedupe_key", "jobs_heartbeat_id_id1_idx", "acme_pgqueuer_log_not_aggregated", "acme_pgqueuer_log_created", "acme_pgqueuer_log_status", "acme_pgqueuer_log_job_id_status", "acme_pgqueuer_statistics_unique_count"]),
    );
    expect(script).not.toMatch(/[^_]pgqueuer_status/);
  });
});

describe("buildDurabilityStatements", () => {
  it("sets each table's persistence in PgQueuer's order (SQL-26)", () => {
    expect(renderScript(buildDurabilityStatements(defaults, "balanced"))).toBe(
      'ALTER TABLE "pgqueuer" SET LOGGED;\n\nALTER TABLE "pgqueuer_log" SET UNLOGGED;\n\nALTER TABLE "pgqueuer_statistics" SET UNLOGGED;\n\nALTER TABLE "pgqueuer_schedules" SET LOGGED;\n',
    );
    expect(buildDurabilityStatements(resolveSettings({ durability: "volatile" }, {})).every((statement) => statement.endsWith("SET UNLOGGED"))).toBe(true);
  });
});

describe("buildAutovacuumStatements", () => {
  const keysOf = (statement: string): string[] => [...statement.matchAll(/^\s+(\w+)/gm)].map((match) => match[1]!);

  it("sets exactly PgQueuer's keys and values (SQL-27)", () => {
    const [queue, schedules, log, statistics] = buildAutovacuumStatements(defaults);
    expect(queue).toBe(`ALTER TABLE "pgqueuer" SET (
    autovacuum_vacuum_scale_factor   = 0.01,
    autovacuum_vacuum_threshold      = 1000,
    autovacuum_analyze_scale_factor  = 0.02,
    autovacuum_analyze_threshold     = 500,
    autovacuum_vacuum_cost_limit     = 10000,
    autovacuum_vacuum_cost_delay     = 0,
    fillfactor                       = 70
)`);
    expect(schedules).toBe(queue!.replace('"pgqueuer"', '"pgqueuer_schedules"'));
    expect(log).toBe(`ALTER TABLE "pgqueuer_log" SET (
    autovacuum_vacuum_scale_factor   = 0.95,
    autovacuum_vacuum_threshold      = 1000000,
    autovacuum_analyze_scale_factor  = 0.05,
    autovacuum_analyze_threshold     = 10000
)`);
    expect(statistics).toBe(log!.replace('"pgqueuer_log"', '"pgqueuer_statistics"'));
  });

  it("rolls back by RESETting the same keys", () => {
    const applied = buildAutovacuumStatements(defaults);
    const reset = buildAutovacuumStatements(defaults, { rollback: true });
    expect(reset.map(keysOf)).toEqual(applied.map(keysOf));
    expect(reset.every((statement) => / RESET \(\n/.test(statement) && !statement.includes("="))).toBe(true);
  });
});

describe("enqueue function", () => {
  it("is named <prefix>fn_pgqueuer_enqueue in the configured schema, with PgQueuer's signature and defaults", () => {
    const settings = resolveSettings({ prefix: "api_", schema: "rest" }, {});
    expect(enqueueFunctionName(settings)).toBe('"rest"."api_fn_pgqueuer_enqueue"');
    const create = buildCreateEnqueueFunction(settings);
    expect(create).toMatch(/^CREATE OR REPLACE FUNCTION "rest"."api_fn_pgqueuer_enqueue"\(/);
    expect(create).toContain(`    entrypoint TEXT,
    payload BYTEA DEFAULT NULL,
    priority INT DEFAULT 0,
    execute_after INTERVAL DEFAULT '0'::INTERVAL,
    dedupe_key TEXT DEFAULT NULL,
    headers JSONB DEFAULT NULL
) RETURNS BIGINT`);
    expect(create).toContain('INSERT INTO "rest"."api_pgqueuer" ');
    expect(create).toContain('INSERT INTO "rest"."api_pgqueuer_log" ');
    expect(buildDropEnqueueFunction(settings)).toBe('DROP FUNCTION IF EXISTS "rest"."api_fn_pgqueuer_enqueue"(TEXT, BYTEA, INT, INTERVAL, TEXT, JSONB)');
    expect(enqueueFunctionName(resolveSettings({ function: "other.fn" }, {}))).toBe('"other"."fn_pgqueuer_enqueue"');
  });
});
