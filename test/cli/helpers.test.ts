/**
 * The CLI's building blocks in process: value parsers, output (tables, colours, the status
 * line), the drain progress accounting and the summary pivot, error descriptions.
 */
import { CommanderError, InvalidArgumentError as CommanderArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { describeError, exitCodeFor } from "../../src/cli/errors.js";
import { localIsoTimestamp, parseLogLevel } from "../../src/cli/logger.js";
import { parseFactorySpec } from "../../src/cli/module-loader.js";
import { Output, renderTable } from "../../src/cli/output.js";
import { integerParser, parseDuration, parseJobId } from "../../src/cli/parse.js";
import { DrainProgress, remainingJobs, renderProgress, subtractThroughput, summarize } from "../../src/cli/progress.js";
import { ConnectionError, InvalidArgumentError } from "../../src/domain/errors.js";
import type { QueueStatistics } from "../../src/domain/types.js";

class FakeStream {
  text = "";
  constructor(readonly isTTY: boolean) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe("parsers", () => {
  it("reads durations as milliseconds, with or without a unit", () => {
    expect(parseDuration("500")).toBe(500);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("5s")).toBe(5_000);
    expect(parseDuration("1.5s")).toBe(1_500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("0")).toBe(0);
    for (const bad of ["", "-1", "-5s", "5x", "s", "1e3", "5 seconds", "1..2s"]) {
      expect(() => parseDuration(bad), bad).toThrow(CommanderArgumentError);
    }
  });

  it("reads whole numbers within bounds and job ids", () => {
    const parse = integerParser(1, 10);
    expect(parse("7")).toBe(7);
    for (const bad of ["0", "11", "1.5", "x", "", "9007199254740993"]) expect(() => parse(bad), bad).toThrow(CommanderArgumentError);
    expect(parseJobId("3", [1, 2])).toEqual([1, 2, 3]);
    for (const bad of ["0", "-1", "1.0", "abc", "12x"]) expect(() => parseJobId(bad), bad).toThrow(/positive whole numbers/);
  });

  it("reads log levels case-insensitively, Python names included", () => {
    expect(parseLogLevel("DEBUG")).toBe("debug");
    expect(parseLogLevel("warning")).toBe("warn");
    expect(parseLogLevel("Critical")).toBe("error");
    expect(() => parseLogLevel("loud")).toThrow(CommanderArgumentError);
  });

  it("splits <module>[:export], keeping Windows drive letters", () => {
    expect(parseFactorySpec("./worker.ts")).toEqual({ module: "./worker.ts", exportName: "default" });
    expect(parseFactorySpec("./worker.ts:createWorker")).toEqual({ module: "./worker.ts", exportName: "createWorker" });
    expect(parseFactorySpec("C:\\app\\worker.js")).toEqual({ module: "C:\\app\\worker.js", exportName: "default" });
    expect(parseFactorySpec("C:\\app\\worker.js:make")).toEqual({ module: "C:\\app\\worker.js", exportName: "make" });
    expect(() => parseFactorySpec("./worker.ts:")).toThrow(InvalidArgumentError);
    expect(() => parseFactorySpec("./worker.ts:not-a-name")).toThrow(/not an export name/);
  });
});

describe("output", () => {
  it("aligns tables, numbers to the right, and prints plain text off a terminal", () => {
    const text = renderTable(
      [
        { header: "Name", value: (row: { name: string; count: number }) => row.name },
        { header: "Count", value: (row: { name: string; count: number }) => row.count },
      ],
      [
        { name: "alpha", count: 5 },
        { name: "b", count: 120 },
      ],
    );
    expect(text).toBe("Name   Count\n-----  -----\nalpha      5\nb        120\n");
  });

  it("colours only terminals, and never with NO_COLOR", () => {
    const tty = new FakeStream(true);
    new Output(tty, new FakeStream(true), { env: {} }).table([{ header: "H", value: () => "v" }], [{}]);
    expect(tty.text).toContain("\x1b[");
    const pipe = new FakeStream(false);
    new Output(pipe, new FakeStream(false), { env: {} }).table([{ header: "H", value: () => "v" }], [{}]);
    expect(pipe.text).not.toContain("\x1b[");
    const noColor = new FakeStream(true);
    new Output(noColor, new FakeStream(true), { env: { NO_COLOR: "1" } }).table([{ header: "H", value: () => "v" }], [{}]);
    expect(noColor.text).not.toContain("\x1b[");
  });

  it("clears and redraws the status line around other output, only on a terminal", () => {
    const stdout = new FakeStream(true);
    const stderr = new FakeStream(true);
    const out = new Output(stdout, stderr, { env: { NO_COLOR: "1" } });
    out.status("working");
    out.line("a result");
    expect(stdout.text).toBe("a result\n");
    expect(stderr.text).toBe("\r\x1b[2Kworking\r\x1b[2Kworking");
    out.clearStatus();
    expect(stderr.text.endsWith("\r\x1b[2K")).toBe(true);

    const pipe = new FakeStream(false);
    const quiet = new Output(new FakeStream(false), pipe, { env: {} });
    quiet.status("working");
    expect(pipe.text).toBe("");
  });

  it("prints JSON with dates as ISO strings and buffers as text", () => {
    const stdout = new FakeStream(false);
    new Output(stdout, new FakeStream(false)).printJson({ at: new Date("2024-01-02T03:04:05Z"), payload: Buffer.from("hi") });
    expect(stdout.text).toBe('{"at":"2024-01-02T03:04:05.000Z","payload":"hi"}\n');
  });

  it("formats local ISO timestamps with their offset", () => {
    expect(localIsoTimestamp(new Date())).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  });
});

describe("drain progress", () => {
  const sizes = (queued: number, picked = 0, failed = 0): QueueStatistics[] => [
    { entrypoint: "a", priority: 0, status: "queued", count: queued },
    { entrypoint: "a", priority: 0, status: "picked", count: picked },
    { entrypoint: "a", priority: 0, status: "failed", count: failed },
  ];

  it("counts drops in the remaining work as processed, never going backwards when jobs are added", async () => {
    expect(remainingJobs(sizes(3, 2, 7))).toBe(5);
    const readings = [sizes(10), sizes(6, 2), sizes(9, 1), sizes(0, 0, 1)];
    let index = 0;
    const stderr = new FakeStream(true);
    const progress = new DrainProgress(new Output(new FakeStream(true), stderr, { env: { NO_COLOR: "1" } }), async () => readings[Math.min(index++, readings.length - 1)]!, 60_000);
    progress.start(); // first reading: 10 remaining
    await new Promise((resolve) => setImmediate(resolve));
    expect(progress.snapshot()).toMatchObject({ processed: 0, remaining: 10 });
    const final = await progress.stop(); // one more reading: 8 remaining
    expect(final).toMatchObject({ processed: 2, remaining: 8 });
    expect(stderr.text).toContain("0/10 processed · 10 remaining");
    expect(stderr.text.endsWith("\r\x1b[2K")).toBe(true); // the line is removed at the end
  });

  it("renders a bar with processed, remaining and rate", () => {
    expect(renderProgress({ processed: 30, remaining: 10, rate: 12.345, elapsed: 2_430 })).toBe(
      `[${"█".repeat(18)}${"░".repeat(6)}] 30/40 processed · 10 remaining · 12.3 jobs/s · 2.4 s`,
    );
  });

  it("pivots the summary by entrypoint, leaving out queued and picked", () => {
    const { rows, statuses } = summarize([
      { entrypoint: "b", status: "successful", totalCount: 4 },
      { entrypoint: "a", status: "queued", totalCount: 9 },
      { entrypoint: "a", status: "picked", totalCount: 9 },
      { entrypoint: "a", status: "exception", totalCount: 1 },
      { entrypoint: "a", status: "deleted", totalCount: 2 },
    ]);
    expect(statuses).toEqual(["successful", "exception", "failed", "canceled", "deleted"]);
    expect(rows).toEqual([
      { entrypoint: "a", counts: { exception: 1, deleted: 2 }, total: 3 },
      { entrypoint: "b", counts: { successful: 4 }, total: 4 },
    ]);
  });
});

describe("subtractThroughput", () => {
  it("keeps only what happened between two all-time totals", () => {
    const before = [
      { entrypoint: "a", status: "successful" as const, totalCount: 10 },
      { entrypoint: "b", status: "exception" as const, totalCount: 1 },
    ];
    const after = [
      { entrypoint: "a", status: "successful" as const, totalCount: 15 },
      { entrypoint: "b", status: "exception" as const, totalCount: 1 },
      { entrypoint: "c", status: "failed" as const, totalCount: 2 },
    ];
    expect(subtractThroughput(after, before)).toEqual([
      { entrypoint: "a", status: "successful", totalCount: 5 },
      { entrypoint: "b", status: "exception", totalCount: 0 },
      { entrypoint: "c", status: "failed", totalCount: 2 },
    ]);
  });
});

describe("errors", () => {
  it("maps errors to exit codes and one-line messages", () => {
    expect(exitCodeFor(new CommanderError(1, "commander.unknownOption", "x"))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, "commander.helpDisplayed", "x"))).toBe(0);
    expect(exitCodeFor(new InvalidArgumentError("module", "bad"))).toBe(2);
    expect(exitCodeFor(new Error("boom"))).toBe(1);
    expect(describeError(new Error("first line\n  second line"))).toBe("first line second line");
    // node-postgres rejects with an AggregateError whose own message is empty.
    const refused = new ConnectionError("", { cause: new AggregateError([new Error("connect ECONNREFUSED ::1:5432")], "") });
    expect(describeError(refused)).toBe("cannot reach the database: connect ECONNREFUSED ::1:5432");
  });
});
