/**
 * `createMcpServer`: a Model Context Protocol server (official TypeScript SDK) exposing the
 * queue's insights as tools, read-only unless writes are enabled (CATALOGUE §29). It runs
 * predefined reads only; there is no tool that takes SQL.
 *
 * @module
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { DashboardInsights, type InsightSources } from "../web/insights.js";
import { READ_TOOL_NAMES, registerReadTools } from "./read-tools.js";
import { WRITE_TOOL_NAMES, registerWriteTools } from "./write-tools.js";

/** Options of {@link createMcpServer}. */
export interface McpServerOptions extends InsightSources {
  /** Register the tools that requeue, cancel and delete (default false). */
  readonly allowWrite?: boolean;
  /** Server name announced to clients (default `pgqueuer`). */
  readonly name?: string;
  /** Server version announced to clients (default `0.1.0`). */
  readonly version?: string;
}

/** The guide prompt: what the tools are for and how to read their results. */
const GUIDE = `You are looking at a pgqueuer job queue (PostgreSQL-backed, schema-compatible with Python PgQueuer).
Statuses: queued (waiting), picked (running on a worker), failed (held after an error, waiting for an operator),
and, in the log only, successful, exception, canceled, deleted.
Start with queue_overview; then entrypoint_stats for per-entrypoint health, failed_jobs and exception_logs for errors,
job_detail for one job's payload, headers and history, active_workers and stale_jobs for workers that may have died.
Windows and thresholds are ISO-8601 durations (PT1H, PT30M, P1D). Durations in results are milliseconds; times are UTC.`;

/**
 * Build the server (not yet connected: call `server.connect(transport)`).
 * @throws InvalidArgumentError for bad options.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  checkOptions(options);
  const insights = new DashboardInsights(options);
  const server = new McpServer(
    { name: options.name ?? "pgqueuer", version: options.version ?? "0.1.0" },
    { instructions: GUIDE, capabilities: { tools: {}, prompts: {} } },
  );
  registerReadTools(server, insights, options.queries);
  if (options.allowWrite === true) registerWriteTools(server, insights, options.scheduleQueries);
  server.registerPrompt("pgqueuer_guide", { title: "pgqueuer guide", description: "How to investigate a pgqueuer queue with these tools." }, () => ({
    messages: [{ role: "user", content: { type: "text", text: GUIDE } }],
  }));
  return server;
}

/** The tool names a server built with `allowWrite` registers. */
export function toolNames(allowWrite: boolean): readonly string[] {
  return allowWrite ? [...READ_TOOL_NAMES, ...WRITE_TOOL_NAMES] : [...READ_TOOL_NAMES];
}

function checkOptions(options: McpServerOptions): void {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "must be an object");
  const needs: readonly (readonly [string, unknown, string])[] = [
    ["queries", options.queries, "queueSize"],
    ["scheduleQueries", options.scheduleQueries, "peekSchedules"],
    ["driver", options.driver, "query"],
  ];
  for (const [name, value, method] of needs) {
    if (typeof value !== "object" || value === null || typeof (value as Record<string, unknown>)[method] !== "function") {
      throw new InvalidArgumentError(name, "is required (the objects of an open database)");
    }
  }
  if (options.allowWrite !== undefined && typeof options.allowWrite !== "boolean") {
    throw new InvalidArgumentError("allowWrite", `must be a boolean, got ${JSON.stringify(options.allowWrite)}`);
  }
}
