/**
 * The dashboard over HTTP, without a browser, on PostgreSQL and PGlite: every route's status
 * and content, bad input (400), unknown ids and routes (404), the health probe, the actions
 * and their CSRF protection, Basic auth, read-only mode, escaping, and server-sent events.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeEachBackend, uniqueName } from "../support/backends.js";
import { EventStreamReader, holdFailingJobs, resetTables, Session, startFixture, type DashboardFixture } from "./support.js";

const SCREENS = ["", "entrypoints", "entrypoints?window=24h", "jobs", "jobs?status=failed&entrypoint=x", "failures", "workers?stale_after=60", "schedules", "system"];

describeEachBackend("dashboard over HTTP", (db) => {
  let fixture: DashboardFixture;
  let session: Session;

  beforeAll(async () => {
    fixture = await startFixture(db());
  });
  afterAll(async () => {
    await fixture?.close();
  });
  beforeEach(async () => {
    await resetTables(db());
    session = new Session(fixture.url);
  });

  it("serves every screen as a full document and as a fragment", async () => {
    for (const path of SCREENS) {
      const page = await session.get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await page.text(), path).toContain("<html");
      const fragment = await session.get(`partials/${path}`);
      expect(fragment.status, `partials/${path}`).toBe(200);
      expect(await fragment.text(), `partials/${path}`).not.toContain("<html");
    }
  });

  it("shows totals, throughput, backlog, job rows, job detail and held failures from the database", async () => {
    const { pgq } = fixture;
    const queued = await pgq.queries.enqueueMany([
      { entrypoint: "mailer", payload: '{"to":"a@example.com"}', headers: { trace: "abc" } },
      { entrypoint: "mailer", payload: Buffer.from([0xff, 0xfe, 0x00]) },
    ]);
    const [held] = await holdFailingJobs(db(), "flaky", 1, "upstream said no");
    const overview = await (await session.get("")).text();
    expect(overview).toMatch(/id="total-queued">2</);
    expect(overview).toMatch(/id="total-failed">1</);
    expect(overview).toContain("mailer");
    expect(overview).toContain("errors 1");
    const jobs = await (await session.get("jobs?entrypoint=mailer")).text();
    for (const id of queued) expect(jobs).toContain(`id="job-${id}"`);
    const detail = await (await session.get(`jobs/${queued[0]}`)).text();
    expect(detail).toContain("&quot;to&quot;: &quot;a@example.com&quot;");
    expect(detail).toContain("&quot;trace&quot;: &quot;abc&quot;");
    const binary = await (await session.get(`jobs/${queued[1]}`)).text();
    expect(binary).toContain('data-kind="binary">ff fe 00<');
    const failures = await (await session.get("failures")).text();
    expect(failures).toContain(`id="job-${held}"`);
    expect(failures).toContain("TypeError: upstream said no");
    const heldDetail = await (await session.get(`jobs/${held}`)).text();
    expect(heldDetail).toContain('class="exc"');
    expect(heldDetail).toContain("Requeue");
  });

  it("answers 400 with a clear message for malformed parameters", async () => {
    const cases: [string, RegExp][] = [
      ["jobs?page=x", /page: must be an integer &gt;= 1, got &quot;x&quot;/],
      ["jobs?page=0", /page: must be an integer/],
      ["jobs?status=nope", /status: must be one of active, queued, picked, failed/],
      ["entrypoints?window=2h", /window: must be one of 1h, 6h, 24h/],
      ["workers?stale_after=-5", /stale_after: must be an integer/],
      ["jobs/abc", /id: must be a positive integer job id/],
      ["jobs/goto?id=12.5", /id: must be a positive integer job id/],
      ["partials/failures?page=1.5", /page: must be an integer/],
    ];
    for (const [path, message] of cases) {
      const response = await session.get(path);
      expect(response.status, path).toBe(400);
      expect(await response.text(), path).toMatch(message);
    }
  });

  it("answers 404 for unknown routes and job ids, and redirects the jump form", async () => {
    for (const path of ["nope", "jobs/1/extra", "jobs/987654321", "partials/jobs/987654321", "static/app.js"]) {
      expect((await session.get(path)).status, path).toBe(404);
    }
    const id = await fixture.pgq.queries.enqueue("jump", null);
    const jump = await session.get(`jobs/goto?id=%20${id}%20`);
    expect(jump.status).toBe(303);
    expect(jump.headers.get("location")).toBe(`/jobs/${id}`);
    expect((await session.get("jobs/goto?id=")).headers.get("location")).toBe("/jobs");
    expect((await session.get(`jobs/${id}`)).status).toBe(200);
  });

  it("keeps a job's history after it left the queue", async () => {
    const id = await fixture.pgq.queries.enqueue("gone", null);
    await fixture.pgq.queries.markJobAsCancelled([id]);
    const text = await (await session.get(`jobs/${id}`)).text();
    expect(text).toContain("only its history remains");
    expect(text).toContain('class="status canceled"');
  });

  it("/healthz checks the database and answers JSON", async () => {
    const response = await session.get("healthz");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as { status: string; databaseTime: string };
    expect(body.status).toBe("ok");
    expect(Number.isNaN(Date.parse(body.databaseTime))).toBe(false);
    expect((await fetch(new URL("healthz", fixture.url), { method: "POST" })).status).toBe(405);
  });

  it("requeues, cancels and deletes through POST forms carrying the CSRF token", async () => {
    const { queries } = fixture.pgq;
    const [first, second, third] = await holdFailingJobs(db(), uniqueName("held"), 3);
    const token = await session.token("failures");
    const requeue = await session.post("jobs/requeue", { csrf: token, ids: [String(first)], return_to: "/failures" });
    expect(requeue.status).toBe(303);
    expect(requeue.headers.get("location")).toBe("/failures?notice=requeued-1");
    expect(await queries.queueJobById(first!)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await (await session.get("failures?notice=requeued-1")).text()).toContain("Requeued 1 job.");

    const remove = await session.post("jobs/delete", { csrf: token, ids: [String(second), String(first)], return_to: "/failures" });
    expect(remove.headers.get("location")).toBe("/failures?notice=deleted-1"); // `first` is queued now: not deleted
    expect(await queries.queueJobById(second!)).toBeNull();
    expect(await queries.queueJobById(first!)).not.toBeNull();
    expect((await queries.jobLogHistory(second!)).at(-1)?.status).toBe("deleted");

    const cancel = await session.post("jobs/cancel", { csrf: token, ids: [String(first), String(third)], return_to: `/jobs/${first}` });
    expect(cancel.headers.get("location")).toBe(`/jobs/${first}?notice=canceled-2`);
    expect(await queries.queueJobById(first!)).toBeNull();
    expect((await queries.jobLogHistory(third!)).at(-1)?.status).toBe("canceled");

    const nothing = await session.post("jobs/requeue", { csrf: token, return_to: "//evil.example/x" });
    expect(nothing.headers.get("location")).toBe("/?notice=requeued-0");
  });

  it("refuses a mutating POST without a valid CSRF token, or from another site (403), and changes nothing", async () => {
    const [id] = await holdFailingJobs(db(), uniqueName("csrf"));
    const token = await session.token("failures");
    const ids = [String(id)];
    const stranger = new Session(fixture.url);
    const strangerToken = await stranger.token("failures");
    const refused: [string, Promise<Response>][] = [
      ["no token", session.post("jobs/requeue", { ids })],
      ["wrong token", session.post("jobs/requeue", { ids, csrf: "x".repeat(43) })],
      ["another browser's token", session.post("jobs/requeue", { ids, csrf: strangerToken })],
      ["no cookie", fetch(new URL("jobs/requeue", fixture.url), { method: "POST", body: new URLSearchParams({ csrf: token, ids: String(id) }) })],
      ["cross-site fetch", session.post("jobs/requeue", { ids, csrf: token }, { "sec-fetch-site": "cross-site" })],
      ["foreign origin", session.post("jobs/requeue", { ids, csrf: token }, { origin: "http://evil.example" })],
    ];
    for (const [label, pending] of refused) {
      const response = await pending;
      expect(response.status, label).toBe(403);
    }
    expect(await fixture.pgq.queries.queueJobById(id!)).toMatchObject({ status: "failed" });
    const accepted = await session.post("jobs/requeue", { ids, csrf: token }, { "sec-fetch-site": "same-origin", origin: new URL(fixture.url).origin });
    expect(accepted.status).toBe(303);
    expect(await fixture.pgq.queries.queueJobById(id!)).toMatchObject({ status: "queued" });
  });

  it("answers 400 for non-integer ids in a form, and 404 for unknown actions", async () => {
    const token = await session.token("failures");
    const bad = await session.post("jobs/requeue", { csrf: token, ids: ["1", "two"] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("ids: must be a positive integer job id");
    expect((await session.post("jobs/explode", { csrf: token, ids: ["1"] })).status).toBe(404);
    expect((await fetch(new URL("jobs", fixture.url), { method: "DELETE" })).status).toBe(405);
  });

  it("escapes everything from the database", async () => {
    const entrypoint = `<img src=x onerror="alert(1)">`;
    const id = await fixture.pgq.queries.enqueue(entrypoint, "<script>alert('payload')</script>", { headers: { "<h>": "</pre><script>" } });
    for (const path of ["", "jobs", `jobs/${id}`, "entrypoints"]) {
      const text = await (await session.get(path)).text();
      expect(text, path).not.toContain("<img src=x");
      expect(text, path).not.toContain("<script>alert");
      expect(text, path).not.toContain("</pre><script>");
      expect(text, path).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    }
  });

  it("sends a nonce-based CSP whose nonce is the inline script's", async () => {
    const response = await session.get("");
    const policy = response.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    expect(await response.text()).toContain(`<script nonce="${nonce}">`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("set-cookie")).toMatch(/^pgq_csrf=[\w-]{32}; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  it("streams a queue-change event after a job is enqueued", async () => {
    const response = await session.get("events");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const events = new EventStreamReader(response);
    try {
      expect(await events.next()).toBe("retry: 3000");
      await fixture.pgq.queries.enqueue("live", null);
      expect(await events.next()).toBe("event: queue-change\ndata: {}");
    } finally {
      await events.cancel();
    }
  });
});

describeEachBackend("dashboard options over HTTP", (db) => {
  it("Basic auth: 401 with a challenge without or with wrong credentials, 200 with them; /healthz stays open", async () => {
    const fixture = await startFixture(db(), { env: { PGQUEUER_WEB_USER: "ops", PGQUEUER_WEB_PASSWORD: "pa55" } });
    try {
      expect(fixture.server.handler.authenticated).toBe(true);
      const anonymous = await fetch(fixture.url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="pgqueuer", charset="UTF-8"');
      const wrong = await fetch(fixture.url, { headers: { authorization: `Basic ${Buffer.from("ops:nope").toString("base64")}` } });
      expect(wrong.status).toBe(401);
      for (const path of ["jobs", "events", "partials/jobs"]) expect((await fetch(new URL(path, fixture.url))).status, path).toBe(401);
      const right = new Session(fixture.url, { authorization: `Basic ${Buffer.from("ops:pa55").toString("base64")}` });
      expect((await right.get("")).status).toBe(200);
      expect((await fetch(new URL("healthz", fixture.url))).status).toBe(200);
    } finally {
      await fixture.close();
    }
  });

  it("read-only mode hides every action and refuses mutations with 403", async () => {
    const fixture = await startFixture(db(), { readOnly: true });
    try {
      const [id] = await holdFailingJobs(db(), uniqueName("readonly"));
      const session = new Session(fixture.url);
      for (const path of ["failures", "jobs", `jobs/${id}`]) expect(await (await session.get(path)).text(), path).not.toContain('method="post"');
      const response = await session.post("jobs/requeue", { ids: [String(id)] });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("read-only");
      expect(await fixture.pgq.queries.queueJobById(id!)).toMatchObject({ status: "failed" });
    } finally {
      await fixture.close();
    }
  });

  it("without live updates there is no /events and pages poll only", async () => {
    const fixture = await startFixture(db(), { liveUpdates: false });
    try {
      const session = new Session(fixture.url);
      expect((await session.get("events")).status).toBe(404);
      const page = await (await session.get("")).text();
      expect(page).not.toMatch(/<html[^>]*data-events/);
      expect(page).toContain('data-refresh="30"');
    } finally {
      await fixture.close();
    }
  });
});

describe("dashboard health when the database is unreachable", () => {
  it("answers 503 without leaking the error", async () => {
    const { createDashboardHandler } = await import("../../src/web/index.js");
    const { Queries } = await import("../../src/adapters/persistence/queries.js");
    const { ScheduleQueries } = await import("../../src/adapters/persistence/schedule-queries.js");
    const { resolveSettings } = await import("../../src/domain/settings.js");
    const failing = {
      query: async () => {
        throw new Error("connect ECONNREFUSED secret-host:5432");
      },
      execute: async () => 0,
      listen: async () => ({ close: async () => undefined }),
      notify: async () => undefined,
      transaction: async () => undefined as never,
      concurrent: false,
      close: async () => undefined,
    };
    const settings = resolveSettings({}, {});
    const handler = createDashboardHandler({ queries: new Queries(failing, settings), scheduleQueries: new ScheduleQueries({ driver: failing, settings }), driver: failing, env: {} });
    const { createServer } = await import("node:http");
    const server = createServer(handler).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as { port: number };
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(503);
      const text = await health.text();
      expect(text).toContain('"status":"error"');
      expect(text).not.toContain("secret-host");
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(500);
      expect(await page.text()).not.toContain("secret-host");
    } finally {
      await handler.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
