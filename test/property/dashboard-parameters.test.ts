/**
 * Bad input to the dashboard, property-based (fast-check).
 *
 * - The request parsers (`integerParameter`, `choiceParameter`, `parseJobId`, `locate`,
 *   `checkBasePath`): any string gives a value in range or an `InvalidArgumentError` naming
 *   the parameter, never anything else.
 * - Over HTTP, on PostgreSQL and PGlite: arbitrary paths, query strings (unicode, broken
 *   percent-encodings, huge numbers, injection strings, repeated parameters), methods, and
 *   POST forms with and without the CSRF token and a same-site origin. Every response is
 *   200/303/400/403/404/405 within a deadline (never a 500, never a hung request); a 400 names
 *   the parameter; a redirect stays under the mount point; and a rejected request leaves the
 *   queue, log, statistics, schedules and paused-entrypoint tables exactly as they were.
 */
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import type { Logger } from "../../src/domain/logger.js";
import { checkBasePath, choiceParameter, integerParameter, locate, parseJobId } from "../../src/web/request.js";
import type { IncomingMessage } from "node:http";
import { describeEachBackend } from "../support/backends.js";
import { holdFailingJobs, startFixture, type DashboardFixture } from "../web/support.js";
import { injection } from "./injection.js";
import { tableDigest } from "./tables.js";

/** The error a parser threw, asserted to be an InvalidArgumentError naming `name`. */
function rejects(parse: () => unknown, name: string): boolean {
  try {
    parse();
    return false;
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).setting).toBe(name);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Values

/** Numbers as they turn up in URLs. */
const numberish = fc.oneof(
  fc.integer({ min: -5, max: 200 }).map(String),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.constantFrom("0", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x1f", "٣", "9007199254740991", "9007199254740992", "999999999999999", "1000000000000000", "2147483647", "42949673"),
);

/** Any text a query value can decode to. */
const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), injection, fc.constantFrom("", " ", "\u0000", "%", "+", "&", "=", "#", "?", "/", "\\", "..", "\uFFFD"));

/** Raw, possibly broken percent-encoding as it appears on the wire. */
const rawEncoded = fc.oneof(
  text.map(encodeURIComponent),
  fc.constantFrom("%", "%zz", "%00", "%FF", "%C3%28", "%E2%82", "%ED%A0%80", "%2F", "%252F", "+", "%20", "a%", "%%41"),
  fc.array(fc.constantFrom("%", "%zz", "%00", "%FF", "a", "1", "%41"), { maxLength: 6 }).map((parts) => parts.join("")),
);

const queryValue = fc.oneof(numberish.map(encodeURIComponent), text.map(encodeURIComponent), rawEncoded, fc.constantFrom("active", "queued", "picked", "failed", "1h", "6h", "24h", "7d", "requeued-3", "canceled-0", "deleted-1000000000"));

const queryKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("page", "status", "window", "stale_after", "entrypoint", "id", "notice") }, { weight: 1, arbitrary: rawEncoded });

// ---------------------------------------------------------------------------------------------
// Pure properties over the parsers

