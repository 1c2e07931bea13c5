/**
 * The dashboard in a real browser (headless Chromium via playwright-core), on PostgreSQL and
 * PGlite (with PGlite, the dashboard and the test share the in-process database): every screen
 * renders without script or CSP errors (screenshots under test-artifacts/web/), a job enqueued
 * after the page loaded appears without a reload, held jobs are requeued and deleted by
 * clicking, database text stays text, Basic auth and CSRF hold, and pages work with JavaScript
 * disabled.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeEachBackend, uniqueName, type BackendName, type TestDatabase } from "../support/backends.js";
import { waitUntil } from "../support/wait.js";
import { browserUnavailable, launchChromium, screenshot, watchErrors } from "./browser.js";
import { holdFailingJobs, resetTables, startFixture, type DashboardFixture } from "./support.js";

const unavailable = browserUnavailable();
const TEST_TIMEOUT = 90_000;
const WORKER = "0b9a3c1e-2f4d-4e8a-9c6b-7d5e1f2a3b4c";

/** The screens, with the heading each shows. */
const SCREENS: readonly (readonly [name: string, path: string, heading: string])[] = [
  ["overview", "", "Overview"],
  ["entrypoints", "entrypoints", "Entrypoints"],
  ["jobs", "jobs", "Jobs"],
  ["failures", "failures", "Failures"],
  ["workers", "workers", "Workers"],
  ["schedules", "schedules", "Schedules"],
  ["system", "system", "System"],
];

async function seed(db: TestDatabase, fixture: DashboardFixture): Promise<{ queued: number[]; held: number[] }> {
  const { pgq } = fixture;
  const done = new (await import("../../src/pgqueuer.js")).PgQueuer(db.driver, { settings: db.settingsOptions });
  done.entrypoint("report", async () => undefined);
  await done.queries.enqueueMany(Array.from({ length: 3 }, () => ({ entrypoint: "report", payload: null })));
  await done.run({ mode: "drain" });
  const queued = await pgq.queries.enqueueMany([
    { entrypoint: "send_email", payload: '{"to":"ada@example.com","subject":"Hello"}', headers: { tenant: "acme" }, priority: 5 },
    { entrypoint: "send_email", payload: "plain text body" },
    { entrypoint: "resize_image", payload: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]) },
  ]);
  const held = await holdFailingJobs(db, "charge_card", 2, "card declined");
  // A worker holding one job, for the workers screen.
  await pgq.queries.enqueue("transcode", "movie.mp4");
  await pgq.queries.dequeue({ batchSize: 1, entrypoints: [{ name: "transcode", concurrencyLimit: 0 }], queueManagerId: WORKER, workerLimit: null, heartbeatTimeout: 30_000 });
  await pgq.scheduleQueries.registerSchedules({
    timetables: [{ entrypoint: "nightly_cleanup", expression: "0 3 * * *", fireTimes: [new Date(Date.now() + 3_600_000)], fallbackDelay: 60_000 }],
    cleanOldEntrypoints: [],
  });
  return { queued, held };
}

