/**
 * Long-running servers: `pgq web` (the dashboard), `pgq mcp` (Model Context Protocol over
 * stdio) and `pgq metrics` (a Prometheus endpoint). Each runs until SIGINT/SIGTERM.
 *
 * @module
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { integerParser } from "../parse.js";
import { aborted, shutdownSignal } from "../signals.js";

const parsePort = integerParser(0, 65_535);

/** Register `web`, `mcp` and `metrics` on `program`. */
export function registerServerCommands(program: Command, context: CliContext): void {
  program
    .command("web")
    .description("serve the web dashboard (localhost only by default; Basic auth from PGQUEUER_WEB_USER/PGQUEUER_WEB_PASSWORD)")
    .option("--host <host>", "interface to bind (env PGQUEUER_WEB_HOST, default 127.0.0.1)")
    .option("--port <port>", "TCP port (env PGQUEUER_WEB_PORT, default 8080)", parsePort)
    .option("--read-only", "hide requeue, cancel and delete")
    .action(async (options: { host?: string; port?: number; readOnly?: boolean }) => {
      const database = await context.openDatabase();
      const { runWebCommand } = await import("../../web/index.js");
      const shutdown = shutdownSignal();
      try {
        await runWebCommand({
          queries: database.queries,
          scheduleQueries: database.schedules,
          schemaManager: database.schema,
          driver: database.driver,
          signal: shutdown.signal,
          logger: context.logger("info"),
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(options.port === undefined ? {} : { port: options.port }),
          ...(options.readOnly ? { readOnly: true } : {}),
          onListening: ({ url }) => context.io.stderr.write(`pgq web: listening on ${url}\n`),
        });
      } finally {
        shutdown.dispose();
      }
    });

  program
    .command("mcp")
    .description("serve the queue's insights (and, with --allow-write, actions) as Model Context Protocol tools over stdio")
    .option("--allow-write", "also offer requeue, cancel and delete tools")
    .action(async (options: { allowWrite?: boolean }) => {
      const database = await context.openDatabase();
      const { runMcpCommand } = await import("../../mcp/index.js");
      const shutdown = shutdownSignal();
      try {
        // stdout carries protocol messages only: everything else goes to stderr.
        await runMcpCommand({
          queries: database.queries,
          scheduleQueries: database.schedules,
          schemaManager: database.schema,
          driver: database.driver,
          allowWrite: options.allowWrite === true,
          signal: shutdown.signal,
        });
      } finally {
        shutdown.dispose();
      }
    });

  program
    .command("metrics")
    .description("serve Prometheus metrics (queue depth by entrypoint and status, workers, log counts)")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "TCP port", parsePort, 9464)
    .action(async (options: { host: string; port: number }) => {
      const database = await context.openDatabase();
      const { startMetricsServer } = await import("../../metrics/index.js");
      const shutdown = shutdownSignal();
      const server = await startMetricsServer({ port: options.port, host: options.host, queries: database.queries });
      context.io.stderr.write(`pgq metrics: serving ${server.url}\n`);
      try {
        await aborted(shutdown.signal);
      } finally {
        shutdown.dispose();
        await server.close();
      }
    });
}