describe("dashboard request parsers under arbitrary input", () => {
  const search = fc.array(fc.tuple(fc.oneof(fc.constantFrom("page", "status"), text), fc.oneof(numberish, text)), { maxLength: 4 }).map((pairs) => new URLSearchParams(pairs));

  it("integerParameter: the fallback, an integer >= the minimum of at most 15 digits, or an error naming the parameter", () => {
    fc.assert(
      fc.property(search, fc.integer({ min: 0, max: 3 }), (query, minimum) => {
        let value: number | undefined;
        if (rejects(() => (value = integerParameter(query, "page", 7, minimum)), "page")) return;
        const raw = query.get("page");
        if (raw === null || raw === "") expect(value).toBe(7);
        else expect(Number.isSafeInteger(value) && value! >= minimum && String(value) === String(Number(raw)), raw).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("choiceParameter: one of the choices or the fallback, or an error naming the parameter", () => {
    fc.assert(
      fc.property(search, (query) => {
        let value: string | undefined;
        if (rejects(() => (value = choiceParameter(query, "status", ["active", "failed"] as const, "active")), "status")) return;
        expect(["active", "failed"]).toContain(value);
      }),
      { numRuns: 2_000 },
    );
  });

  it("parseJobId: a positive safe integer, or an error naming the field", () => {
    fc.assert(
      fc.property(fc.oneof(numberish, text), (raw) => {
        let value: number | undefined;
        if (rejects(() => (value = parseJobId(raw, "ids")), "ids")) return;
        expect(Number.isSafeInteger(value) && value! >= 1, raw).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("checkBasePath: the same string, or an error naming basePath", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), text, text.map((value) => `/${value}`), fc.constantFrom("", "/", "/pgq", "/pgq/", "//pgq", "/a/b", "/a//b")), (value) => {
        let checked: string | undefined;
        if (rejects(() => (checked = checkBasePath(value)), "basePath")) return;
        expect(checked).toBe(value);
        if (checked !== undefined && checked !== "") expect(checked, checked).toMatch(/^(\/[^/]+)+$/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("locate: a path below the mount point (or null outside it), or an error naming the url; never anything else", () => {
    const target = fc.oneof(
      fc.array(fc.oneof(rawEncoded, fc.constantFrom("pgq", "jobs", "", "..", ".")), { maxLength: 4 }).map((parts) => `/${parts.join("/")}`),
      fc.constantFrom("//", "///", "//a/jobs", "//[", "//a:99999/x", "/pgq//", "*", "http://other.example/pgq/jobs", "http://[::1", ""),
      text,
    );
    const request = (url: string, originalUrl?: string): IncomingMessage => ({ url, headers: {}, ...(originalUrl === undefined ? {} : { originalUrl }) }) as unknown as IncomingMessage;
    fc.assert(
      fc.property(target, fc.constantFrom(undefined, "", "/pgq", "/a/b"), fc.option(target, { nil: undefined }), (url, basePath, originalUrl) => {
        let located: ReturnType<typeof locate> | undefined;
        if (rejects(() => (located = locate(request(url, originalUrl), basePath)), "url")) return;
        if (located === null) {
          expect(basePath !== undefined && basePath !== "").toBe(true);
          return;
        }
        expect(located!.path.startsWith("/"), located!.path).toBe(true);
        if (originalUrl === undefined && basePath) expect(located!.base).toBe(basePath);
      }),
      { numRuns: 3_000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Over HTTP

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One raw HTTP request (the target is sent as given), failing when no answer comes in time. */
function send(port: number, method: string, target: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, method, path: target, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`${method} ${target}: no answer within 10 s (hung request)`)));
    request.on("error", reject);
    request.end(body);
  });
}

const BASE = "/pgq";

const SCREENS = ["", "/", "/entrypoints", "/jobs", "/jobs/goto", "/failures", "/workers", "/schedules", "/system", "/healthz", "/partials", "/partials/jobs", "/partials/workers"];
const ACTIONS = ["/jobs/requeue", "/jobs/cancel", "/jobs/delete"];

/** A path segment: a job id (existing or not), a number, or anything encoded or broken. */
const segment = fc.oneof(fc.integer({ min: 1, max: 40 }).map(String), numberish.map(encodeURIComponent), rawEncoded).filter((value) => value !== "events");

const screenPath = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...SCREENS) },
  { weight: 3, arbitrary: segment.map((id) => `/jobs/${id}`) },
  { weight: 1, arbitrary: segment.map((id) => `/partials/jobs/${id}`) },
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join("/")}`) },
);

const actionPath = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: screenPath });

/** Where a request points: usually under the mount point, sometimes beside or outside it. */
function target(path: fc.Arbitrary<string>): fc.Arbitrary<{ target: string; keys: string[] }> {
  return fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constant(BASE) }, { weight: 1, arbitrary: fc.constantFrom("", "/pgq2", "/PGQ", "/other", "/", "//", "//pgq") }),
      path,
      fc.constantFrom("", "", "/", "//"),
      fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }),
    )
    .map(([base, route, trailing, pairs]) => ({
      target: `${base}${route}${route === "" ? "" : trailing}${pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${key}=${value}`).join("&")}`}`,
      keys: pairs.map(([key]) => key),
    }));
}

/** A POST form: ids, the CSRF token (right, wrong or absent), a return path, a content type. */
const form = fc.record({
  ids: fc.array(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 40 }).map(String) }, { weight: 1, arbitrary: fc.oneof(numberish, text) }), { maxLength: 4 }),
  csrf: fc.constantFrom("valid", "valid", "valid-header", "wrong", "absent"),
  returnTo: fc.option(fc.oneof(fc.constantFrom("/jobs", "/failures?page=2", "//evil.example/", "https://evil.example/", "/\\evil", "/partials/jobs"), text), { nil: undefined }),
  contentType: fc.constantFrom("application/x-www-form-urlencoded", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/json", "text/plain", "multipart/form-data; boundary=x", undefined),
  origin: fc.constantFrom("none", "none", "same", "foreign", "null", "cross-site"),
});

/** Reads of the screens, actions, and now and then a method the dashboard does not serve. */
const request = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom("GET", "GET", "GET", "HEAD"), target(screenPath)) },
  { weight: 4, arbitrary: fc.tuple(fc.constant("POST"), target(actionPath)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS"), target(fc.oneof(screenPath, actionPath))) },
);

/** The query keys, path id and form fields a 400 may name. */
function nameable(keys: readonly string[]): string[] {
  const decoded = keys.map((key) => {
    try {
      return decodeURIComponent(key.replaceAll("+", " "));
    } catch {
      return key;
    }
  });
  return [...decoded, "id", "ids", "content-type", "body", "url"];
}

describeEachBackend("dashboard under arbitrary requests", (db) => {
  let fixture: DashboardFixture;
  const errors: string[] = [];
  let port: number;
  let cookie: string;
  let token: string;

  beforeAll(async () => {
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (object: object | string, message?: string) => errors.push(`${message ?? ""} ${object instanceof Object && "err" in object ? String((object as { err: unknown }).err) : String(object)}`),
    };
    fixture = await startFixture(db(), { basePath: BASE, logger });
    port = Number(new URL(fixture.url).port);
    await fixture.schemaManager.installExtensions();
    await holdFailingJobs(db(), "fragile", 6);
    await fixture.pgq.queries.enqueueMany(Array.from({ length: 20 }, (_, index) => ({ entrypoint: index % 2 === 0 ? "mailer" : "report", payload: `job ${index}` })));
    const page = await send(port, "GET", `${BASE}/`, {});
    cookie = String(page.headers["set-cookie"]).split(";")[0]!;
    token = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)![1]!;
  }, 60_000);
  afterAll(async () => {
    await fixture?.close();
  });

  it("every response is 200/303/400/403/404/405 in time; 400s name the parameter; rejected requests change nothing", { timeout: 120_000 }, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      // Mostly with the cookie a browser would send, so valid tokens get through often enough.
      fc.asyncProperty(request, form, fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), async ([verb, where], post, withCookie) => {
        const headers: Record<string, string> = {};
        if (withCookie) headers.cookie = cookie;
        let body: string | undefined;
        if (verb === "POST") {
          const fields = new URLSearchParams();
          for (const id of post.ids) fields.append("ids", id);
          if (post.csrf === "valid") fields.append("csrf", token);
          if (post.csrf === "wrong") fields.append("csrf", `${token.slice(1)}x`);
          if (post.csrf === "valid-header") headers["x-csrf-token"] = token;
          if (post.returnTo !== undefined) fields.append("return_to", post.returnTo);
          body = fields.toString();
          if (post.contentType !== undefined) headers["content-type"] = post.contentType;
          if (post.origin === "same") headers.origin = `http://127.0.0.1:${port}`;
          if (post.origin === "foreign") headers.origin = "http://evil.example";
          if (post.origin === "null") headers.origin = "null";
          if (post.origin === "cross-site") headers["sec-fetch-site"] = "cross-site";
        }
        const before = await tableDigest(db().driver, db().settings);
        const errorsBefore = errors.length;
        const reply = await send(port, verb, where.target, headers, body);
        const label = `${verb} ${where.target} ${body ?? ""} ${JSON.stringify(headers)} → ${reply.status}\n${reply.body.slice(0, 600)}\n${errors.slice(errorsBefore).join("\n")}`;
        seen.set(reply.status, (seen.get(reply.status) ?? 0) + 1);

        expect([200, 303, 400, 403, 404, 405], label).toContain(reply.status);
        // (A target not starting with "/" is refused by Node's HTTP parser, before the dashboard.)
        if (reply.status === 400 && verb !== "HEAD" && where.target.startsWith("/")) {
          const named = /Bad request: ([^:<]+):/.exec(reply.body)?.[1];
          expect(nameable(where.keys), label).toContain(named);
        }
        if (reply.status === 303) {
          const location = String(reply.headers.location);
          expect(location.startsWith(`${BASE}/`) && !location.startsWith("//"), label).toBe(true);
        }
        const after = await tableDigest(db().driver, db().settings);
        if (reply.status !== 200 && reply.status !== 303) expect(after, `rejected, yet changed a table: ${label}`).toEqual(before);
        // Only a POST that passed the origin and token checks may touch a job.
        const authorized = verb === "POST" && withCookie && (post.csrf === "valid" || post.csrf === "valid-header") && (post.origin === "none" || post.origin === "same");
        if (!authorized) expect(after.queue, `changed the queue without a valid token: ${label}`).toBe(before.queue);
        if (verb === "POST" && reply.status === 303) expect(authorized, label).toBe(true);
      }),
      { numRuns: 200 },
    );
    // The generators reach the interesting outcomes; otherwise the property proves little.
    for (const status of [200, 303, 400, 403, 404, 405]) expect(seen.get(status) ?? 0, `${status} in ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it("counterexamples the property found: 400s naming the parameter (or 404s), not 500s or another name", async () => {
    const cases: [string, number, string | null][] = [
      ["//", 404, null], // was a TypeError from the URL parser: 500
      ["//pgq/jobs", 404, null], // was read as host "pgq", path "/jobs"
      [`${BASE}/jobs?entrypoint=%00`, 400, "entrypoint"], // was a database error: 500
      [`${BASE}/jobs?page=42949674`, 400, "page"], // was "offset"
      [`${BASE}/failures?page=999999999999999`, 400, "page"],
      [`${BASE}/workers?stale_after=999999999999999`, 400, "stale_after"], // was "threshold"
    ];
    for (const [where, status, name] of cases) {
      const reply = await send(port, "GET", where, {});
      expect(reply.status, `${where}: ${reply.body.slice(-300)}`).toBe(status);
      if (name !== null) expect(reply.body).toContain(`Bad request: ${name}:`);
    }
    expect((await send(port, "GET", `${BASE}/jobs?page=42949673`, {})).status).toBe(200); // the last page the queries accept
    expect(errors).toEqual([]);
  });
});
