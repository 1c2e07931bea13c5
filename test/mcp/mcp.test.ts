/**
 * The MCP server through the official SDK client (in-memory transport), on PostgreSQL and
 * PGlite: the tool list (read-only unless writes are enabled), correct answers on an empty and
 * a populated queue, the write tools' effects, and bad arguments.
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { createMcpServer, parseIsoDuration, runMcpCommand, toolNames } from "../../src/mcp/index.js";
import { READ_TOOL_NAMES } from "../../src/mcp/read-tools.js";
import { WRITE_TOOL_NAMES } from "../../src/mcp/write-tools.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { describeEachBackend, type TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";
import { holdFailingJobs, resetTables } from "../web/support.js";
import { callTool, connectClient, toolError, type McpFixture } from "./support.js";

async function drainSuccessfully(db: TestDatabase, entrypoint: string, count: number): Promise<void> {
  const worker = new PgQueuer(db.driver, { settings: db.settingsOptions });
  worker.entrypoint(entrypoint, async () => undefined);
  await worker.queries.enqueueMany(Array.from({ length: count }, () => ({ entrypoint, payload: null })));
  await within(worker.run({ mode: "drain" }), 20_000, "drain");
}

describeEachBackend("MCP server (read-only)", (db) => {
  let mcp: McpFixture;
  beforeAll(async () => {
    mcp = await connectClient(db());
  });
  afterAll(async () => {
    await mcp?.close();
  });
  beforeEach(async () => {
    await resetTables(db());
  });

  it("lists exactly the read-only tools, each annotated read-only, and the guide prompt", async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOL_NAMES].sort());
    for (const tool of tools) expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    expect(tools.some((tool) => (WRITE_TOOL_NAMES as readonly string[]).includes(tool.name))).toBe(false);
    const { prompts } = await mcp.client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(["pgqueuer_guide"]);
    const guide = await mcp.client.getPrompt({ name: "pgqueuer_guide" });
    expect(JSON.stringify(guide.messages)).toContain("queue_overview");
  });

  it("answers empty lists and zero totals on an empty queue", async () => {
    for (const name of ["queue_size", "queue_table_info", "queue_log", "queue_stats", "failed_jobs", "queue_age", "active_workers", "stale_jobs", "exception_logs", "schedules", "throughput_summary", "job_durations", "entrypoint_stats"]) {
      expect(await callTool(mcp.client, name), name).toEqual([]);
    }
    expect(await callTool(mcp.client, "queue_overview")).toMatchObject({ queued: 0, picked: 0, failed: 0, activeWorkers: 0, oldestQueuedAge: null, exceptionsRecent: 0, backlog: [] });
  });

  it("reports queued jobs: sizes, pages in priority order with payload previews, ages and the overview", async () => {
    const [low, high, other] = await mcp.queries.enqueueMany([
      { entrypoint: "mail", payload: '{"to":"x"}', priority: 1 },
      { entrypoint: "mail", payload: Buffer.from([0xff, 0x01]), priority: 9 },
      { entrypoint: "resize", payload: null },
    ]);
    const sizes = await callTool<{ entrypoint: string; priority: number; status: string; count: number }[]>(mcp.client, "queue_size");
    expect(sizes.reduce((total, row) => total + row.count, 0)).toBe(3);
    expect(sizes.filter((row) => row.entrypoint === "mail").map((row) => row.priority).sort()).toEqual([1, 9]);

    const jobs = await callTool<{ id: number; payload: { kind: string; preview: string } }[]>(mcp.client, "queue_table_info", { entrypoint: "mail" });
    expect(jobs.map((job) => job.id)).toEqual([high, low]);
    expect(jobs[0]?.payload).toMatchObject({ kind: "binary", preview: "ff 01" });
    expect(jobs[1]?.payload).toMatchObject({ kind: "json", preview: '{\n  "to": "x"\n}' });
    expect(await callTool(mcp.client, "queue_table_info", { limit: 1, offset: 2 })).toMatchObject([{ id: other }]);

    const ages = await callTool<{ entrypoint: string; queuedCount: number }[]>(mcp.client, "queue_age");
    expect(ages.map((row) => [row.entrypoint, row.queuedCount])).toEqual([["mail", 2], ["resize", 1]]);
    expect(await callTool(mcp.client, "queue_overview", { window: "PT30M" })).toMatchObject({ queued: 3, picked: 0, failed: 0, window: 1_800_000 });
  });

  it("reports held failures with their error, a job's history, and exceptions", async () => {
    const [id] = await holdFailingJobs(db(), "payments", 1, "card declined");
    const failed = await callTool<{ id: number; status: string; error: { exceptionType: string; exceptionMessage: string } }[]>(mcp.client, "failed_jobs");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id, status: "failed", error: { exceptionType: "TypeError", exceptionMessage: "card declined" } });
    const detail = await callTool<{ job: { status: string }; history: { status: string; traceback: unknown }[] }>(mcp.client, "job_detail", { id });
    expect(detail.job.status).toBe("failed");
    expect(detail.history.map((entry) => entry.status)).toEqual(["queued", "picked", "failed"]);
    expect(detail.history.at(-1)?.traceback).toMatchObject({ exceptionType: "TypeError" });
    expect(await toolError(mcp.client, "job_detail", { id: 987_654_321 })).toMatch(/no job 987654321/);
    const log = await callTool<{ jobId: number; status: string }[]>(mcp.client, "queue_log", { limit: 2 });
    expect(log.map((entry) => [entry.jobId, entry.status])).toEqual([
      [id, "failed"],
      [id, "picked"],
    ]);
    const exceptions = await callTool<{ jobId: number }[]>(mcp.client, "exception_logs");
    expect(exceptions).toEqual([]); // a held job logs `failed`, not `exception`
  });

  it("reports throughput, durations and per-entrypoint statistics after work finished", async () => {
    await drainSuccessfully(db(), "reports", 3);
    await holdFailingJobs(db(), "reports_fail", 1);
    const throughput = await callTool<{ entrypoint: string; status: string; totalCount: number }[]>(mcp.client, "throughput_summary", { window: "P1D" });
    expect(throughput.find((row) => row.entrypoint === "reports" && row.status === "successful")?.totalCount).toBe(3);
    const stats = await callTool<{ entrypoint: string; status: string; count: number }[]>(mcp.client, "queue_stats", { period: "PT1H", limit: 100 });
    expect(stats.filter((row) => row.entrypoint === "reports" && row.status === "successful").reduce((sum, row) => sum + row.count, 0)).toBe(3);
    expect(await toolError(mcp.client, "queue_stats", { period: "yesterday" })).toMatch(/period: Cannot parse duration/);
    const durations = await callTool<{ entrypoint: string; completed: number }[]>(mcp.client, "job_durations");
    expect(durations.find((row) => row.entrypoint === "reports")?.completed).toBe(3);
    const perEntrypoint = await callTool<{ entrypoint: string; failureRate: number | null; sparkline: number[]; failed: number }[]>(mcp.client, "entrypoint_stats", { window: "PT1H" });
    const reports = perEntrypoint.find((row) => row.entrypoint === "reports");
    expect(reports?.failureRate).toBe(0);
    expect(reports?.sparkline).toHaveLength(30);
    expect(reports?.sparkline.reduce((sum, value) => sum + value, 0)).toBe(3);
    expect(perEntrypoint.find((row) => row.entrypoint === "reports_fail")).toMatchObject({ failureRate: 1, failed: 1 });
  });

  it("reports active workers and stale jobs", async () => {
    const worker = "6f1c1b8e-9a57-4c53-9b8f-0d5c2d8e2a11";
    await mcp.queries.enqueueMany([{ entrypoint: "long", payload: null }, { entrypoint: "long", payload: null }]);
    const claimed = await mcp.queries.dequeue({ batchSize: 2, entrypoints: [{ name: "long", concurrencyLimit: 0 }], queueManagerId: worker, workerLimit: null, heartbeatTimeout: 30_000 });
    expect(claimed).toHaveLength(2);
    expect(await callTool(mcp.client, "active_workers")).toMatchObject([{ queueManagerId: worker, activeJobs: 2, entrypoints: ["long"] }]);
    expect(await callTool(mcp.client, "stale_jobs")).toEqual([]);
    // Age one heartbeat instead of waiting for it to go stale.
    await db().driver.execute({ text: `UPDATE ${sqlNames(db().settings).queueTable} SET heartbeat = NOW() - INTERVAL '10 minutes' WHERE id = $1`, values: [claimed[0]!.id] });
    expect(await callTool(mcp.client, "stale_jobs")).toMatchObject([{ id: claimed[0]!.id, queueManagerId: worker }]);
    expect(await callTool(mcp.client, "stale_jobs", { threshold: "PT15M" })).toEqual([]);
  });

  it("reports schedules and schema information", async () => {
    const schedules = new PgQueuer(db().driver, { settings: db().settingsOptions }).scheduleQueries;
    await schedules.registerSchedules({ timetables: [{ entrypoint: "nightly", expression: "0 3 * * *", fireTimes: [new Date(Date.now() + 3_600_000)], fallbackDelay: 60_000 }], cleanOldEntrypoints: [] });
    expect(await callTool(mcp.client, "schedules")).toMatchObject([{ entrypoint: "nightly", expression: "0 3 * * *", overdue: false }]);
    const info = await callTool<{ durability: string; tables: { tableName: string }[]; verification: { ok: boolean }; unaggregatedLogs: number }>(mcp.client, "schema_info");
    expect(info.durability).toBe("durable");
    expect(info.tables.map((table) => table.tableName)).toEqual(["pgqueuer", "pgqueuer_log", "pgqueuer_schedules", "pgqueuer_statistics"]);
    expect(info.verification.ok).toBe(true);
    expect(typeof info.unaggregatedLogs).toBe("number");
  });

  it("rejects bad arguments with a message naming them, and has no write tools", async () => {
    expect(await toolError(mcp.client, "throughput_summary", { window: "1 hour" })).toMatch(/Cannot parse duration/);
    expect(await toolError(mcp.client, "queue_overview", { window: "PT0S" })).toMatch(/Duration must be positive/);
    expect(await toolError(mcp.client, "stale_jobs", { threshold: "soon" })).toMatch(/threshold: Cannot parse duration/);
    expect(await toolError(mcp.client, "job_detail", { id: 0 })).toMatch(/expected number to be >=1 at id/);
    expect(await toolError(mcp.client, "queue_table_info", { status: "done" })).toMatch(/expected one of .* at status/);
    expect(await toolError(mcp.client, "requeue_jobs", { ids: [1] })).toMatch(/Tool requeue_jobs not found/);
  });
});

describeEachBackend("MCP server with --allow-write", (db) => {
  let mcp: McpFixture;
  beforeAll(async () => {
    mcp = await connectClient(db(), { allowWrite: true });
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it("lists the write tools too", async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...toolNames(true)].sort());
    expect(tools.find((tool) => tool.name === "cancel_jobs")?.annotations?.destructiveHint).toBe(true);
  });

  it("requeues, deletes and cancels jobs, and deletes schedules", async () => {
    const [first, second] = await holdFailingJobs(db(), "writes", 2);
    const queued = await mcp.queries.enqueue("writes_queued", null);
    expect(await callTool(mcp.client, "requeue_jobs", { ids: [first, queued] })).toEqual({ requeued: [first] });
    expect(await mcp.queries.queueJobById(first!)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await callTool(mcp.client, "delete_failed_jobs", { ids: [second, queued] })).toEqual({ deleted: [second] });
    expect(await mcp.queries.queueJobById(second!)).toBeNull();
    expect(await callTool(mcp.client, "cancel_jobs", { ids: [first, queued] })).toEqual({ canceled: [first, queued].sort((a, b) => a! - b!) });
    expect(await mcp.queries.queueJobById(queued)).toBeNull();

    const schedules = new PgQueuer(db().driver, { settings: db().settingsOptions }).scheduleQueries;
    await schedules.registerSchedules({ timetables: [{ entrypoint: "doomed", expression: "* * * * *", fireTimes: [new Date(Date.now() + 60_000)], fallbackDelay: 60_000 }], cleanOldEntrypoints: [] });
    expect(await callTool(mcp.client, "delete_schedules", { entrypoints: ["doomed"] })).toEqual({ deleted: 1 });
    expect(await toolError(mcp.client, "delete_schedules", {})).toMatch(/at least one/);
    expect(await toolError(mcp.client, "requeue_jobs", { ids: [] })).toMatch(/expected array to have >=1 items at ids/);
  });
});

describe("MCP server construction and stdio lifecycle", () => {
  it("parses ISO-8601 durations (MCP-10)", () => {
    expect(parseIsoDuration("PT1H", "window")).toBe(3_600_000);
    expect(parseIsoDuration("pt30m", "window")).toBe(1_800_000);
    expect(parseIsoDuration("P1D", "window")).toBe(86_400_000);
    expect(parseIsoDuration("P7D", "window")).toBe(604_800_000);
    expect(parseIsoDuration("P2DT3H30M15S", "window")).toBe(((2 * 24 + 3) * 3600 + 30 * 60 + 15) * 1000);
    expect(parseIsoDuration("PT0.5S", "window")).toBe(500);
    expect(parseIsoDuration(undefined, "window")).toBeNull();
    expect(parseIsoDuration("", "window")).toBeNull();
    for (const bad of ["P", "PT", "P1DT", "1h", "PT-1H", "PTXS"]) expect(() => parseIsoDuration(bad, "window")).toThrow(/window: Cannot parse duration/);
    expect(() => parseIsoDuration("PT0S", "window")).toThrow(/Duration must be positive/);
  });

  it("refuses to build without the database objects", () => {
    expect(() => createMcpServer({} as never)).toThrow(InvalidArgumentError);
    expect(() => createMcpServer({ queries: { queueSize() {} }, scheduleQueries: { peekSchedules() {} }, driver: { query() {} }, allowWrite: "yes" } as never)).toThrow(/allowWrite/);
  });

  it("runMcpCommand answers on its streams and returns when the input ends", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const fake = { queueSize: async () => [], settings: {} };
    const running = runMcpCommand({ queries: fake, scheduleQueries: { peekSchedules: async () => [] }, driver: { query: async () => [] }, input, output } as never);
    const firstLine = new Promise<string>((resolve) => {
      let buffer = "";
      output.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.includes("\n")) resolve(buffer.slice(0, buffer.indexOf("\n")));
      });
    });
    input.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}\n`);
    const response = JSON.parse(await within(firstLine, 10_000, "initialize response")) as { id: number; result: { serverInfo: { name: string } } };
    expect(response.id).toBe(1);
    expect(response.result.serverInfo.name).toBe("pgqueuer");
    input.end();
    await within(running, 10_000, "runMcpCommand to return after the input ended");
  });
});
