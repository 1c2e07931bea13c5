/**
 * Helpers shared by the Queries tests: a Queries over the test database, event capture that
 * waits for a sentinel instead of sleeping, and a few direct reads.
 */
import { randomUUID } from "node:crypto";
import { Queries } from "../../../src/adapters/persistence/queries.js";
import { parseEvent, type QueueEvent } from "../../../src/domain/events.js";
import type { Driver, Row, Statement, Subscription } from "../../../src/ports/driver.js";
import type { EntrypointLimit } from "../../../src/ports/repository.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import type { TestDatabase } from "../../support/backends.js";

export { randomUUID as newWorkerId };

/** A Queries over the test database's main driver. */
export function queriesFor(db: TestDatabase): Queries {
  return new Queries(db.driver, db.settings);
}

/** Empty the queue, log and statistics tables between tests. */
export async function resetTables(db: TestDatabase): Promise<void> {
  const n = sqlNames(db.settings);
  await db.driver.execute({ text: `TRUNCATE ${n.queueTable}, ${n.queueTableLog}, ${n.statisticsTable}` });
}

/** Claim with defaults: unlimited entrypoints, no worker cap, 30 s heartbeat timeout. */
export function claim(
  queries: Queries,
  options: { batchSize?: number; entrypoints: readonly (string | EntrypointLimit)[]; worker?: string; workerLimit?: number | null; heartbeatTimeout?: number; includeStale?: boolean },
) {
  return queries.dequeue({
    batchSize: options.batchSize ?? 10,
    entrypoints: options.entrypoints.map((entry) => (typeof entry === "string" ? { name: entry, concurrencyLimit: 0 } : entry)),
    queueManagerId: options.worker ?? randomUUID(),
    workerLimit: options.workerLimit ?? null,
    heartbeatTimeout: options.heartbeatTimeout ?? 30_000,
    ...(options.includeStale === undefined ? {} : { includeStale: options.includeStale }),
  });
}

/** Raw rows of the queue table, by id. */
export async function queueRows(db: TestDatabase): Promise<Row[]> {
  return db.driver.query({ text: `SELECT * FROM ${sqlNames(db.settings).queueTable} ORDER BY id` });
}

/** Raw rows of the log table, by id. */
export async function logRows(db: TestDatabase): Promise<Row[]> {
  return db.driver.query({ text: `SELECT * FROM ${sqlNames(db.settings).queueTableLog} ORDER BY id` });
}

/** Statuses logged for one job, oldest first. */
export async function loggedStatuses(db: TestDatabase, jobId: number): Promise<string[]> {
  const rows = await db.driver.query<{ status: string }>({
    text: `SELECT status FROM ${sqlNames(db.settings).queueTableLog} WHERE job_id = $1 ORDER BY id`,
    values: [jobId],
  });
  return rows.map((row) => row.status);
}

/**
 * Capture the events on the channel. `settle()` sends a sentinel notification and resolves
 * once it came back: NOTIFYs are delivered in commit order, so every event of work that
 * finished before `settle()` was called has arrived by then.
 */
export async function captureEvents(db: TestDatabase): Promise<{ events: QueueEvent[]; settle(): Promise<QueueEvent[]>; close(): Promise<void> }> {
  const channel = db.settings.names.channel;
  const events: QueueEvent[] = [];
  let waiting: { token: string; resolve: () => void } | undefined;
  const listener: Driver = db.backend === "postgres" ? await db.openDriver() : db.driver;
  const subscription: Subscription = await listener.listen({
    channel,
    onNotification: (payload) => {
      if (waiting && payload === waiting.token) {
        waiting.resolve();
        return;
      }
      const event = parseEvent(payload);
      if (event) events.push(event);
    },
  });
  return {
    events,
    async settle() {
      const token = `sentinel-${randomUUID()}`;
      const arrived = new Promise<void>((resolve) => (waiting = { token, resolve }));
      await db.driver.notify({ channel, payload: token });
      await arrived;
      const seen = events.splice(0);
      return seen;
    },
    close: () => subscription.close(),
  };
}

/** Poll `check` until it returns true or the deadline passes (for database state, not events). */
export async function eventually(check: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A driver that records statements and fails every call: proves validation runs before SQL. */
export function forbiddenDriver(): Driver & { statements: Statement[] } {
  const statements: Statement[] = [];
  const fail = async (statement?: Statement): Promise<never> => {
    if (statement) statements.push(statement);
    throw new Error("SQL must not run for invalid input");
  };
  return {
    statements,
    concurrent: false,
    query: fail,
    execute: fail,
    listen: () => fail(),
    notify: () => fail(),
    transaction: () => fail(),
    close: async () => undefined,
  } as Driver & { statements: Statement[] };
}
