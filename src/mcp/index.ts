/**
 * The MCP server of `pgq mcp`: the queue's insights (and, with `--allow-write`, its actions)
 * as Model Context Protocol tools over stdio. See docs/mcp.md.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpServer, type McpServerOptions } from "./server.js";

export { createMcpServer, toolNames, type McpServerOptions } from "./server.js";
export { parseIsoDuration } from "./duration.js";

/** Options of {@link runMcpCommand}. */
export interface McpCommandOptions extends McpServerOptions {
  /** Where requests arrive (default `process.stdin`). */
  readonly input?: Readable;
  /** Where responses go (default `process.stdout`; nothing else may write there). */
  readonly output?: Writable;
  /** Aborting it closes the server. */
  readonly signal?: AbortSignal;
}

/**
 * Serve MCP over stdio until the client closes the input stream (or `signal` aborts), then
 * close the server. What `pgq mcp [--allow-write]` calls, with the database the CLI opened;
 * the caller closes the database afterwards.
 */
export async function runMcpCommand(options: McpCommandOptions): Promise<void> {
  const server = createMcpServer(options);
  const input = options.input ?? process.stdin;
  const transport = new StdioServerTransport(input, options.output ?? process.stdout);
  const finished = new Promise<void>((resolve) => {
    // The SDK's stdio transport does not notice the end of its input by itself.
    input.once("end", resolve);
    input.once("close", resolve);
    transport.onclose = () => resolve();
    if (options.signal !== undefined) {
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener("abort", () => resolve(), { once: true });
    }
  });
  await server.connect(transport);
  try {
    await finished;
  } finally {
    await server.close();
  }
}
