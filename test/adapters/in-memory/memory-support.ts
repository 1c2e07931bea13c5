/**
 * In-memory replacements for the raw-SQL helpers of test/adapters/persistence/support.ts. The
 * in-memory suites mock that module with these, so the Queries behaviour files run unchanged:
 * `queriesFor` builds InMemoryQueries, and the "raw row" reads return the store's rows, which
 * carry the same column names and value types as the driver's rows.
 */
import { InMemoryDriver } from "../../../src/adapters/in-memory/driver.js";
import { InMemoryQueries } from "../../../src/adapters/in-memory/queries.js";
import type { InMemoryStore } from "../../../src/adapters/in-memory/store.js";
import type { Queries } from "../../../src/adapters/persistence/queries.js";
import type { Row } from "../../../src/ports/driver.js";
import type { TestDatabase } from "../../support/backends.js";

/** The store behind a memory-backend test database. */
export function storeOf(db: TestDatabase): InMemoryStore {
  if (!(db.driver instanceof InMemoryDriver)) throw new Error(`the in-memory helpers need the memory backend, got ${db.backend}`);
  return db.driver.store;
}

/** InMemoryQueries on the test database's store. */
export function queriesFor(db: TestDatabase): Queries {
  storeOf(db);
  return new InMemoryQueries(db.driver as InMemoryDriver, db.settings);
}

/** Empty the queue, log and statistics tables (ids keep counting, as after TRUNCATE). */
export async function resetTables(db: TestDatabase): Promise<void> {
  const store = storeOf(db);
  store.clearJobs();
  store.log = [];
  store.statistics = [];
}

/** The queue table's rows, by id (copies). */
export async function queueRows(db: TestDatabase): Promise<Row[]> {
  return [...storeOf(db).jobs.values()].sort((left, right) => left.id - right.id).map((row) => ({ ...row }));
}

/** The log table's rows, by id (copies). */
export async function logRows(db: TestDatabase): Promise<Row[]> {
  return storeOf(db).log.map((row) => ({ ...row }));
}

/** Statuses logged for one job, oldest first. */
export async function loggedStatuses(db: TestDatabase, jobId: number): Promise<string[]> {
  return storeOf(db)
    .log.filter((row) => row.job_id === jobId)
    .map((row) => row.status);
}
