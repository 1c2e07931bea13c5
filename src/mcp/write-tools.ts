/**
 * The tools that change the queue, registered only when writes are enabled
 * (`pgq mcp --allow-write`): requeue held jobs, cancel jobs, delete held jobs, delete schedules.
 *
 * @module
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ScheduleQueries } from "../adapters/persistence/schedule-queries.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { DashboardInsights } from "../web/insights.js";
import { jsonResult } from "./serialize.js";

/** The names of the write tools, in registration order. */
export const WRITE_TOOL_NAMES = ["requeue_jobs", "cancel_jobs", "delete_failed_jobs", "delete_schedules"] as const;

const idsArgument = z.array(z.number().int().min(1)).min(1).max(1000).describe("job ids");

/** Register the write tools on `server`. */
export function registerWriteTools(server: McpServer, insights: DashboardInsights, scheduleQueries: ScheduleQueries): void {
  server.registerTool(
    "requeue_jobs",
    {
      title: "Requeue held jobs",
      description: "Put held (failed) jobs back in the queue, eligible now, attempts reset to 0. Ids of jobs that are not held are ignored. Returns the ids requeued.",
      inputSchema: { ids: idsArgument },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ ids }) => jsonResult({ requeued: await insights.requeue(ids) }),
  );

  server.registerTool(
    "cancel_jobs",
    {
      title: "Cancel jobs",
      description: "Remove jobs from the queue (queued, running or held), log them as canceled and tell workers running them to stop. Returns the ids canceled.",
      inputSchema: { ids: idsArgument },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ ids }) => jsonResult({ canceled: await insights.cancel(ids) }),
  );

  server.registerTool(
    "delete_failed_jobs",
    {
      title: "Delete held jobs",
      description: "Delete held (failed) jobs, logging them as deleted. Ids of jobs that are not held are ignored. Returns the ids deleted.",
      inputSchema: { ids: idsArgument },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ ids }) => jsonResult({ deleted: await insights.deleteHeld(ids) }),
  );

  server.registerTool(
    "delete_schedules",
    {
      title: "Delete schedules",
      description: "Delete cron schedules by id and/or entrypoint. A worker that still registers one re-creates it on its next start. Returns how many rows were deleted.",
      inputSchema: {
        ids: z.array(z.number().int().min(1)).max(1000).optional().describe("schedule ids"),
        entrypoints: z.array(z.string().min(1)).max(1000).optional().describe("entrypoint names"),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ ids, entrypoints }) => {
      if ((ids ?? []).length === 0 && (entrypoints ?? []).length === 0) throw new InvalidArgumentError("ids", "give at least one schedule id or entrypoint");
      return jsonResult({ deleted: await scheduleQueries.deleteSchedules({ ids: ids ?? [], entrypoints: entrypoints ?? [] }) });
    },
  );
}
