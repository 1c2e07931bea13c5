/**
 * Open a database from configuration alone (what `PgQueuer.connect()` and the CLI use).
 *
 * Where to connect (CATALOGUE DRV-10), first match wins:
 * 1. the `dsn` option, 2. `PGQUEUER_DSN`, 3. `PGDSN` — a libpq connection string or URI,
 *    handed to node-postgres verbatim (never parsed and rebuilt, so its parameters, e.g.
 *    `application_name`, win over ours);
 * 4. libpq variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`);
 * 5. nothing configured: an embedded PGlite database persisted in `dataDir`, else
 *    `PGQUEUER_DATA_DIR`, else `./.pgqueuer`.
 *
 * Connection settings (CATALOGUE CFG-15), option first, then environment, then default:
 * pool min/max size (`PGQUEUER_POOL_MIN_SIZE` / `PGQUEUER_POOL_MAX_SIZE`, 1 / 5), connect
 * timeout (`PGQUEUER_CONNECT_TIMEOUT` in seconds, float; else libpq's `PGCONNECT_TIMEOUT`,
 * which node-postgres does not read itself; the option is in milliseconds) and application
 * name (`PGQUEUER_APPLICATION_NAME`; else node-postgres reads `PGAPPNAME`).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Driver } from "../ports/driver.js";
import { toDatabaseError } from "./driver-support.js";
import { PgPoolDriver } from "./pg/driver.js";
import { PGliteDriver } from "./pglite/driver.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Options of {@link openDriver} and {@link resolveConnection}; each wins over its environment variable. */
export interface ConnectOptions {
  /** libpq connection string or URI (`postgres://user@host/db`), passed to node-postgres verbatim. */
  readonly dsn?: string;
  /** PGlite data directory used when no PostgreSQL is configured (default `.pgqueuer` in the working directory). */
  readonly dataDir?: string;
  /** Connections the pool keeps open when idle (default 1; env `PGQUEUER_POOL_MIN_SIZE`). */
  readonly poolMinSize?: number;
  /** Most connections the pool opens (default 5, at least 2; env `PGQUEUER_POOL_MAX_SIZE`). */
  readonly poolMaxSize?: number;
  /**
   * Milliseconds to wait for a connection (env `PGQUEUER_CONNECT_TIMEOUT`, in seconds). In
   * node-postgres this also bounds the wait for a free pooled connection.
   */
  readonly connectTimeout?: number;
  /** `application_name` reported to the server (env `PGQUEUER_APPLICATION_NAME`). */
  readonly applicationName?: string;
}

/** Which setting supplied the PostgreSQL connection. */
export type ConnectionSource = "dsn" | "PGQUEUER_DSN" | "PGDSN" | "PG environment";

/** Where {@link openDriver} will connect. */
export type ConnectionTarget =
  | {
      readonly kind: "postgres";
      readonly source: ConnectionSource;
      /** The connection string, verbatim (undefined when the libpq variables are used). */
      readonly dsn: string | undefined;
    }
  | { readonly kind: "pglite"; readonly dataDir: string };

/** The outcome of {@link resolveConnection}: validated, nothing opened yet. */
export interface ResolvedConnection {
  readonly target: ConnectionTarget;
  readonly poolMinSize: number;
  readonly poolMaxSize: number;
  /** Milliseconds, or undefined for no timeout. */
  readonly connectTimeout: number | undefined;
  readonly applicationName: string | undefined;
  /** Where we connect, for logs and errors; never contains a password. */
  readonly description: string;
}

/** What {@link openDriver} returns. */
export interface OpenedDriver {
  /** The driver; it owns its pool or PGlite instance, so `driver.close()` ends it. */
  readonly driver: Driver;
  readonly kind: "postgres" | "pglite";
  /** Where we connected; never contains a password. */
  readonly description: string;
}

/** The libpq variables node-postgres reads (the ones that say "connect to PostgreSQL"). */
const LIBPQ_VARIABLES = ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"] as const;

/** Default PGlite data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = ".pgqueuer";

/**
 * Decide where and how to connect, validating every setting; opens nothing.
 * @throws InvalidArgumentError naming the option or environment variable at fault.
 */
