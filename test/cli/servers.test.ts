/**
 * `pgq web`, `pgq metrics` and `pgq mcp` as child processes: they start, answer, and stop on
 * SIGTERM with exit 0.
 */
import { expect, it } from "vitest";
import { describeEachCliBackend, spawnPgq } from "./support.js";

describeEachCliBackend(
  "pgq servers",
  (target) => {
    it("pgq web serves the dashboard and /healthz on localhost, and stops on SIGTERM", async () => {
      const web = spawnPgq(target(), ["web", "--port", "0"]);
      await web.waitFor("stderr", /listening on http:\/\/127\.0\.0\.1:\d+/);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(web.output.stderr)![1]!;
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");
      web.child.kill("SIGTERM");
      expect((await web.exited).code).toBe(0);
    });

    it("pgq metrics serves Prometheus text, and stops on SIGTERM", async () => {
      const metrics = spawnPgq(target(), ["metrics", "--port", "0"]);
      await metrics.waitFor("stderr", /serving http:\/\/127\.0\.0\.1:\d+\/metrics/);
      const url = /serving (http:\/\/\S+)/.exec(metrics.output.stderr)![1]!;
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("pgqueuer_queue_count");
      metrics.child.kill("SIGTERM");
      expect((await metrics.exited).code).toBe(0);
    });

    it("pgq mcp answers an initialize request over stdio", async () => {
      const request = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } },
      });
      const mcp = spawnPgq(target(), ["mcp"], { stdin: `${request}\n` });
      await mcp.waitFor("stdout", /"id":1/);
      const reply = JSON.parse(mcp.output.stdout.trim().split("\n")[0]!) as { result?: { serverInfo?: unknown } };
      expect(reply.result?.serverInfo).toBeDefined();
      const result = await mcp.exited; // stdin ended: the server stops
      expect(result.code).toBe(0);
    });

    it("rejects a bad port with a one-line usage error", async () => {
      const bad = spawnPgq(target(), ["web", "--port", "http"]);
      const result = await bad.exited;
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    });
  },
  { installed: true },
);
