/**
 * A child process serving MCP over stdio, as `pgq mcp` does: the database from
 * PGQUEUER_TEST_DSN, names from PGQUEUER_SCHEMA / PGQUEUER_CHANNEL, writes with `--allow-write`.
 * Used by stdio.test.ts.
 */
import pg from "pg";
import { PgPoolDriver } from "../../src/adapters/pg/driver.js";
import { Queries } from "../../src/adapters/persistence/queries.js";
import { ScheduleQueries } from "../../src/adapters/persistence/schedule-queries.js";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { resolveSettings } from "../../src/domain/settings.js";
import { runMcpCommand } from "../../src/mcp/index.js";

const pool = new pg.Pool({ connectionString: process.env.PGQUEUER_TEST_DSN, max: 3 });
pool.on("error", () => undefined);
const driver = new PgPoolDriver(pool);
const settings = resolveSettings();
try {
  await runMcpCommand({
    queries: new Queries(driver, settings),
    scheduleQueries: new ScheduleQueries({ driver, settings }),
    schemaManager: new SchemaManager(driver, settings),
    driver,
    allowWrite: process.argv.includes("--allow-write"),
  });
} finally {
  await pool.end();
}
