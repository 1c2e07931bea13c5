/**
 * The read-only tools of the MCP server (CATALOGUE MCP-2..MCP-9): each runs predefined reads
 * (no arbitrary SQL) and returns JSON. Windows and thresholds are ISO-8601 durations.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Queries } from "../adapters/persistence/queries.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { DashboardInsights } from "../web/insights.js";
import { parseIsoDuration } from "./duration.js";
import { jobJson, jsonResult, logEntryJson, tracebackJson } from "./serialize.js";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const windowArgument = z.string().optional().describe("ISO-8601 duration back from now, e.g. PT1H (default), PT30M, P1D; capped at 24 hours");
const historyArgument = z.string().optional().describe("ISO-8601 duration back from now, e.g. PT1H (default), P1D, P7D");
const limitArgument = (fallback: number) => z.number().int().min(1).max(1000).optional().describe(`at most this many rows (default ${fallback})`);

/** The names of the read-only tools, in registration order. */
export const READ_TOOL_NAMES = [
  "queue_overview",
  "queue_size",
  "queue_table_info",
  "failed_jobs",
  "job_detail",
  "queue_log",
  "queue_stats",
  "throughput_summary",
  "job_durations",
  "entrypoint_stats",
  "queue_age",
  "active_workers",
  "stale_jobs",
  "exception_logs",
  "schedules",
  "schema_info",
] as const;

