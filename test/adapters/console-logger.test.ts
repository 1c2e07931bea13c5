/**
 * The console logger (levels, text and pino-shaped JSON lines, stream routing, password
 * scrubbing), and an audit of the library's own log calls: none passes a connection string.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, type ConsoleLoggerOptions } from "../../src/adapters/console-logger.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";

function capture(options: ConsoleLoggerOptions = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logger = createConsoleLogger({ ...options, streams: { stdout: { write: (line) => out.push(line) }, stderr: { write: (line) => err.push(line) } } });
  return { logger, out, err };
}

describe("createConsoleLogger", () => {
  it("prints readable text lines naming the job, info to stdout and warnings to stderr", () => {
    const { logger, out, err } = capture();
    logger.info({ jobId: 7, entrypoint: "send_email", durationMs: 12.5 }, "job finished");
    logger.warn("listener lost");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}job finished jobId=7 entrypoint=send_email durationMs=12\.5\n$/);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/ WARN {2}listener lost\n$/);
  });

  it("filters by level (default info) and prints nothing when silent", () => {
    const normal = capture();
    normal.logger.debug("hidden");
    normal.logger.error("shown");
    expect([...normal.out, ...normal.err]).toHaveLength(1);
    const verbose = capture({ level: "debug" });
    verbose.logger.debug("shown");
    expect(verbose.out).toHaveLength(1);
    const silent = capture({ level: "silent" });
    silent.logger.error("hidden");
    expect([...silent.out, ...silent.err]).toHaveLength(0);
  });

  it("writes pino-shaped JSON lines with serialized errors", () => {
    const { logger, err } = capture({ json: true });
    logger.error({ jobId: 3, entrypoint: "e", err: new TypeError("bad") }, "job failed");
    const record = JSON.parse(err[0]!);
    expect(record).toMatchObject({ level: 50, msg: "job failed", jobId: 3, entrypoint: "e", err: { type: "TypeError", message: "bad" } });
    expect(typeof record.time).toBe("number");
  });

  it("never prints a connection string's password, in text or JSON, message, field or error", () => {
    for (const json of [false, true]) {
      const { logger, out, err } = capture({ json });
      logger.info({ dsn: "postgres://app:s3cret@db:5432/app", conninfo: "host=db password=s3cret user=app" }, "connecting to postgresql://u:s3cret@h/d");
      logger.error({ err: new Error("failed: postgres://app:s3cret@db/app?sslpassword=s3cret") }, "boom");
      const printed = [...out, ...err].join("");
      expect(printed).not.toContain("s3cret");
      expect(printed).toContain("app:***@db");
    }
  });

  it("rejects an unknown level, naming the option", () => {
    expect(() => createConsoleLogger({ level: "verbose" as never })).toThrow(InvalidArgumentError);
    expect(() => createConsoleLogger({ level: "verbose" as never })).toThrow(/level/);
  });
});

describe("log audit of src/", () => {
  it("no log call in the library passes a DSN, password or connection string", () => {
    const root = fileURLToPath(new URL("../../src", import.meta.url));
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((name) => name.endsWith(".ts")).map((name) => join(root, name));
    expect(files.length).toBeGreaterThan(20);
    const offending: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/logger\.(?:debug|info|warn|error)\(([\s\S]*?)\);/g)) {
        if (/\b(dsn|password|connectionString|conninfo)\b/i.test(match[1]!)) offending.push(`${file}: ${match[0].slice(0, 120)}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
