/**
 * Serving metrics over HTTP: a plain Node request handler to mount on any server (`http`,
 * Express, Fastify's raw handler, ...), and a standalone server for `pgq metrics --port`.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { coerceError, InvalidArgumentError } from "../domain/errors.js";
import { silentLogger, type Logger } from "../domain/logger.js";
import { isRegistry } from "./job-metrics.js";
import { registerQueueMetrics, type QueueMetricsSource } from "./queue-metrics.js";

/** A Node HTTP request handler. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /** The registry to expose. */
  readonly registry: Registry;
  /** Told about failed scrapes; silent by default. */
  readonly logger?: Logger;
}

/**
 * A request handler answering every GET (and HEAD) with the registry in the Prometheus text
 * format; other methods get 405. It does not look at the path: mount it where you want it.
 * A scrape whose collection fails (e.g. the database is down) gets a 500, so Prometheus marks
 * the target down instead of recording stale numbers.
 */
export function metricsHandler(registryOrOptions: Registry | MetricsHandlerOptions): RequestHandler {
  const options: MetricsHandlerOptions = isRegistry(registryOrOptions) ? { registry: registryOrOptions } : registryOrOptions;
  if (!isRegistry(options?.registry)) throw new InvalidArgumentError("registry", "must be a prom-client Registry");
  const { registry } = options;
  const logger = options.logger ?? silentLogger;
  return (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
      return;
    }
    registry.metrics().then(
      (body) => {
        response.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
        response.end(request.method === "HEAD" ? undefined : body);
      },
      (error: unknown) => {
        logger.error({ err: coerceError(error) }, "collecting metrics failed");
        // The error text may carry SQL or connection details: keep it in the log, not the response.
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("collecting metrics failed\n");
      },
    );
  };
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** TCP port (0 picks a free one; read it back from `server.port`). */
  readonly port: number;
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` for every interface). */
  readonly host?: string;
  /** The database reads behind the queue gauges (usually `pgq.queries`). */
  readonly queries: QueueMetricsSource;
  /**
   * The registry to serve (default: a new dedicated one). The queue gauges are added to it;
   * pass the registry of a `createMetricsObserver` to serve worker metrics from the same port.
   */
  readonly registry?: Registry;
  /** URL path of the endpoint (default `/metrics`); other paths get 404. */
  readonly path?: string;
  /** Milliseconds a database read is reused across scrapes (default 1000). */
  readonly cacheTtl?: number;
  /** Window of `pgqueuer_logs_count` in ms (default 5 minutes; `null` leaves it out). */
  readonly logWindow?: number | null;
  readonly logger?: Logger;
}

/** A running metrics server. */
export interface MetricsServer extends AsyncDisposable {
  /** The endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  readonly registry: Registry;
  /** Stop listening and close open connections. */
  close(): Promise<void>;
}

/** Start a standalone HTTP server exposing the queue metrics (what `pgq metrics --port` runs). */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { port } = options;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new InvalidArgumentError("port", `must be an integer from 0 to 65535, got ${String(port)}`);
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/metrics";
  if (typeof path !== "string" || !path.startsWith("/")) throw new InvalidArgumentError("path", `must start with "/", got ${JSON.stringify(path)}`);
  const registry = options.registry ?? new Registry();
  registerQueueMetrics({
    registry,
    queries: options.queries,
    ...(options.cacheTtl === undefined ? {} : { cacheTtl: options.cacheTtl }),
    ...(options.logWindow === undefined ? {} : { logWindow: options.logWindow }),
  });
  const logger = options.logger ?? silentLogger;
  const handle = metricsHandler({ registry, logger });
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    if (pathname === path) handle(request, response);
    else response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found; metrics are at ${path}\n`);
  });
  await listen(server, port, host);
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}${path}`;
  logger.info({ url }, "metrics server listening");
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }));
  return { url, port: bound, registry, close, [Symbol.asyncDispose]: close };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
