/**
 * The web dashboard: a request handler to mount in your own server, a standalone server, and
 * the entry point of `pgq web`. See docs/web.md.
 *
 * @module
 */
import { InvalidArgumentError } from "../domain/errors.js";
import { startDashboardServer, type DashboardServer, type DashboardServerOptions } from "./server.js";

export { createDashboardHandler, type DashboardHandler, type DashboardOptions, type NextFunction } from "./handler.js";
export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from "./server.js";
export {
  DashboardInsights,
  clampWindow,
  type InsightSources,
  type Overview,
  type BacklogRow,
  type EntrypointCounts,
  type EntrypointStats,
  type JobsPage,
  type JobsStatusFilter,
  type JobDetail,
  type FailuresPage,
  type WorkersView,
  type SystemView,
  type DurabilityState,
} from "./insights.js";
export type { BasicAuthCredentials } from "./security.js";
export { previewPayload, type PayloadPreview, type PayloadKind } from "./format.js";

/** Options of {@link runWebCommand}: the server's options with host and port defaulted from the environment. */
export interface WebCommandOptions extends Omit<DashboardServerOptions, "host" | "port"> {
  /** Interface to bind (default `PGQUEUER_WEB_HOST`, else `127.0.0.1`). */
  readonly host?: string;
  /** TCP port (default `PGQUEUER_WEB_PORT`, else 8080). */
  readonly port?: number;
  /** Aborting it shuts the server down; without it, SIGINT/SIGTERM do. */
  readonly signal?: AbortSignal;
  /** Called once the server listens (print `server.url`). */
  readonly onListening?: (server: DashboardServer) => void;
}

/**
 * Run the dashboard until `signal` aborts (or SIGINT/SIGTERM), then close it. What `pgq web`
 * calls, with the database the CLI opened.
 * @throws InvalidArgumentError for a bad host/port (including from the environment).
 */
export async function runWebCommand(options: WebCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  const host = options.host ?? (env.PGQUEUER_WEB_HOST || "127.0.0.1");
  const port = options.port ?? portFromEnvironment(env.PGQUEUER_WEB_PORT);
  const server = await startDashboardServer({ ...options, host, port });
  try {
    options.onListening?.(server);
    await stopped(options.signal);
  } finally {
    await server.close();
  }
}

function portFromEnvironment(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 8080;
  if (!/^\s*\d{1,5}\s*$/.test(raw) || Number(raw) > 65_535) throw new InvalidArgumentError("PGQUEUER_WEB_PORT", `must be a port number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal !== undefined) {
    return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
