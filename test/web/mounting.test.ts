/**
 * Mounting the dashboard handler in other servers under a path prefix: plain `http` (with
 * `basePath` and a fall-through `next`), Express (which strips the prefix) and Hono's node
 * adapter (which does not). Also the standalone server's Host check and option validation.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { createDashboardHandler, startDashboardServer, type DashboardHandler } from "../../src/web/index.js";
import { describeEachBackend } from "../support/backends.js";
import { holdFailingJobs, Session, startFixture } from "./support.js";

/** Close a server and its kept-alive connections. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function listenOn(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describeEachBackend("mounting the dashboard handler", (db) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function dashboard(basePath?: string): Promise<{ handler: DashboardHandler; fixture: Awaited<ReturnType<typeof startFixture>> }> {
    const fixture = await startFixture(db());
    cleanups.push(() => fixture.close());
    const handler = createDashboardHandler({
      queries: fixture.pgq.queries,
      scheduleQueries: fixture.pgq.scheduleQueries,
      driver: db().driver,
      env: {},
      ...(basePath === undefined ? {} : { basePath }),
    });
    cleanups.push(() => handler.close());
    return { handler, fixture };
  }

  it("plain http with basePath: links carry the prefix, other paths fall through to next()", async () => {
    const { handler, fixture } = await dashboard("/pgq");
    const server = createServer((request: IncomingMessage, response: ServerResponse) => handler(request, response, () => response.writeHead(200).end("the app")));
    const origin = await listenOn(server);
    cleanups.push(() => closeServer(server));
    const id = await fixture.pgq.queries.enqueue("mounted", null);
    const session = new Session(`${origin}/pgq/`);
    const page = await session.get("jobs");
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(`href="/pgq/jobs/${id}"`);
    expect(text).toContain('data-src="/pgq/partials/jobs"');
    expect(text).toContain('data-events="/pgq/events"');
    expect(page.headers.get("set-cookie")).toContain("Path=/pgq;");
    expect((await fetch(`${origin}/pgq`)).status).toBe(200);
    expect(await (await fetch(`${origin}/elsewhere`)).text()).toBe("the app");
    const jump = await session.get(`jobs/goto?id=${id}`);
    expect(jump.headers.get("location")).toBe(`/pgq/jobs/${id}`);
  });

  it("plain http without next(): requests outside the prefix get 404", async () => {
    const { handler } = await dashboard("/pgq");
    const server = createServer(handler);
    const origin = await listenOn(server);
    cleanups.push(() => closeServer(server));
    expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
  });

  it("Express: the prefix is found from req.originalUrl, and actions work with or without body parsers in front", async (context) => {
    // Express comes with the MCP SDK's dependencies; without it there is nothing to test.
    let expressModule: { default: any };
    try {
      expressModule = (await import("express" as string)) as { default: any };
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return context.skip("express is not installed");
      throw error;
    }
    const express = expressModule.default;
    const { handler, fixture } = await dashboard();
    const app = express();
    app.use("/admin/queue", handler);
    app.use("/parsed", express.urlencoded({ extended: false }), handler);
    app.use("/jsonfirst", express.json(), handler); // leaves req.body without reading a form
    app.use("/textfirst", express.text({ type: "*/*" }), handler); // keeps the raw text
    const server: Server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    cleanups.push(() => closeServer(server));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const mount of ["/admin/queue", "/parsed", "/jsonfirst", "/textfirst"]) {
      const [id] = await holdFailingJobs(db(), `express_${mount.slice(1)}`);
      const session = new Session(`${origin}${mount}/`);
      const page = await (await session.get("failures")).text();
      expect(page).toContain(`action="${mount}/jobs/requeue"`);
      const token = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1] ?? "";
      const response = await session.post("jobs/requeue", { csrf: token, ids: [String(id)], return_to: "/failures" });
      expect(response.status, mount).toBe(303);
      expect(response.headers.get("location")).toBe(`${mount}/failures?notice=requeued-1`);
      expect(await fixture.pgq.queries.queueJobById(id!)).toMatchObject({ status: "queued" });
    }
  });

  it("Hono (node adapter): the handler answers on the raw request under basePath", async () => {
    const { handler, fixture } = await dashboard("/pgq");
    const app = new Hono<{ Bindings: HttpBindings }>();
    const mount = (c: { env: HttpBindings }): Response => {
      handler(c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    };
    app.all("/pgq", mount);
    app.all("/pgq/*", mount);
    app.get("/", (c) => c.text("hono app"));
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    await new Promise((resolve) => (server.listening ? resolve(undefined) : server.once("listening", resolve)));
    cleanups.push(() => closeServer(server));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const id = await fixture.pgq.queries.enqueue("hono_job", null);
    const page = await fetch(`${origin}/pgq/jobs/${id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('action="/pgq/jobs/cancel"');
    expect(await (await fetch(`${origin}/`)).text()).toBe("hono app");
  });
});

describeEachBackend("standalone dashboard server", (db) => {
  it("binds 127.0.0.1 by default and refuses foreign Host headers (DNS rebinding)", async () => {
    const fixture = await startFixture(db());
    try {
      expect(fixture.server.host).toBe("127.0.0.1");
      const status = (host: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const request = httpRequest({ host: "127.0.0.1", port: fixture.server.port, path: "/healthz", headers: { host } }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          });
          request.on("error", reject);
          request.end();
        });
      expect(await status("evil.example:80")).toBe(421);
      expect(await status(`localhost:${fixture.server.port}`)).toBe(200);
      expect(await status(`127.0.0.1:${fixture.server.port}`)).toBe(200);
      expect(await status(`[::1]:${fixture.server.port}`)).toBe(200);
    } finally {
      await fixture.close();
    }
  });
});

describe("dashboard option validation", () => {
  it("rejects bad options before opening anything", async () => {
    expect(() => createDashboardHandler({} as never)).toThrow(/queries: must be a Queries instance/);
    const fixtureless = { queries: { queueSize() {}, settings: {} }, scheduleQueries: { peekSchedules() {} }, driver: { listen() {}, query() {} } } as never as Parameters<typeof createDashboardHandler>[0];
    expect(() => createDashboardHandler({ ...fixtureless, basePath: "pgq/" })).toThrow(/basePath/);
    expect(() => createDashboardHandler({ ...fixtureless, readOnly: "yes" as never })).toThrow(/readOnly: must be a boolean/);
    expect(() => createDashboardHandler({ ...fixtureless, keepAlive: 0 })).toThrow(/keepAlive/);
    expect(() => createDashboardHandler({ ...fixtureless, env: { PGQUEUER_WEB_USER: "only-user" } })).toThrow(InvalidArgumentError);
    await expect(startDashboardServer({ ...fixtureless, port: 70_000 })).rejects.toThrow(/port: must be an integer from 0 to 65535/);
    await expect(startDashboardServer({ ...fixtureless, port: 0, allowedHosts: [""] })).rejects.toThrow(/allowedHosts/);
  });
});