/** Register the read-only tools on `server`. */
export function registerReadTools(server: McpServer, insights: DashboardInsights, queries: Queries): void {
  const windowOf = (value: string | undefined): number | null => parseIsoDuration(value, "window");

  server.registerTool(
    "queue_overview",
    {
      title: "Queue overview",
      description: "Totals of queued, picked (running) and held failed jobs, active workers, the oldest queued job's age (ms) and exceptions within the window.",
      inputSchema: { window: windowArgument },
      annotations: READ_ONLY,
    },
    async ({ window }) => {
      const overview = await insights.overview(windowOf(window));
      const { throughput: _series, ...totals } = overview;
      return jsonResult(totals);
    },
  );

  server.registerTool(
    "queue_size",
    { title: "Queue size", description: "Job counts per (entrypoint, priority, status) in the queue table.", inputSchema: {}, annotations: READ_ONLY },
    async () => jsonResult(await queries.queueSize()),
  );

  server.registerTool(
    "queue_table_info",
    {
      title: "Jobs in the queue table",
      description: "Jobs in the queue table, highest priority first then oldest id. Status: active (queued + picked, default), queued, picked or failed (held).",
      inputSchema: {
        status: z.enum(["active", "queued", "picked", "failed"]).optional(),
        entrypoint: z.string().min(1).optional(),
        limit: limitArgument(50),
        offset: z.number().int().min(0).optional().describe("rows to skip (default 0)"),
      },
      annotations: READ_ONLY,
    },
    async ({ status, entrypoint, limit, offset }) => {
      const jobs = await queries.browseQueue({
        limit: limit ?? 50,
        offset: offset ?? 0,
        statuses: status === undefined || status === "active" ? ["queued", "picked"] : [status],
        entrypoints: entrypoint === undefined ? null : [entrypoint],
      });
      return jsonResult(jobs.map(jobJson));
    },
  );

  server.registerTool(
    "failed_jobs",
    {
      title: "Held failed jobs",
      description: "Jobs held after failing (entrypoints registered with onFailure: hold), newest first, each with the error that held it.",
      inputSchema: { limit: limitArgument(50) },
      annotations: READ_ONLY,
    },
    async ({ limit }) => {
      const jobs = await queries.listFailedJobs({ limit: limit ?? 50 });
      const errors = await insights.latestTracebacks(jobs.map((job) => job.id));
      return jsonResult(jobs.map((job) => ({ ...jobJson(job), error: tracebackJson(errors.get(job.id) ?? null) })));
    },
  );

  server.registerTool(
    "job_detail",
    {
      title: "Job detail",
      description: "One job: its row (while it is in the queue table), payload preview, headers, and its log history with tracebacks.",
      inputSchema: { id: z.number().int().min(1).describe("the job id") },
      annotations: READ_ONLY,
    },
    async ({ id }) => {
      const detail = await insights.job(id);
      if (detail === null) throw new InvalidArgumentError("id", `no job ${id} in the queue table or its log`);
      return jsonResult({ job: detail.job === null ? null : jobJson(detail.job), history: detail.history.map(logEntryJson) });
    },
  );

  server.registerTool(
    "queue_log",
    {
      title: "Queue log",
      description: "The newest log rows (one per status change of a job: queued, picked, successful, exception, canceled, deleted, failed), newest first, with tracebacks.",
      inputSchema: { limit: limitArgument(100) },
      annotations: READ_ONLY,
    },
    async ({ limit }) => jsonResult((await insights.recentLog(limit ?? 100)).map(logEntryJson)),
  );

  server.registerTool(
    "queue_stats",
    {
      title: "Statistics rows",
      description: "Per-second outcome counts (entrypoint, priority, status, count), newest first, after folding the log into statistics; optionally only within the period.",
      inputSchema: { period: historyArgument, limit: limitArgument(50) },
      annotations: READ_ONLY,
    },
    async ({ period, limit }) => jsonResult(await queries.logStatistics({ limit: limit ?? 50, last: parseIsoDuration(period, "period") })),
  );

  server.registerTool(
    "throughput_summary",
    {
      title: "Throughput",
      description: "Finished and logged jobs per (entrypoint, status) within the window (statistics are folded from the log first).",
      inputSchema: { window: historyArgument },
      annotations: READ_ONLY,
    },
    async ({ window }) => jsonResult(await queries.throughputSummary({ last: windowOf(window) ?? 3_600_000 })),
  );

  server.registerTool(
    "job_durations",
    {
      title: "Job durations",
      description: "Pick-to-finish duration percentiles (p50, p95, p99, max; milliseconds) per entrypoint within the window.",
      inputSchema: { window: windowArgument },
      annotations: READ_ONLY,
    },
    async ({ window }) => jsonResult(await queries.jobDurationPercentiles({ last: Math.min(windowOf(window) ?? 3_600_000, 86_400_000) })),
  );

  server.registerTool(
    "entrypoint_stats",
    {
      title: "Entrypoint statistics",
      description: "Per entrypoint: queued/picked/held counts, oldest queued age, completed jobs, duration percentiles (ms), failure rate (0..1) and outcome counts in 30 slots over the window.",
      inputSchema: { window: windowArgument },
      annotations: READ_ONLY,
    },
    async ({ window }) => jsonResult(await insights.entrypointStats(windowOf(window))),
  );

  server.registerTool(
    "queue_age",
    { title: "Queue age", description: "Per entrypoint with queued jobs: how many, and the oldest and average age (ms).", inputSchema: {}, annotations: READ_ONLY },
    async () => jsonResult(await queries.queueAge()),
  );

  server.registerTool(
    "active_workers",
    { title: "Active workers", description: "Workers (queue managers) currently holding picked jobs, with their heartbeats and entrypoints.", inputSchema: {}, annotations: READ_ONLY },
    async () => jsonResult(await queries.activeWorkers()),
  );

  server.registerTool(
    "stale_jobs",
    {
      title: "Stale jobs",
      description: "Picked jobs whose heartbeat is older than the threshold: their worker may have died.",
      inputSchema: { threshold: z.string().optional().describe("ISO-8601 duration, default PT5M"), limit: limitArgument(50) },
      annotations: READ_ONLY,
    },
    async ({ threshold, limit }) => jsonResult(await queries.staleJobs({ threshold: parseIsoDuration(threshold, "threshold") ?? 300_000, limit: limit ?? 50 })),
  );

  server.registerTool(
    "exception_logs",
    { title: "Exception log", description: "The newest log rows with status exception, with their tracebacks.", inputSchema: { limit: limitArgument(50) }, annotations: READ_ONLY },
    async ({ limit }) => jsonResult((await queries.exceptionLogs({ limit: limit ?? 50 })).map(logEntryJson)),
  );

  server.registerTool(
    "schedules",
    { title: "Schedules", description: "Every cron schedule with its expression, status, next and last run.", inputSchema: {}, annotations: READ_ONLY },
    async () => {
      const { schedules, databaseTime } = await insights.schedules();
      return jsonResult(schedules.map((schedule) => ({ ...schedule, overdue: schedule.nextRun < databaseTime && schedule.status !== "picked" })));
    },
  );

  server.registerTool(
    "schema_info",
    {
      title: "Schema info",
      description: "The PgQueuer tables (persistence, estimated rows, size), the durability they amount to, log rows not yet aggregated, and whether the schema is complete.",
      inputSchema: {},
      annotations: READ_ONLY,
    },
    async () => {
      const view = await insights.system();
      return jsonResult({
        schema: view.settings.schema,
        channel: view.settings.names.channel,
        durability: view.durability,
        tables: view.tables,
        unaggregatedLogs: view.unaggregatedLogs,
        verification: view.report === null ? null : { ok: view.report.ok, missing: view.report.missing, unexpected: view.report.unexpected },
      });
    },
  );
}
