/**
 * A fingerprint of every table a command or request could write (queue, log, statistics,
 * schedules, paused entrypoints), so the bad-input suites can assert "nothing changed" exactly,
 * not just by row counts.
 */
import type { Settings } from "../../src/domain/settings.js";
import type { Driver } from "../../src/ports/driver.js";
import { sqlNames } from "../../src/sql/identifiers.js";

/** Row count and an md5 of the rows' text, per table. */
export type TableDigest = Readonly<Record<string, string>>;

/** The digest of the queue, log, statistics, schedules and entrypoint-state tables. */
export async function tableDigest(driver: Driver, settings: Settings): Promise<TableDigest> {
  const n = sqlNames(settings);
  const tables = { queue: n.queueTable, log: n.queueTableLog, statistics: n.statisticsTable, schedules: n.schedulesTable, paused: n.entrypointStateTable };
  const columns = Object.entries(tables).map(
    ([key, table]) => `(SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} AS t) AS ${key}`,
  );
  const [row] = await driver.query<Record<string, string>>({ text: `SELECT ${columns.join(", ")}` });
  return row!;
}
