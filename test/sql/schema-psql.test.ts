/**
 * The schema scripts as a DBA applies them: rendered text piped to `psql -v ON_ERROR_STOP=1`,
 * and PgQueuer's own install DDL (CATALOGUE Appendix A, kept verbatim as a fixture) compared
 * with ours in the catalogs.
 *
 * PostgreSQL only: psql is a client program that connects over the network, and PGlite runs
 * inside this process where psql cannot reach it. (Every behaviour here that does not need
 * psql is also covered on PGlite by test/adapters/persistence/schema-*.test.ts.)
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { resolveSettings, type Settings } from "../../src/domain/settings.js";
import type { Driver } from "../../src/ports/driver.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { buildAutovacuumStatements, buildDropExtensionStatements, buildDurabilityStatements, buildInstallStatements, buildUninstallStatements, buildUpgradeStatements, renderScript } from "../../src/sql/schema.js";
import { openTestDatabase, selectedBackends, TEST_DSN, uniqueName, type TestDatabase } from "../support/backends.js";

const APPENDIX_A = new URL("../fixtures/pgqueuer-appendix-a.sql", import.meta.url);

/** Run `script` through psql; resolves with its exit code and stderr. */
function psql(script: string, options: { searchPath?: string } = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(options.searchPath === undefined ? {} : { PGOPTIONS: `-c search_path=${options.searchPath}` }) };
    const child = spawn("psql", [TEST_DSN, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], { env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
    child.stdin.end(script);
  });
}

/** Strip `--` comments and collapse whitespace, for comparing function bodies semantically. */
function normalizeCode(text: string): string {
  return text.replace(/--[^\n]*/g, "").replace(/\s+/g, " ").trim();
}

/** Everything the catalogs say about the objects of `schema`, with the schema name neutralized. */
async function describeSchema(driver: Driver, schema: string): Promise<Record<string, unknown>> {
  const query = async (text: string): Promise<unknown[]> => {
    const rows = await driver.query({ text, values: [schema] });
    return JSON.parse(JSON.stringify(rows).replaceAll(`${schema}.`, "<schema>.")) as unknown[];
  };
  const relations = `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`;
  const functions = (await driver.query<{ name: string; definition: string }>({
    text: `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`,
    values: [schema],
  })).map((row) => ({ name: row.name, definition: normalizeCode(row.definition.replaceAll(`${schema}.`, "<schema>.")) }));
  return {
    relations: await query(`SELECT c.relname, c.relkind::text, c.relpersistence::text, c.reloptions::text ${relations} ORDER BY 1`),
    columns: await query(`SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity::text,
        pg_get_expr(d.adbin, d.adrelid) AS default_value
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2`),
    indexes: await query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`),
    constraints: await query(`SELECT conname, pg_get_constraintdef(co.oid) AS definition FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = $1 ORDER BY 1`),
    sequences: await query(`SELECT c.relname, format_type(s.seqtypid, NULL) AS type, s.seqstart, s.seqincrement, s.seqmax::text, s.seqcache ${relations.replace("FROM pg_class c", "FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid")} ORDER BY 1`),
    enums: await query(`SELECT t.typname, array_to_string(ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), ',') AS labels
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e' ORDER BY 1`),
    triggers: await query(`SELECT t.tgname, t.tgtype::int, pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY 1`),
    functions,
  };
}

describe.skipIf(!selectedBackends().includes("postgres"))("schema scripts through psql [postgres]", () => {
  let db: TestDatabase;
  const schemas: string[] = [];
  beforeAll(async () => {
    db = await openTestDatabase("postgres", { install: false });
  });
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await db.driver.execute({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Settings on a fresh schema name (dropped after the test); PgQueuer's default channel. */
  function freshSettings(options: { prefix?: string } = {}): Settings {
    const schema = uniqueName("pgqp");
    schemas.push(schema);
    return resolveSettings({ schema, ...options }, {});
  }

  it("applies every rendered script with ON_ERROR_STOP, and stops on an error", async () => {
    const settings = freshSettings({ prefix: "cli_" });
    const manager = new SchemaManager(db.driver, settings);
    const install = await psql(renderScript(buildInstallStatements(settings, { enqueueFunction: true })));
    expect(install).toEqual({ code: 0, stderr: "" });
    expect((await manager.verify()).missing).toEqual([]);

    // Upgrade twice (autocommit, as `pgq sql upgrade` must be applied), then the others.
    for (const statements of [buildUpgradeStatements(settings), buildUpgradeStatements(settings), buildDurabilityStatements(settings, "volatile"), buildAutovacuumStatements(settings), buildAutovacuumStatements(settings, { rollback: true })]) {
      expect((await psql(renderScript(statements))).code).toBe(0);
    }
    expect(Object.values((await manager.verify()).persistence)).toEqual(["unlogged", "unlogged", "unlogged", "unlogged"]);

    const again = await psql(renderScript(buildInstallStatements(settings)));
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);

    expect((await psql(renderScript(buildUninstallStatements(settings)))).code).toBe(0);
    expect((await psql(renderScript(buildUninstallStatements(settings)))).code).toBe(0);
    expect((await manager.verifyExpect("absent")).ok).toBe(true);
  });

  it("verifies PgQueuer's own install (Appendix A, placed via search_path) as complete, and upgrades it twice", async () => {
    const settings = freshSettings();
    await db.driver.execute({ text: `CREATE SCHEMA ${sqlNames(settings).schema}` });
    const applied = await psql(await readFile(APPENDIX_A, "utf8"), { searchPath: settings.schema! });
    expect(applied).toEqual({ code: 0, stderr: "" });

    const manager = new SchemaManager(db.driver, settings);
    const report = await manager.verify();
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.objects.every((object) => object.present)).toBe(true);
    await manager.verifyStructure();
    expect(await manager.verifyExpect("present")).toMatchObject({ ok: true });

    await manager.upgrade();
    await manager.upgrade();
    expect((await manager.verify()).missing).toEqual([]);
    const n = sqlNames(settings);
    const [job] = await db.driver.query<{ id: number }>({ text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint, payload) VALUES (1, 'queued', 'e', $1) RETURNING id`, values: [Buffer.from("x")] });
    expect(job!.id).toBe(1);
  });

  it("installs exactly the definitions of Appendix A (columns, defaults, indexes, constraints, enum, function, trigger)", async () => {
    const theirs = freshSettings();
    await db.driver.execute({ text: `CREATE SCHEMA ${sqlNames(theirs).schema}` });
    expect((await psql(await readFile(APPENDIX_A, "utf8"), { searchPath: theirs.schema! })).code).toBe(0);
    const ours = freshSettings();
    await new SchemaManager(db.driver, ours).install();
    // install() also creates this library's extension tables beside PgQueuer's objects; what
    // PgQueuer's own objects look like must still be exactly Appendix A.
    for (const text of buildDropExtensionStatements(ours)) await db.driver.execute({ text });

    const expected = await describeSchema(db.driver, theirs.schema!);
    const actual = await describeSchema(db.driver, ours.schema!);
    // Guard against a vacuous comparison: the description really holds the objects.
    expect((expected.columns as unknown[]).length).toBe(36);
    expect((expected.indexes as unknown[]).length).toBe(16);
    expect(expected.triggers).toEqual([expect.objectContaining({ tgname: "tg_pgqueuer_changed", tgtype: 60 })]);
    expect(expected.enums).toEqual([{ typname: "pgqueuer_status", labels: "queued,picked,successful,exception,canceled,deleted,failed" }]);
    expect(actual).toEqual(expected);
  });
});
