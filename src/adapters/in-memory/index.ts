/**
 * The in-memory backend of `PgQueuer.inMemory()`: a store, a driver that runs no SQL, and
 * queries with PostgreSQL's semantics. For unit tests; nothing is durable or shared between
 * processes (docs/in-memory.md).
 *
 * @module
 */
export { InMemoryDriver, type InMemoryDriverOptions } from "./driver.js";
export { InMemoryQueries } from "./queries.js";
export { percentileCont } from "./queue-reads.js";
export { InMemoryScheduleQueries } from "./schedule-queries.js";
export { InMemoryStore, type InMemoryStoreOptions, type JobRow, type LogRow, type ScheduleRow, type StatisticsRow } from "./store.js";
