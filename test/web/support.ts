/**
 * Helpers of the dashboard tests: a dashboard server over the test database, a cookie-keeping
 * HTTP session that finds the page's CSRF token, a way to hold a failing job, and an SSE
 * reader that awaits frames instead of sleeping.
 */
import { PgQueuer } from "../../src/pgqueuer.js";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { startDashboardServer, type DashboardServer, type DashboardServerOptions } from "../../src/web/index.js";
import type { JobId } from "../../src/domain/types.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import type { TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";

/** A dashboard server over a test database. */
export interface DashboardFixture {
  readonly pgq: PgQueuer;
  readonly schemaManager: SchemaManager;
  readonly server: DashboardServer;
  /** The dashboard's root URL, ending in `/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Start a dashboard on a free port (environment-independent: no ambient auth variables). */
export async function startFixture(db: TestDatabase, options: Partial<DashboardServerOptions> = {}): Promise<DashboardFixture> {
  const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions });
  const schemaManager = new SchemaManager(db.driver, pgq.settings);
  const server = await startDashboardServer({
    port: 0,
    queries: pgq.queries,
    scheduleQueries: pgq.scheduleQueries,
    schemaManager,
    driver: db.driver,
    env: {},
    ...options,
  });
  return { pgq, schemaManager, server, url: server.url, close: () => server.close() };
}

/** Empty the queue, log and statistics tables. */
export async function resetTables(db: TestDatabase): Promise<void> {
  const n = sqlNames(db.settings);
  await db.driver.execute({ text: `TRUNCATE ${n.queueTable}, ${n.queueTableLog}, ${n.statisticsTable}, ${n.schedulesTable}` });
}

/** Enqueue jobs of `entrypoint` whose handler throws, run a drain so they are held (`failed`), and return their ids. */
export async function holdFailingJobs(db: TestDatabase, entrypoint: string, count = 1, message = "boom"): Promise<JobId[]> {
  const worker = new PgQueuer(db.driver, { settings: db.settingsOptions });
  worker.entrypoint(entrypoint, { onFailure: "hold" }, async () => {
    throw new TypeError(message);
  });
  const ids = await worker.queries.enqueueMany(Array.from({ length: count }, (_, index) => ({ entrypoint, payload: `job ${index}` })));
  await within(worker.run({ mode: "drain" }), 20_000, "drain of failing jobs");
  return ids;
}

/** An HTTP client that keeps the dashboard's cookie, like a browser would. */
export class Session {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  #cookie: string | undefined;

  constructor(base: string, headers: Record<string, string> = {}) {
    this.#base = base;
    this.#headers = headers;
  }

  /** GET a path (relative to the dashboard root), keeping any cookie it sets. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(new URL(path, this.#base), { headers: { ...this.#headers, ...this.#cookieHeader(), ...headers }, redirect: "manual" });
    this.#remember(response);
    return response;
  }

  /** GET a page and return the CSRF token it announces (and its forms carry). */
  async token(path = ""): Promise<string> {
    const text = await (await this.get(path)).text();
    const match = /<meta name="csrf-token" content="([^"]+)">/.exec(text);
    if (!match?.[1]) throw new Error(`no CSRF token on ${path}`);
    return match[1];
  }

  /** POST a url-encoded form. */
  async post(path: string, form: Record<string, string | readonly string[]>, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const item of typeof value === "string" ? [value] : value) body.append(key, item);
    return fetch(new URL(path, this.#base), {
      method: "POST",
      body,
      headers: { ...this.#headers, ...this.#cookieHeader(), "content-type": "application/x-www-form-urlencoded", ...headers },
      redirect: "manual",
    });
  }

  #cookieHeader(): Record<string, string> {
    return this.#cookie === undefined ? {} : { cookie: this.#cookie };
  }

  #remember(response: Response): void {
    const set = response.headers.get("set-cookie");
    if (set !== null) this.#cookie = set.split(";")[0];
  }
}

/** Reads a `text/event-stream` response frame by frame. */
export class EventStreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";

  constructor(response: Response) {
    if (response.body === null) throw new Error("no body");
    this.#reader = response.body.getReader();
  }

  /** The next frame (text up to a blank line), failing after `timeout` ms. */
  async next(timeout = 10_000): Promise<string> {
    return within(this.#read(), timeout, "next server-sent event");
  }

  async #read(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end !== -1) {
        const frame = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return frame;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("event stream ended");
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}
