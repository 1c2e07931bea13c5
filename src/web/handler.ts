/**
 * `createDashboardHandler`: the dashboard as one Node request handler, to mount in plain
 * `http`, Express, Fastify (through middie) or Hono's node adapter, under any path prefix.
 * See docs/web.md for mounting examples and routes.ts for the routes.
 *
 * Per request: locate it under the mount point → `/healthz` (no authentication, so
 * orchestrators can probe) → Basic authentication when configured → GET renders a screen or
 * its fragment, or streams events; POST checks origin and CSRF token, acts, and redirects
 * back (303) with a notice, so every action also works without JavaScript.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { coerceError, InvalidArgumentError, PgQueuerTypeError } from "../domain/errors.js";
import { silentLogger, type Logger } from "../domain/logger.js";
import type { JobId } from "../domain/types.js";
import { DashboardInsights, type InsightSources } from "./insights.js";
import { QueueChangeBroadcaster, streamEvents } from "./live-updates.js";
import type { PageContext } from "./pages/components.js";
import { renderDocument, renderErrorDocument } from "./pages/layout.js";
import { checkBasePath, locate, parseJobId, readForm } from "./request.js";
import { findAction, findScreen, noticeText, noticeValue, performAction } from "./routes.js";
import {
  BasicAuthGuard,
  CSRF_COOKIE,
  CSRF_FIELD,
  CsrfGuard,
  isCookieValue,
  isSameOrigin,
  newNonce,
  readCookie,
  resolveCredentials,
  securityHeaders,
  sendUnauthorized,
  type BasicAuthCredentials,
} from "./security.js";

/** Options of {@link createDashboardHandler}. */
export interface DashboardOptions extends InsightSources {
  /**
   * The path prefix the dashboard is served under (`/pgq`), needed when the server passes the
   * full URL (plain `http`, Hono). Frameworks that strip the prefix (Express, middie) are
   * detected through `req.originalUrl`. Default: the root.
   */
  readonly basePath?: string;
  /**
   * HTTP Basic credentials; `null` disables authentication. Default: `PGQUEUER_WEB_USER` and
   * `PGQUEUER_WEB_PASSWORD` when both are set, else none.
   */
  readonly auth?: BasicAuthCredentials | null;
  /** Hide every action and refuse mutations with 403 (default false). */
  readonly readOnly?: boolean;
  /** Serve `/events` and push changes to open pages (default true). */
  readonly liveUpdates?: boolean;
  /** Milliseconds a burst of notifications is collected before one push (default 250). */
  readonly debounce?: number;
  /** Milliseconds of silence before an SSE keep-alive comment (default 15 000). */
  readonly keepAlive?: number;
  /** The secret CSRF tokens are bound to (default: random, per handler). */
  readonly csrfSecret?: Uint8Array | string;
  /** Where `PGQUEUER_WEB_*` are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
}

/** Continue with the next middleware (Express / Connect signature). */
export type NextFunction = (error?: unknown) => void;

/** A mountable request handler that also owns a LISTEN connection and open event streams. */
export interface DashboardHandler {
  (request: IncomingMessage, response: ServerResponse, next?: NextFunction): void;
  /** Whether Basic authentication is on. */
  readonly authenticated: boolean;
  /** Stop listening and end every open event stream (the server itself is the caller's). */
  close(): Promise<void>;
}

/**
 * Build the dashboard's request handler.
 * @throws InvalidArgumentError / PgQueuerTypeError for bad options, before anything is opened.
 */
export function createDashboardHandler(options: DashboardOptions): DashboardHandler {
  checkSources(options);
  const basePath = checkBasePath(options.basePath);
  const credentials = resolveCredentials(options.auth, options.env ?? process.env);
  const auth = credentials === null ? null : new BasicAuthGuard(credentials);
  const csrf = new CsrfGuard(options.csrfSecret);
  const readOnly = options.readOnly ?? false;
  const logger = options.logger ?? silentLogger;
  const insights = new DashboardInsights(options);
  const broadcaster =
    options.liveUpdates === false
      ? null
      : new QueueChangeBroadcaster({ driver: options.driver, channel: options.queries.settings.names.channel, logger, ...(options.debounce === undefined ? {} : { debounce: options.debounce }) });
  const streams = new Set<ServerResponse>();

  async function handle(request: IncomingMessage, response: ServerResponse, next: NextFunction | undefined): Promise<void> {
    const mounted = locate(request, basePath);
    if (mounted === null) {
      if (next !== undefined) next();
      else sendError(response, null, 404, "Not found.");
      return;
    }
    const { base, query } = mounted;
    const path = mounted.path.length > 1 ? mounted.path.replace(/\/+$/, "") : mounted.path;
    const method = request.method ?? "GET";
    if (path === "/healthz") return health(request, response);
    if (auth !== null && !auth.allows(request)) return sendUnauthorized(response);

    const cookie = ensureCsrfCookie(request, response, base);
    const fragment = path === "/partials" || path.startsWith("/partials/");
    const screenPath = fragment ? path.slice("/partials".length) || "/" : path;
    const context: PageContext = { base, csrfToken: csrf.tokenFor(cookie), readOnly, current: withoutNotice(screenPath, query) };

    if (method === "POST") return act(request, response, context, cookie, screenPath);
    if (method !== "GET" && method !== "HEAD") {
      response.setHeader("allow", "GET, HEAD, POST");
      return sendError(response, context, 405, `Method ${method} is not allowed here.`);
    }
    if (path === "/events" && broadcaster !== null && method === "GET") {
      await streamEvents(response, { broadcaster, headers: securityHeaders(null), open: streams, ...(options.keepAlive === undefined ? {} : { keepAlive: options.keepAlive }) });
      return;
    }
    if (screenPath === "/jobs/goto") {
      const raw = query.get("id")?.trim() ?? "";
      return redirect(response, `${base}${raw === "" ? "/jobs" : `/jobs/${parseJobId(raw)}`}`);
    }
    const render = findScreen(screenPath);
    const screen = render === null ? null : await render(insights, context, query);
    if (screen === null) return sendError(response, context, 404, render === null ? "Not found." : "No job with this id is in the queue or its log.");
    if (fragment) {
      response.writeHead(200, { ...securityHeaders(null), "content-type": "text/html; charset=utf-8" }).end(screen.body.toString());
      return;
    }
    const nonce = newNonce();
    const search = new URLSearchParams(query);
    search.delete("notice");
    const document = renderDocument(screen, {
      context,
      nonce,
      fragmentUrl: `${base}/partials${screenPath === "/" ? "" : screenPath}${search.size === 0 ? "" : `?${search.toString()}`}`,
      eventsUrl: broadcaster === null ? null : `${base}/events`,
      notice: noticeText(query.get("notice")),
    });
    response.writeHead(200, { ...securityHeaders(nonce), "content-type": "text/html; charset=utf-8" }).end(document.toString());
  }

  async function act(request: IncomingMessage, response: ServerResponse, context: PageContext, cookie: string, path: string): Promise<void> {
    const action = findAction(path);
    if (action === null) return sendError(response, context, 404, "Not found.");
    if (readOnly) return sendError(response, context, 403, "This dashboard is read-only.");
    // Origin first: a cross-site request is refused before its body is even read.
    if (!isSameOrigin(request)) return sendError(response, context, 403, "Cross-site request refused.");
    const form = await readForm(request);
    const header = request.headers["x-csrf-token"];
    const token = form.get(CSRF_FIELD) ?? (typeof header === "string" ? header : undefined);
    if (!csrf.verify(cookie, token)) return sendError(response, context, 403, "Missing or invalid CSRF token: reload the page and try again.");
    const ids: JobId[] = form.getAll("ids").map((raw) => parseJobId(raw, "ids"));
    const affected = ids.length === 0 ? [] : await performAction(insights, action, ids);
    const target = new URL(safeReturnPath(form.get("return_to")), "http://dashboard.invalid");
    target.searchParams.set("notice", noticeValue(action, affected.length));
    redirect(response, `${context.base}${target.pathname}${target.search}`);
  }

  async function health(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { ...securityHeaders(null), allow: "GET, HEAD", "content-type": "application/json" }).end('{"status":"error","error":"method not allowed"}\n');
      return;
    }
    try {
      const { databaseTime } = await insights.health();
      response.writeHead(200, { ...securityHeaders(null), "content-type": "application/json" }).end(`${JSON.stringify({ status: "ok", databaseTime })}\n`);
    } catch (error) {
      // The reason may carry connection details: it goes to the log, not to the prober.
      logger.warn({ err: coerceError(error) }, "dashboard: health check failed");
      response.writeHead(503, { ...securityHeaders(null), "content-type": "application/json" }).end('{"status":"error","error":"database unavailable"}\n');
    }
  }

  function ensureCsrfCookie(request: IncomingMessage, response: ServerResponse, base: string): string {
    const existing = readCookie(request, CSRF_COOKIE);
    if (existing !== undefined && isCookieValue(existing)) return existing;
    const value = csrf.newCookieValue();
    const secure = (request.socket as { encrypted?: boolean }).encrypted === true ? "; Secure" : "";
    response.setHeader("set-cookie", `${CSRF_COOKIE}=${value}; Path=${base === "" ? "/" : base}; HttpOnly; SameSite=Strict${secure}`);
    return value;
  }

  function sendError(response: ServerResponse, context: PageContext | null, status: number, message: string): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const nonce = newNonce();
    response.writeHead(status, { ...securityHeaders(nonce), "content-type": "text/html; charset=utf-8" }).end(renderErrorDocument(context, nonce, status, message).toString());
  }

  const handler = ((request: IncomingMessage, response: ServerResponse, next?: NextFunction): void => {
    handle(request, response, next).catch((error: unknown) => {
      if (error instanceof InvalidArgumentError) {
        sendError(response, null, 400, `Bad request: ${error.message}`);
        return;
      }
      // Details stay in the log: a database error can name tables, hosts or users.
      logger.error({ err: coerceError(error), url: request.url }, "dashboard: request failed");
      sendError(response, null, 500, "The dashboard could not complete this request; see the server log.");
    });
  }) as DashboardHandler;
  Object.defineProperty(handler, "authenticated", { value: auth !== null, enumerable: true });
  handler.close = async () => {
    await broadcaster?.close();
    for (const stream of streams) stream.end();
    streams.clear();
  };
  return handler;
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { ...securityHeaders(null), location, "content-type": "text/plain; charset=utf-8" }).end(`See ${location}\n`);
}

