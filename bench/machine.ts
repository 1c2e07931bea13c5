/**
 * A description of where the benchmark ran: machine, operating system, Node.js, the server
 * and the library versions, for the header of RESULTS.md.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { describeServer, type ServerDescription } from "./database.js";

/** Everything the report header says about the environment. */
export interface Environment {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly server: ServerDescription;
  readonly versions: Readonly<Record<string, string>>;
}

function packageVersion(name: string): string {
  try {
    const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** Describe this machine and the server at `dsn`. */
export async function describeEnvironment(dsn: string): Promise<Environment> {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "?",
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    server: await describeServer(dsn),
    versions: Object.fromEntries(["graphile-worker", "pg-boss", "pg", "@electric-sql/pglite"].map((name) => [name, packageVersion(name)])),
  };
}