export function resolveConnection(options: ConnectOptions = {}, env: Env = process.env): ResolvedConnection {
  const target = resolveTarget(options, env);
  const poolMaxSize = integerSetting("poolMaxSize", "PGQUEUER_POOL_MAX_SIZE", options.poolMaxSize, env, 5, 1);
  const poolMinSize = integerSetting("poolMinSize", "PGQUEUER_POOL_MIN_SIZE", options.poolMinSize, env, 1, 0);
  if (poolMinSize > poolMaxSize) {
    const setting = options.poolMinSize === undefined ? "PGQUEUER_POOL_MIN_SIZE" : "poolMinSize";
    throw new InvalidArgumentError(setting, `must not exceed the pool max size (${poolMaxSize}), got ${poolMinSize}`);
  }
  const connectTimeout = resolveConnectTimeout(options.connectTimeout, env);
  const applicationName = resolveApplicationName(options.applicationName, env);
  return { target, poolMinSize, poolMaxSize, connectTimeout, applicationName, description: describeTarget(target, env) };
}

/**
 * Open a driver from options and the environment (see the module documentation for the
 * order). On PostgreSQL the driver is a {@link PgPoolDriver} over a pool it owns, and one
 * `SELECT 1` has proved the connection; otherwise a {@link PGliteDriver} over an instance
 * it owns. A PGlite data directory must not be opened by two processes at once.
 *
 * @throws InvalidArgumentError for an invalid setting (before connecting).
 * @throws ConnectionError / DatabaseError when the database cannot be reached.
 */
export async function openDriver(options: ConnectOptions = {}, env: Env = process.env): Promise<OpenedDriver> {
  const resolved = resolveConnection(options, env);
  const { target, description } = resolved;
  if (target.kind === "pglite") return { driver: await openPGlite(target.dataDir), kind: "pglite", description };

  if (resolved.poolMaxSize < 2) {
    // The pool driver holds one connection for LISTEN; say so with the setting's own name.
    const setting = options.poolMaxSize === undefined ? "PGQUEUER_POOL_MAX_SIZE" : "poolMaxSize";
    throw new InvalidArgumentError(setting, `must be at least 2 on PostgreSQL (LISTEN holds one connection), got ${resolved.poolMaxSize}`);
  }
  const pool = new pg.Pool({
    ...(target.dsn === undefined ? libpqConfig(env) : { connectionString: target.dsn }),
    min: resolved.poolMinSize,
    max: resolved.poolMaxSize,
    ...(resolved.connectTimeout === undefined ? {} : { connectionTimeoutMillis: resolved.connectTimeout }),
    ...(resolved.applicationName === undefined ? {} : { application_name: resolved.applicationName }),
  });
  // An idle connection that dies is dropped by the pool and replaced on demand; without a
  // listener pg would raise the error as an uncaught exception.
  pool.on("error", () => undefined);
  const driver = new PgPoolDriver(pool, { ownsPool: true });
  try {
    await driver.query({ text: "SELECT 1" });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw toDatabaseError(error);
  }
  return { driver, kind: "postgres", description };
}

/**
 * Hide the password of a connection string: `postgres://user:secret@host` becomes
 * `postgres://user:***@host`; `password=...` (URI query or keyword/value form) becomes `***`.
 */
