/**
 * The standalone dashboard server (`pgq web`): the handler on its own HTTP server, bound to
 * 127.0.0.1 by default.
 *
 * On a loopback address the server also checks the `Host` header: a web page elsewhere could
 * otherwise point its own host name at 127.0.0.1 (DNS rebinding) and read the dashboard as a
 * same-origin page, CSRF token included.
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidArgumentError } from "../domain/errors.js";
import { silentLogger } from "../domain/logger.js";
import { createDashboardHandler, type DashboardHandler, type DashboardOptions } from "./handler.js";

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions extends DashboardOptions {
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` for every interface — then set auth). */
  readonly host?: string;
  /** TCP port; 0 picks a free one (read it back from `server.port`). */
  readonly port: number;
  /**
   * Host names (without port) the `Host` header may carry. Default: on a loopback address,
   * `localhost`, `127.0.0.1` and `::1`; elsewhere, any.
   */
  readonly allowedHosts?: readonly string[] | null;
}

/** A running dashboard server. */
export interface DashboardServer extends AsyncDisposable {
  /** The dashboard's URL, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly handler: DashboardHandler;
  /** Stop listening, end event streams and LISTEN. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Start the dashboard on its own HTTP server. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { port } = options;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new InvalidArgumentError("port", `must be an integer from 0 to 65535, got ${String(port)}`);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw new InvalidArgumentError("host", `must be a non-empty host name or address, got ${JSON.stringify(host)}`);
  const allowed = allowedHostsFor(host, options.allowedHosts);
  const logger = options.logger ?? silentLogger;
  const handler = createDashboardHandler(options);
  const server = createServer((request, response) => {
    if (allowed !== null && !allowed.has(hostName(request.headers.host))) {
      response.writeHead(421, { "content-type": "text/plain; charset=utf-8" }).end("misdirected request: unexpected Host header\n");
      return;
    }
    handler(request, response);
  });
  await listen(server, port, host);
  const bound = (server.address() as AddressInfo).port;
  const base = options.basePath ?? "";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}${base}/`;
  if (!handler.authenticated) {
    const exposed = !LOOPBACK.has(host);
    logger[exposed ? "warn" : "info"]({ url }, `dashboard running WITHOUT authentication${exposed ? " on a non-loopback address: set PGQUEUER_WEB_USER and PGQUEUER_WEB_PASSWORD" : ""}`);
  }
  logger.info({ url }, "dashboard listening");
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await handler.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    })());
  return { url, host, port: bound, handler, close, [Symbol.asyncDispose]: close };
}

function allowedHostsFor(host: string, option: readonly string[] | null | undefined): Set<string> | null {
  if (option === null) return null;
  if (option !== undefined) {
    if (!Array.isArray(option) || option.some((name) => typeof name !== "string" || name === "")) {
      throw new InvalidArgumentError("allowedHosts", "must be an array of host names, or null to allow any");
    }
    return new Set(option.map((name) => name.toLowerCase().replace(/^\[|\]$/g, "")));
  }
  return LOOPBACK.has(host) ? new Set(LOOPBACK) : null;
}

/** The host name of a `Host` header, without port and IPv6 brackets, lower-cased. */
function hostName(header: string | undefined): string {
  if (header === undefined) return "";
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]") === -1 ? undefined : value.indexOf("]"));
  const colon = value.lastIndexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
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
