/**
 * Administrative SQL of the harness itself (never measured): fresh schema names, dropping
 * them, counting unfinished jobs, and describing the server.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** Quote an identifier (the harness only builds schema names it generated itself). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A new, unique schema name for one scenario run of one library. */
export function freshSchemaName(library: string, scenario: string): string {
  const slug = library.replaceAll(/[^a-z]/g, "");
  return `bench_${slug}_${scenario}_${randomBytes(4).toString("hex")}`;
}

/** A short-lived admin connection. */
export async function withClient<T>(dsn: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dsn, application_name: "pgqueuer-bench-admin" });
  // A server restart mid-query rejects the query; without a listener it would also crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drop a schema and everything in it. */
export async function dropSchema(dsn: string, schema: string): Promise<void> {
  await withClient(dsn, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
}

/** Run a subject's remaining-jobs query. */
export async function countRemaining(client: pg.ClientBase, query: string): Promise<number> {
  const result = await client.query<{ remaining: number }>(query);
  return Number(result.rows[0]?.remaining ?? Number.NaN);
}

/**
 * Refresh planner statistics of every table in the schema and flush dirty buffers, so a
 * checkpoint triggered by the setup does not land inside the measurement. The server under
 * test may run with autovacuum off; ANALYZE does what autovacuum would have done after a bulk load.
 */
export async function settle(client: pg.ClientBase, schema: string): Promise<void> {
  const tables = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
    [schema],
  );
  for (const { name } of tables.rows) await client.query(`ANALYZE ${quoteIdent(schema)}.${quoteIdent(name)}`);
  await client.query("CHECKPOINT").catch(() => undefined); // needs superuser or pg_checkpoint; best effort
}

/** What the report says about the server. */
export interface ServerDescription {
  readonly version: string;
  readonly settings: Readonly<Record<string, string>>;
}

/** Server version and the settings that shape queue throughput. */
export async function describeServer(dsn: string): Promise<ServerDescription> {
  return withClient(dsn, async (client) => {
    const version = (await client.query<{ version: string }>("SELECT current_setting('server_version') AS version")).rows[0]?.version ?? "?";
    const names = ["shared_buffers", "synchronous_commit", "fsync", "autovacuum", "max_connections", "plan_cache_mode", "wal_level"];
    const settings: Record<string, string> = {};
    for (const name of names) settings[name] = (await client.query<{ value: string }>(`SELECT current_setting($1) AS value`, [name])).rows[0]?.value ?? "?";
    return { version, settings };
  });
}

/** Other client sessions doing work on the server right now (noise indicator). */
export async function activeSessions(dsn: string): Promise<number> {
  return withClient(dsn, async (client) => {
    const result = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()",
    );
    return result.rows[0]?.n ?? 0;
  });
}

/** Median round trip (ms) of `count` one-row INSERTs, each its own transaction. */
export async function commitRoundTrip(dsn: string, count = 100): Promise<number> {
  const schema = freshSchemaName("commit", "probe");
  return withClient(dsn, async (client) => {
    await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    try {
      await client.query(`CREATE TABLE ${quoteIdent(schema)}.probe (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())`);
      const times: number[] = [];
      for (let index = 0; index < count; index += 1) {
        const start = performance.now();
        await client.query(`INSERT INTO ${quoteIdent(schema)}.probe DEFAULT VALUES`);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    } finally {
      await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    }
  });
}

/** Whether an error message says the server went away (restart, shutdown, refused connection). */
export function isConnectionLoss(message: string): boolean {
  return /shutting down|starting up|terminating connection|Connection terminated|ECONNREFUSED|ECONNRESET|recovery mode/i.test(message);
}

/** Wait (up to `maxWait` ms) until the server accepts a query. */
export async function waitForServer(dsn: string, maxWait = 120_000): Promise<void> {
  const deadline = performance.now() + maxWait;
  for (;;) {
    try {
      await withClient(dsn, (client) => client.query("SELECT 1"));
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
