/**
 * Helpers of the MCP tests: an SDK client connected to our server through the SDK's in-memory
 * transport, and a tool call that parses the JSON result (or fails with the tool's error).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Queries } from "../../src/adapters/persistence/queries.js";
import { ScheduleQueries } from "../../src/adapters/persistence/schedule-queries.js";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { createMcpServer } from "../../src/mcp/index.js";
import type { TestDatabase } from "../support/backends.js";

/** A connected client and the objects behind the server. */
export interface McpFixture {
  readonly client: Client;
  readonly queries: Queries;
  close(): Promise<void>;
}

/** Connect an SDK client to a server over the test database. */
export async function connectClient(db: TestDatabase, options: { allowWrite?: boolean } = {}): Promise<McpFixture> {
  const queries = new Queries(db.driver, db.settings);
  const server = createMcpServer({
    queries,
    scheduleQueries: new ScheduleQueries({ driver: db.driver, settings: db.settings }),
    schemaManager: new SchemaManager(db.driver, db.settings),
    driver: db.driver,
    ...options,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "pgqueuer-tests", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    client,
    queries,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The text of a tool result. */
export function resultText(result: Awaited<ReturnType<Client["callTool"]>>): string {
  const content = result.content as { type: string; text?: string }[] | undefined;
  return content?.map((part) => part.text ?? "").join("") ?? "";
}

/** Call a tool and parse its JSON; throws with the tool's message when it reports an error. */
export async function callTool<T = any>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  const text = resultText(result);
  if (result.isError === true) throw new Error(text);
  return JSON.parse(text) as T;
}

/** Call a tool that must fail; resolves to its error text. */
export async function toolError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  try {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError === true) return resultText(result);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${name} succeeded, but it should have failed`);
}
