/**
 * Reading requests: where the dashboard is mounted, strict query parameters (a malformed value
 * is a 400 naming the parameter, never a silent default), and url-encoded form bodies.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import { InvalidArgumentError } from "../domain/errors.js";

/** The most bytes of a form body read (a form carries a token and some ids). */
const MAX_FORM_BYTES = 256 * 1024;

/** Where a request points, relative to the dashboard's mount point. */
export interface MountedRequest {
  /** The mount prefix, without a trailing slash (`""` at the root, `/pgq` under a prefix). */
  readonly base: string;
  /** The path below the mount point, starting with `/`. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * Locate the request under the mount point, or null when it is outside it.
 *
 * Frameworks that mount handlers under a prefix (Express `app.use("/pgq", ...)`, Fastify's
 * middie) strip the prefix from `req.url` and keep the full one in `req.originalUrl`; the
 * difference is the prefix. Plain `http` (and Hono's node adapter) pass the full URL, so the
 * configured `basePath` is stripped here.
 */
export function locate(request: IncomingMessage & { originalUrl?: unknown }, basePath: string | undefined): MountedRequest | null {
  const url = parseTarget(request.url ?? "/");
  const original = typeof request.originalUrl === "string" ? parseTarget(request.originalUrl).pathname : url.pathname;
  let path = url.pathname;
  let base = "";
  if (original !== url.pathname) {
    // Stripped by the framework: `/pgq/jobs` → `/jobs`, and `/pgq` → `/`.
    base = original.endsWith(url.pathname) ? original.slice(0, original.length - url.pathname.length) : url.pathname === "/" ? original : "";
    base = base.replace(/\/+$/, "");
  } else if (basePath !== undefined && basePath !== "") {
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return null;
    base = basePath;
    path = path.slice(basePath.length) || "/";
  }
  return { base, path, query: url.searchParams };
}

const ORIGIN = "http://dashboard.invalid";

/**
 * Parse a request target. A path (`/jobs?page=2`) is read as a path even when it starts with
 * `//`, which a URL parser would take for a host (`//` alone is not even a valid URL); an
 * absolute http(s) URL (proxy form) keeps only its path and query.
 * @throws InvalidArgumentError naming `url` for a target that is neither (a 400, not a 500).
 */
function parseTarget(target: string): URL {
  let url: URL | null;
  try {
    url = target.startsWith("/") ? new URL(`${ORIGIN}${target}`) : new URL(target, ORIGIN);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InvalidArgumentError("url", `is not a request path, got ${JSON.stringify(target.length > 100 ? `${target.slice(0, 100)}…` : target)}`);
  }
  return url;
}

/** Validate a configured mount prefix: `""` or `/segment[/segment...]`, no trailing slash. */
export function checkBasePath(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || (value !== "" && !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(value))) {
    throw new InvalidArgumentError("basePath", `must be "" or a path such as "/pgq" (no trailing slash), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** An integer query parameter within [minimum, maximum] (`page`), or `fallback` when absent or empty. */
export function integerParameter(query: URLSearchParams, name: string, fallback: number, minimum = 1, maximum = Number.MAX_SAFE_INTEGER): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < minimum) throw new InvalidArgumentError(name, `must be an integer >= ${minimum}, got ${JSON.stringify(raw)}`);
  if (Number(raw) > maximum) throw new InvalidArgumentError(name, `must be at most ${maximum}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * A text query parameter (`entrypoint`), or null when absent or empty. PostgreSQL text cannot
 * hold NUL, so a `%00` is refused here as a 400 rather than failing in the database.
 */
export function textParameter(query: URLSearchParams, name: string): string | null {
  const raw = query.get(name);
  if (raw === null || raw === "") return null;
  if (raw.includes("\u0000")) throw new InvalidArgumentError(name, "must not contain NUL (%00) characters");
  return raw;
}

/** One of `allowed`, or `fallback` when absent or empty. */
export function choiceParameter<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new InvalidArgumentError(name, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** A job id from a path segment or form field. */
export function parseJobId(raw: string, name = "id"): number {
  const value = raw.trim();
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
    throw new InvalidArgumentError(name, `must be a positive integer job id, got ${JSON.stringify(raw)}`);
  }
  return Number(value);
}

/**
 * The url-encoded form of a POST. When a framework already consumed the stream and parsed the
 * body (`req.body`, e.g. `express.urlencoded()`), that is used. A `req.body` set by a parser
 * that did not read the stream (`express.json()` leaves `{}` for other content types) is
 * ignored and the stream read here.
 */
export async function readForm(request: IncomingMessage & { body?: unknown }): Promise<URLSearchParams> {
  const parsed = request.body;
  if (request.readableEnded && typeof parsed === "object" && parsed !== null && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      for (const item of Array.isArray(value) ? value : [value]) if (typeof item === "string") form.append(key, item);
    }
    return form;
  }
  // A raw or text body parser consumed the stream but kept the bytes.
  if (request.readableEnded && (typeof parsed === "string" || Buffer.isBuffer(parsed))) return new URLSearchParams(parsed.toString());
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "" && type !== "application/x-www-form-urlencoded") {
    throw new InvalidArgumentError("content-type", `must be application/x-www-form-urlencoded, got ${JSON.stringify(type)}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_FORM_BYTES) throw new InvalidArgumentError("body", `must be at most ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
