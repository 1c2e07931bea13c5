/**
 * The dashboard's defences: HTTP Basic authentication (constant-time comparison), CSRF
 * protection for every mutating request, and the response headers (a strict, nonce-based
 * Content-Security-Policy among them).
 *
 * CSRF uses a double-submit cookie bound to a per-process secret: each browser gets a random
 * cookie (`HttpOnly`, `SameSite=Strict`), and every form carries HMAC(secret, cookie). A forged
 * request from another site can neither read the cookie nor compute the token. On top of that,
 * a request whose `Origin` names another host, or whose `Sec-Fetch-Site` says `cross-site` or
 * `same-site`, is refused before the token is even looked at.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidArgumentError } from "../domain/errors.js";

/** Credentials of HTTP Basic authentication. */
export interface BasicAuthCredentials {
  readonly username: string;
  readonly password: string;
}

/** The cookie holding the browser's CSRF secret half. */
export const CSRF_COOKIE = "pgq_csrf";
/** The form field (or `x-csrf-token` header) carrying the token. */
export const CSRF_FIELD = "csrf";

/**
 * Credentials from the options or, when the option is absent, from `PGQUEUER_WEB_USER` and
 * `PGQUEUER_WEB_PASSWORD`. `null` means no authentication.
 * @throws InvalidArgumentError when only one of the two is set: half a configuration must not
 *   silently leave the dashboard open.
 */
export function resolveCredentials(
  option: BasicAuthCredentials | null | undefined,
  env: Readonly<Record<string, string | undefined>>,
): BasicAuthCredentials | null {
  if (option === null) return null;
  if (option !== undefined) {
    if (typeof option !== "object" || typeof option.username !== "string" || typeof option.password !== "string" || option.username === "" || option.password === "") {
      throw new InvalidArgumentError("auth", "must be { username, password } with non-empty strings, or null to disable authentication");
    }
    if (option.username.includes(":")) throw new InvalidArgumentError("auth.username", "must not contain ':' (HTTP Basic separates user and password with it)");
    return { username: option.username, password: option.password };
  }
  const username = env.PGQUEUER_WEB_USER ?? "";
  const password = env.PGQUEUER_WEB_PASSWORD ?? "";
  if (username === "" && password === "") return null;
  if (username === "") throw new InvalidArgumentError("PGQUEUER_WEB_USER", "must be set when PGQUEUER_WEB_PASSWORD is");
  if (password === "") throw new InvalidArgumentError("PGQUEUER_WEB_PASSWORD", "must be set when PGQUEUER_WEB_USER is");
  if (username.includes(":")) throw new InvalidArgumentError("PGQUEUER_WEB_USER", "must not contain ':'");
  return { username, password };
}

/** Compares credentials without leaking, through timing, how much of a guess was right. */
export class BasicAuthGuard {
  readonly #key = randomBytes(32);
  readonly #expected: Buffer;

  constructor(credentials: BasicAuthCredentials) {
    this.#expected = this.#digest(`${credentials.username}:${credentials.password}`);
  }

  /** Whether the request's `Authorization` header carries the configured credentials. */
  allows(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? "";
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match?.[1] === undefined ? "" : Buffer.from(match[1], "base64").toString("utf8");
    // Digests have a fixed length, so the comparison time depends on neither input's length.
    return timingSafeEqual(this.#digest(given), this.#expected);
  }

  #digest(text: string): Buffer {
    return createHmac("sha256", this.#key).update(text).digest();
  }
}

/** Issues and checks CSRF tokens bound to one secret. */
export class CsrfGuard {
  readonly #secret: Buffer;

  /** @param secret the per-process secret (random when absent). */
  constructor(secret?: Uint8Array | string) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
    if (this.#secret.byteLength < 16) throw new InvalidArgumentError("csrfSecret", "must be at least 16 bytes");
  }

  /** A fresh random cookie value. */
  newCookieValue(): string {
    return randomBytes(24).toString("base64url");
  }

  /** The token forms must carry for a given cookie value. */
  tokenFor(cookieValue: string): string {
    return createHmac("sha256", this.#secret).update(cookieValue).digest("base64url");
  }

  /** Whether `token` belongs to `cookieValue`. */
  verify(cookieValue: string | undefined, token: string | undefined): boolean {
    if (cookieValue === undefined || token === undefined || !isCookieValue(cookieValue)) return false;
    const expected = Buffer.from(this.tokenFor(cookieValue));
    const given = Buffer.from(token);
    return given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
  }
}

/** Whether a cookie value has the shape {@link CsrfGuard.newCookieValue} produces. */
export function isCookieValue(value: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(value);
}

/** The value of one cookie of the request. */
export function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator !== -1 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * Whether the request provably comes from a page of this origin, judged by the headers
 * browsers set and pages cannot forge: `Sec-Fetch-Site`, then `Origin` against `Host`.
 */
export function isSameOrigin(request: IncomingMessage): boolean {
  const site = request.headers["sec-fetch-site"];
  if (typeof site === "string" && site !== "same-origin" && site !== "none") return false;
  const origin = request.headers.origin;
  if (typeof origin === "string" && origin !== "null") {
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }
  return origin !== "null";
}

/** A fresh nonce for one page's inline style and script. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * Headers every response carries. The policy allows only this page's nonce for script and
 * style, fetches and forms to this origin, and no framing.
 */
export function securityHeaders(nonce: string | null): Record<string, string> {
  const source = nonce === null ? "'none'" : `'nonce-${nonce}'`;
  return {
    "content-security-policy": [
      "default-src 'none'",
      `script-src ${source}`,
      `style-src ${source}`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
  };
}

/** Answer 401 with the Basic challenge. */
export function sendUnauthorized(response: ServerResponse): void {
  response.writeHead(401, {
    ...securityHeaders(null),
    "www-authenticate": 'Basic realm="pgqueuer", charset="UTF-8"',
    "content-type": "text/plain; charset=utf-8",
  });
  response.end("authentication required\n");
}