describe.skipIf(unavailable !== null)(`dashboard in Chromium${unavailable === null ? "" : ` (skipped: ${unavailable})`}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describeEachBackend("screens and actions", (db, backend: BackendName) => {
    let fixture: DashboardFixture;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      fixture = await startFixture(db());
    });
    afterAll(async () => {
      await fixture?.close();
    });
    beforeEach(async (test) => {
      await resetTables(db());
      context = await browser.newContext();
      page = await context.newPage();
      errors = watchErrors(page);
      test.onTestFinished(async () => {
        await context.close();
      });
    });

    it(
      "opens every screen without errors, live where it should be (screenshots kept)",
      async () => {
        await seed(db(), fixture);
        for (const [name, path, heading] of SCREENS) {
          const response = await page.goto(fixture.url + path);
          expect(response?.status(), name).toBe(200);
          expect(await page.locator("h1").textContent(), name).toBe(heading);
          // The inline script ran under the CSP nonce: pages with live regions connect.
          if (["overview", "jobs", "failures", "workers"].includes(name)) await page.locator('body[data-live="connected"]').waitFor();
          await screenshot(page, `${backend}-${name}`);
        }
        await page.goto(`${fixture.url}workers`);
        expect(await page.locator("main table").first().textContent()).toContain(WORKER);
        await page.goto(`${fixture.url}jobs?entrypoint=send_email`);
        await page.locator("tr[id^=job-] a").first().click();
        await page.locator("#payload").waitFor();
        expect(await page.locator("#payload").textContent()).toContain('"subject": "Hello"');
        await screenshot(page, `${backend}-job-detail`);
        expect(await page.locator("svg.tchart").count()).toBe(0); // the detail page has no chart...
        await page.goto(fixture.url);
        expect(await page.locator("svg.tchart").count()).toBe(1); // ...the overview has one: 3 jobs finished
        expect(await page.locator(".legend").textContent()).toContain("successful 3");
        expect(errors).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      "shows a job enqueued after the page loaded, without reloading (server-sent events)",
      async () => {
        await page.goto(`${fixture.url}jobs`);
        await page.locator('body[data-live="connected"]').waitFor();
        const navigations: string[] = [];
        page.on("framenavigated", (frame) => navigations.push(frame.url()));
        const entrypoint = uniqueName("live");
        const id = await fixture.pgq.queries.enqueue(entrypoint, "fresh");
        await page.locator(`#job-${id}`).waitFor({ timeout: 15_000 });
        expect(await page.locator(`#job-${id}`).textContent()).toContain(entrypoint);

        const overview = await context.newPage();
        await overview.goto(fixture.url);
        await overview.locator('body[data-live="connected"]').waitFor();
        await overview.locator("#total-queued").filter({ hasText: /^1$/ }).waitFor();
        await fixture.pgq.queries.enqueueMany([{ entrypoint, payload: null }, { entrypoint, payload: null }]);
        await overview.locator("#total-queued").filter({ hasText: /^3$/ }).waitFor({ timeout: 15_000 });
        expect(navigations).toEqual([]);
        expect(errors).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      "requeues a held job by clicking, and deletes selected ones",
      async () => {
        const entrypoint = uniqueName("flaky");
        const [first, second, third] = await holdFailingJobs(db(), entrypoint, 3, "database timeout");
        await page.goto(`${fixture.url}failures`);
        expect(await page.locator(`#job-${first}`).textContent()).toContain("TypeError: database timeout");
        await page.locator(`#job-${first} input[name=ids]`).check();
        await Promise.all([page.waitForURL(/notice=requeued-1/), page.getByRole("button", { name: "Requeue selected" }).click()]);
        expect(await page.locator(".notice").textContent()).toBe("Requeued 1 job.");
        expect(await page.locator(`#job-${first}`).count()).toBe(0);
        expect(await fixture.pgq.queries.queueJobById(first!)).toMatchObject({ status: "queued", attempts: 0 });

        await page.getByRole("checkbox", { name: "Select all" }).check();
        expect(await page.locator(`#job-${second} input[name=ids]`).isChecked()).toBe(true);
        await Promise.all([page.waitForURL(/notice=deleted-2/), page.getByRole("button", { name: "Delete selected" }).click()]);
        expect(await fixture.pgq.queries.queueJobById(second!)).toBeNull();
        expect(await fixture.pgq.queries.queueJobById(third!)).toBeNull();
        expect(await page.locator(".empty").first().textContent()).toContain("No held jobs");

        await page.goto(`${fixture.url}jobs/${first}`);
        await Promise.all([page.waitForURL(/notice=canceled-1/), page.getByRole("button", { name: "Cancel" }).click()]);
        expect(await page.locator("#job-detail").textContent()).toContain("only its history remains");
        expect(errors).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      "renders payloads, entrypoint names and tracebacks with markup as text: no script runs",
      async () => {
        const dialogs: string[] = [];
        page.on("dialog", (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        const payload = `<script>alert("pwned")</script><img src=x onerror="alert('img')">`;
        const entrypoint = `<b onmouseover="alert(1)">ep</b>`;
        const id = await fixture.pgq.queries.enqueue(entrypoint, payload, { headers: { note: "</pre><script>alert(2)</script>" } });
        await holdFailingJobs(db(), "xss_fail", 1, "<script>alert(3)</script>");
        for (const path of [`jobs/${id}`, "jobs", "", "entrypoints", "failures"]) {
          await page.goto(fixture.url + path);
          expect(await page.locator("script").count(), path).toBe(1); // only the dashboard's own
        }
        await page.goto(`${fixture.url}jobs/${id}`);
        expect(await page.locator("#payload").textContent()).toBe(payload);
        expect(await page.locator("#job-entrypoint").textContent()).toBe(entrypoint);
        expect(await page.locator("#headers").textContent()).toContain("</pre><script>alert(2)</script>");
        await page.goto(`${fixture.url}failures`);
        expect(await page.locator("#held-jobs").textContent()).toContain("TypeError: <script>alert(3)</script>");
        expect(dialogs).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      "refuses a POST without the CSRF token, and a forged form from another origin (403)",
      async () => {
        const [id] = await holdFailingJobs(db(), uniqueName("forged"));
        await page.goto(`${fixture.url}failures`);
        const status = await page.evaluate(`fetch("jobs/requeue", { method: "POST", body: new URLSearchParams({ ids: "${id}" }) }).then((r) => r.status)`);
        expect(status).toBe(403);

        // Another origin (same host, other port: same site, so even SameSite cookies travel).
        const evil: Server = createServer((_request, response) => {
          response.writeHead(200, { "content-type": "text/html" }).end(
            `<form method="post" action="${fixture.url}jobs/requeue"><input name="ids" value="${id}"><input name="csrf" value="guess"></form><script>document.forms[0].submit()</script>`,
          );
        });
        await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
        try {
          const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/jobs/requeue")), page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`)]);
          expect(response.status()).toBe(403);
        } finally {
          evil.closeAllConnections();
          await new Promise((resolve) => evil.close(resolve));
        }
        expect(await fixture.pgq.queries.queueJobById(id!)).toMatchObject({ status: "failed" });
      },
      TEST_TIMEOUT,
    );

    it(
      "works with JavaScript disabled: pages read, forms post",
      async () => {
        const noScript = await browser.newContext({ javaScriptEnabled: false });
        try {
          const plain = await noScript.newPage();
          const [id] = await holdFailingJobs(db(), uniqueName("nojs"));
          const queued = await fixture.pgq.queries.enqueue("nojs_queued", '{"a":1}');
          await plain.goto(fixture.url);
          expect(await plain.locator("#total-failed").textContent()).toBe("1");
          await plain.goto(`${fixture.url}jobs`);
          await plain.getByRole("button", { name: "Filter" }).waitFor(); // the <noscript> submit button
          expect(await plain.locator(`#job-${queued}`).count()).toBe(1);
          await plain.goto(`${fixture.url}failures`);
          await plain.locator(`#job-${id} input[name=ids]`).check();
          await Promise.all([plain.waitForURL(/notice=requeued-1/), plain.getByRole("button", { name: "Requeue selected" }).click()]);
          await waitUntil(async () => (await fixture.pgq.queries.queueJobById(id!))?.status === "queued", { message: "requeued without JavaScript" });
        } finally {
          await noScript.close();
        }
      },
      TEST_TIMEOUT,
    );
  });

  describeEachBackend("with Basic auth", (db, backend: BackendName) => {
    let fixture: DashboardFixture;
    beforeAll(async () => {
      fixture = await startFixture(db(), { auth: { username: "ops", password: "correct horse" } });
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it(
      "answers 401 without credentials and serves the live dashboard with them",
      async () => {
        const anonymous = await browser.newContext();
        const authorized = await browser.newContext({ httpCredentials: { username: "ops", password: "correct horse" } });
        try {
          // A page navigation would stop at the browser's login prompt; the context's own
          // request client shows the answer the browser got.
          const denied = await anonymous.request.get(fixture.url);
          expect(denied.status()).toBe(401);
          expect(denied.headers()["www-authenticate"]).toContain("Basic");
          expect((await anonymous.request.get(`${fixture.url}jobs`, { headers: { authorization: `Basic ${Buffer.from("ops:wrong").toString("base64")}` } })).status()).toBe(401);
          const page = await authorized.newPage();
          const errors = watchErrors(page);
          expect((await page.goto(`${fixture.url}jobs`))?.status()).toBe(200);
          await page.locator('body[data-live="connected"]').waitFor();
          const id = await fixture.pgq.queries.enqueue(uniqueName("authed"), null);
          await page.locator(`#job-${id}`).waitFor({ timeout: 15_000 });
          await screenshot(page, `${backend}-jobs-authenticated`);
          expect(errors).toEqual([]);
        } finally {
          await anonymous.close();
          await authorized.close();
        }
      },
      TEST_TIMEOUT,
    );
  });
});
