/**
 * The MCP server as a separate process over stdio (what `pgq mcp` runs), driven by the SDK's
 * stdio client. PostgreSQL only: a child process cannot reach the test's in-memory PGlite.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { READ_TOOL_NAMES } from "../../src/mcp/read-tools.js";
import { toolNames } from "../../src/mcp/index.js";
import { openTestDatabase, selectedBackends, TEST_DSN } from "../support/backends.js";
import { callTool, toolError } from "./support.js";

const SERVER = fileURLToPath(new URL("./stdio-server.ts", import.meta.url));

describe.skipIf(!selectedBackends().includes("postgres"))("MCP over stdio [postgres]", () => {
  it("lists the tools of a child process and answers from the database; writes only with --allow-write", { timeout: 90_000 }, async () => {
    const db = await openTestDatabase("postgres");
    const clients: Client[] = [];
    const connect = async (flags: string[]): Promise<Client> => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: ["--import", "tsx", SERVER, ...flags],
        env: {
          PATH: process.env.PATH ?? "",
          PGQUEUER_TEST_DSN: TEST_DSN,
          PGQUEUER_SCHEMA: db.settingsOptions.schema ?? "",
          PGQUEUER_CHANNEL: db.settingsOptions.channel ?? "",
        },
        stderr: "inherit",
      });
      const client = new Client({ name: "pgqueuer-stdio-test", version: "1.0.0" });
      await client.connect(transport);
      clients.push(client);
      return client;
    };
    try {
      const ids = await new (await import("../../src/adapters/persistence/queries.js")).Queries(db.driver, db.settings).enqueueMany([
        { entrypoint: "stdio_a", payload: "one" },
        { entrypoint: "stdio_a", payload: "two" },
        { entrypoint: "stdio_b", payload: null },
      ]);
      const readOnly = await connect([]);
      expect((await readOnly.listTools()).tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOL_NAMES].sort());
      const sizes = await callTool<{ entrypoint: string; count: number }[]>(readOnly, "queue_size");
      expect(sizes.filter((row) => row.entrypoint === "stdio_a").reduce((sum, row) => sum + row.count, 0)).toBe(2);
      expect(await callTool(readOnly, "job_detail", { id: ids[0] })).toMatchObject({ job: { entrypoint: "stdio_a", payload: { kind: "text", preview: "one" } } });
      expect(await toolError(readOnly, "cancel_jobs", { ids })).toMatch(/not found/);

      const writable = await connect(["--allow-write"]);
      expect((await writable.listTools()).tools.map((tool) => tool.name).sort()).toEqual([...toolNames(true)].sort());
      expect(await callTool(writable, "cancel_jobs", { ids: [ids[2]] })).toEqual({ canceled: [ids[2]] });
      expect(await callTool(readOnly, "queue_overview")).toMatchObject({ queued: 2 });
    } finally {
      for (const client of clients) await client.close();
      await db.close();
    }
  });
});