/** Where a POST may send the browser back to: a path below the mount point, never another site. */
function safeReturnPath(value: string | null): string {
  if (value === null || !value.startsWith("/") || value.startsWith("//") || value.includes("\\") || [...value].some((character) => character < " ")) return "/";
  return value.startsWith("/partials") ? "/" : value;
}

function withoutNotice(path: string, query: URLSearchParams): string {
  const search = new URLSearchParams(query);
  search.delete("notice");
  return `${path}${search.size === 0 ? "" : `?${search.toString()}`}`;
}

function checkSources(options: DashboardOptions): void {
  if (typeof options !== "object" || options === null) throw new PgQueuerTypeError("createDashboardHandler: options must be an object");
  const needs: readonly (readonly [string, unknown, string])[] = [
    ["queries", options.queries, "queueSize"],
    ["scheduleQueries", options.scheduleQueries, "peekSchedules"],
    ["driver", options.driver, "listen"],
  ];
  for (const [name, value, method] of needs) {
    if (typeof value !== "object" || value === null || typeof (value as Record<string, unknown>)[method] !== "function") {
      throw new InvalidArgumentError(name, `must be a ${name === "driver" ? "Driver" : name === "queries" ? "Queries" : "ScheduleQueries"} instance`);
    }
  }
  if (options.schemaManager !== undefined && typeof options.schemaManager?.verify !== "function") throw new InvalidArgumentError("schemaManager", "must be a SchemaManager instance");
  for (const key of ["readOnly", "liveUpdates"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") throw new InvalidArgumentError(key, `must be a boolean, got ${JSON.stringify(options[key])}`);
  }
  for (const key of ["debounce", "keepAlive"] as const) {
    const value = options[key];
    const minimum = key === "keepAlive" ? 1 : 0;
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= minimum)) {
      throw new InvalidArgumentError(key, `must be a number of milliseconds >= ${minimum}, got ${String(value)}`);
    }
  }
}
