/**
 * The dashboard's defences in isolation: credential resolution, constant-time Basic auth, CSRF
 * tokens, the origin check, the response headers, and how a request is located under its
 * mount point. No database.
 */
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { checkBasePath, choiceParameter, integerParameter, locate, parseJobId } from "../../src/web/request.js";
import { BasicAuthGuard, CsrfGuard, isSameOrigin, readCookie, resolveCredentials, securityHeaders } from "../../src/web/security.js";

function request(headers: Record<string, string>, url = "/", extra: Record<string, unknown> = {}): IncomingMessage {
  return { headers, url, ...extra } as unknown as IncomingMessage;
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("credentials", () => {
  it("come from the option first, else from both environment variables, else none", () => {
    expect(resolveCredentials(undefined, {})).toBeNull();
    expect(resolveCredentials(undefined, { PGQUEUER_WEB_USER: "u", PGQUEUER_WEB_PASSWORD: "p" })).toEqual({ username: "u", password: "p" });
    expect(resolveCredentials({ username: "a", password: "b" }, { PGQUEUER_WEB_USER: "u", PGQUEUER_WEB_PASSWORD: "p" })).toEqual({ username: "a", password: "b" });
    expect(resolveCredentials(null, { PGQUEUER_WEB_USER: "u", PGQUEUER_WEB_PASSWORD: "p" })).toBeNull();
  });

  it("refuse half a configuration instead of silently running open", () => {
    expect(() => resolveCredentials(undefined, { PGQUEUER_WEB_USER: "u" })).toThrow(/PGQUEUER_WEB_PASSWORD: must be set/);
    expect(() => resolveCredentials(undefined, { PGQUEUER_WEB_PASSWORD: "p" })).toThrow(/PGQUEUER_WEB_USER: must be set/);
    expect(() => resolveCredentials({ username: "", password: "x" }, {})).toThrow(InvalidArgumentError);
    expect(() => resolveCredentials({ username: "a:b", password: "x" }, {})).toThrow(/auth.username/);
  });

  it("Basic auth accepts exactly the configured pair", () => {
    const guard = new BasicAuthGuard({ username: "admin", password: "s3cret:with colon" });
    expect(guard.allows(request({ authorization: basic("admin", "s3cret:with colon") }))).toBe(true);
    expect(guard.allows(request({ authorization: basic("admin", "s3cret") }))).toBe(false);
    expect(guard.allows(request({ authorization: basic("Admin", "s3cret:with colon") }))).toBe(false);
    expect(guard.allows(request({ authorization: "Bearer abc" }))).toBe(false);
    expect(guard.allows(request({}))).toBe(false);
  });
});

describe("CSRF", () => {
  it("binds a token to its cookie and its secret", () => {
    const guard = new CsrfGuard();
    const cookie = guard.newCookieValue();
    const token = guard.tokenFor(cookie);
    expect(guard.verify(cookie, token)).toBe(true);
    expect(guard.verify(guard.newCookieValue(), token)).toBe(false);
    expect(guard.verify(cookie, undefined)).toBe(false);
    expect(guard.verify(undefined, token)).toBe(false);
    expect(guard.verify(cookie, `${token}x`)).toBe(false);
    expect(new CsrfGuard().verify(cookie, token)).toBe(false);
    expect(new CsrfGuard("a fixed secret of enough bytes").tokenFor(cookie)).toBe(new CsrfGuard("a fixed secret of enough bytes").tokenFor(cookie));
    expect(() => new CsrfGuard("short")).toThrow(/csrfSecret/);
  });

  it("refuses cross-site and foreign-origin requests by their browser headers", () => {
    expect(isSameOrigin(request({ host: "127.0.0.1:8080" }))).toBe(true);
    expect(isSameOrigin(request({ host: "127.0.0.1:8080", "sec-fetch-site": "same-origin", origin: "http://127.0.0.1:8080" }))).toBe(true);
    expect(isSameOrigin(request({ host: "127.0.0.1:8080", "sec-fetch-site": "cross-site" }))).toBe(false);
    expect(isSameOrigin(request({ host: "127.0.0.1:8080", "sec-fetch-site": "same-site" }))).toBe(false);
    expect(isSameOrigin(request({ host: "127.0.0.1:8080", origin: "http://evil.example" }))).toBe(false);
    expect(isSameOrigin(request({ host: "127.0.0.1:8080", origin: "null" }))).toBe(false);
  });

  it("reads one cookie among several", () => {
    expect(readCookie(request({ cookie: "a=1; pgq_csrf=abc; b=2" }), "pgq_csrf")).toBe("abc");
    expect(readCookie(request({}), "pgq_csrf")).toBeUndefined();
  });

  it("sends a nonce-based CSP that allows no other script", () => {
    const headers = securityHeaders("n0nce");
    expect(headers["content-security-policy"]).toContain("script-src 'nonce-n0nce'");
    expect(headers["content-security-policy"]).toContain("default-src 'none'");
    expect(headers["content-security-policy"]).not.toContain("unsafe-inline");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(securityHeaders(null)["content-security-policy"]).toContain("script-src 'none'");
  });
});

describe("request parsing", () => {
  it("locates a request under a configured prefix (plain http) or a framework's mount point", () => {
    expect(locate(request({}, "/jobs?page=2"), undefined)).toMatchObject({ base: "", path: "/jobs" });
    expect(locate(request({}, "/pgq/jobs?page=2"), "/pgq")).toMatchObject({ base: "/pgq", path: "/jobs" });
    expect(locate(request({}, "/pgq"), "/pgq")).toMatchObject({ base: "/pgq", path: "/" });
    expect(locate(request({}, "/pgqx/jobs"), "/pgq")).toBeNull();
    expect(locate(request({}, "/other"), "/pgq")).toBeNull();
    // Express / middie: req.url stripped, req.originalUrl full.
    expect(locate(request({}, "/jobs?x=1", { originalUrl: "/admin/queue/jobs?x=1" }), undefined)).toMatchObject({ base: "/admin/queue", path: "/jobs" });
    expect(locate(request({}, "/", { originalUrl: "/admin/queue" }), undefined)).toMatchObject({ base: "/admin/queue", path: "/" });
    expect(locate(request({}, "/", { originalUrl: "/admin/queue/" }), undefined)).toMatchObject({ base: "/admin/queue", path: "/" });
  });

  it("validates the prefix option", () => {
    expect(checkBasePath("/pgq")).toBe("/pgq");
    expect(checkBasePath("")).toBe("");
    for (const bad of ["pgq", "/pgq/", "/a b", 5]) expect(() => checkBasePath(bad)).toThrow(/basePath/);
  });

  it("rejects malformed parameters with a message naming them", () => {
    const query = new URLSearchParams("page=x&status=weird&zero=0");
    expect(() => integerParameter(query, "page", 1)).toThrow(/page: must be an integer >= 1, got "x"/);
    expect(() => integerParameter(query, "zero", 1)).toThrow(/zero/);
    expect(integerParameter(query, "absent", 7)).toBe(7);
    expect(() => choiceParameter(query, "status", ["queued", "picked"], "queued")).toThrow(/status: must be one of queued, picked/);
    expect(parseJobId(" 42 ")).toBe(42);
    for (const bad of ["0", "-1", "1.5", "abc", "99999999999999999", ""]) expect(() => parseJobId(bad)).toThrow(InvalidArgumentError);
  });
});