export function redactDsn(dsn: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(dsn);
  if (scheme === null) return dsn.replace(/(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|\S*)/gi, "$1***");
  const rest = dsn.slice(scheme[0].length);
  const queryStart = rest.search(/[?#]/);
  const head = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const tail = queryStart === -1 ? "" : rest.slice(queryStart);
  // The host cannot contain '@', a password may: the user information ends at the last one.
  const at = head.lastIndexOf("@");
  const colon = at === -1 ? -1 : head.slice(0, at).indexOf(":");
  const redactedHead = colon === -1 ? head : `${head.slice(0, colon)}:***${head.slice(at)}`;
  return scheme[0] + redactedHead + tail.replace(/([?&](?:ssl)?password=)[^&#]*/gi, "$1***");
}

function resolveTarget(options: ConnectOptions, env: Env): ConnectionTarget {
  if (options.dsn !== undefined) {
    if (typeof options.dsn !== "string" || options.dsn.trim() === "") {
      throw new InvalidArgumentError("dsn", "must be a non-empty connection string");
    }
    return { kind: "postgres", source: "dsn", dsn: options.dsn };
  }
  for (const name of ["PGQUEUER_DSN", "PGDSN"] as const) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return { kind: "postgres", source: name, dsn: value };
  }
  if (LIBPQ_VARIABLES.some((name) => nonEmpty(env[name]))) return { kind: "postgres", source: "PG environment", dsn: undefined };
  const fromEnv = nonEmpty(env.PGQUEUER_DATA_DIR) ? env.PGQUEUER_DATA_DIR : undefined;
  const dataDir = options.dataDir ?? fromEnv ?? DEFAULT_DATA_DIR;
  if (typeof dataDir !== "string" || dataDir.trim() === "") {
    throw new InvalidArgumentError("dataDir", "must be a non-empty directory path");
  }
  // `memory://` and other PGlite URLs are passed on as they are.
  return { kind: "pglite", dataDir: dataDir.includes("://") ? dataDir : resolvePath(dataDir) };
}

function describeTarget(target: ConnectionTarget, env: Env): string {
  if (target.kind === "pglite") return `embedded PGlite (${target.dataDir})`;
  if (target.dsn !== undefined) return `PostgreSQL via ${target.source} (${redactDsn(target.dsn)})`;
  const parts = [["host", "PGHOST"], ["port", "PGPORT"], ["database", "PGDATABASE"], ["user", "PGUSER"]]
    .filter(([, name]) => nonEmpty(env[name!]))
    .map(([key, name]) => `${key}=${env[name!]}`);
  return `PostgreSQL via PG* environment${parts.length === 0 ? "" : ` (${parts.join(" ")})`}`;
}

/** Pool settings from the libpq variables in `env` (pg itself would only read `process.env`). */
function libpqConfig(env: Env): pg.PoolConfig {
  const config: pg.PoolConfig = {};
  if (nonEmpty(env.PGHOST)) config.host = env.PGHOST;
  if (nonEmpty(env.PGPORT)) config.port = Number(env.PGPORT);
  if (nonEmpty(env.PGDATABASE)) config.database = env.PGDATABASE;
  if (nonEmpty(env.PGUSER)) config.user = env.PGUSER;
  if (nonEmpty(env.PGPASSWORD)) config.password = env.PGPASSWORD;
  return config;
}

async function openPGlite(dataDir: string): Promise<Driver> {
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
  let db: PGlite;
  try {
    db = new PGlite(dataDir);
    await db.waitReady;
  } catch (error) {
    throw toDatabaseError(error);
  }
  return new PGliteDriver(db, { ownsDb: true });
}

function integerSetting(option: string, variable: string, value: number | undefined, env: Env, fallback: number, minimum: number): number {
  if (value !== undefined) {
    if (!Number.isInteger(value) || value < minimum) throw new InvalidArgumentError(option, `must be an integer >= ${minimum}, got ${String(value)}`);
    return value;
  }
  const raw = env[variable];
  if (!nonEmpty(raw)) return fallback;
  const parsed = /^\s*\+?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < minimum) throw new InvalidArgumentError(variable, `must be an integer >= ${minimum}, got ${JSON.stringify(raw)}`);
  return parsed;
}

function resolveConnectTimeout(value: number | undefined, env: Env): number | undefined {
  if (value !== undefined) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError("connectTimeout", `must be a positive number of milliseconds, got ${String(value)}`);
    }
    return Math.ceil(value);
  }
  const raw = env.PGQUEUER_CONNECT_TIMEOUT;
  if (nonEmpty(raw)) {
    const seconds = parseSeconds(raw);
    if (seconds === undefined || seconds <= 0) {
      throw new InvalidArgumentError("PGQUEUER_CONNECT_TIMEOUT", `must be a positive number of seconds (e.g. "4.5"), got ${JSON.stringify(raw)}`);
    }
    return Math.ceil(seconds * 1000);
  }
  const libpq = env.PGCONNECT_TIMEOUT;
  if (!nonEmpty(libpq)) return undefined;
  const seconds = parseSeconds(libpq);
  if (seconds === undefined) throw new InvalidArgumentError("PGCONNECT_TIMEOUT", `must be a number of seconds, got ${JSON.stringify(libpq)}`);
  // libpq: zero or negative means wait indefinitely.
  return seconds <= 0 ? undefined : Math.ceil(seconds * 1000);
}

function resolveApplicationName(value: string | undefined, env: Env): string | undefined {
  if (value !== undefined) {
    if (typeof value !== "string" || value === "") throw new InvalidArgumentError("applicationName", "must be a non-empty string");
    return value;
  }
  const raw = env.PGQUEUER_APPLICATION_NAME;
  return nonEmpty(raw) ? raw : undefined;
}

function parseSeconds(raw: string): number | undefined {
  const trimmed = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  const seconds = Number(trimmed);
  return Number.isFinite(seconds) ? seconds : undefined;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}
