import { beforeEach, expect, it } from "vitest";
import { DatabaseError, DuplicateJobError } from "../../../src/domain/errors.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend } from "../../support/backends.js";
import { captureEvents, claim, logRows, queriesFor, queueRows, resetTables } from "./support.js";

describeEachBackend("Queries.enqueue", (db) => {
  beforeEach(() => resetTables(db()));

  it("inserts one job and returns its id; the queue grows by one per call (ENQ-1)", async () => {
    const queries = queriesFor(db());
    const first = await queries.enqueue("placeholder");
    const second = await queries.enqueue("placeholder", null);
    expect(typeof first).toBe("number");
    expect(second).toBeGreaterThan(first);
    const sizes = await queries.queueSize();
    expect(sizes).toEqual([{ count: 2, entrypoint: "placeholder", priority: 0, status: "queued" }]);
  });

  it("starts every job queued, attempts 0, unowned, created = updated = heartbeat = execute_after (ENQ-3, ENQ-7)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("fresh", "x");
    const job = await queries.queueJobById(id);
    expect(job).toMatchObject({ id, status: "queued", attempts: 0, queueManagerId: null, priority: 0, entrypoint: "fresh", dedupeKey: null });
    expect(job!.updated.getTime()).toBe(job!.created.getTime());
    expect(job!.heartbeat.getTime()).toBe(job!.created.getTime());
    expect(job!.executeAfter.getTime()).toBe(job!.created.getTime());
  });

  it("returns batch ids in input order, strictly increasing (ENQ-2)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany(Array.from({ length: 25 }, (_, index) => ({ entrypoint: `e${index % 3}`, payload: `p${index}`, priority: index % 4 })));
    expect(ids).toHaveLength(25);
    for (let index = 1; index < ids.length; index += 1) expect(ids[index]!).toBeGreaterThan(ids[index - 1]!);
    const rows = await queueRows(db());
    const byId = new Map(rows.map((row) => [row.id as number, row]));
    ids.forEach((id, index) => {
      expect(byId.get(id)!.entrypoint).toBe(`e${index % 3}`);
      expect((byId.get(id)!.payload as Buffer).toString()).toBe(`p${index}`);
      expect(byId.get(id)!.priority).toBe(index % 4);
    });
  });

  it("writes exactly one queued log row per job, in the same statement (ENQ-4)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([
      { entrypoint: "a", priority: 3 },
      { entrypoint: "b", priority: -2 },
    ]);
    const log = await logRows(db());
    expect(log.map((row) => [row.job_id, row.status, row.entrypoint, row.priority, row.traceback])).toEqual([
      [ids[0], "queued", "a", 3, null],
      [ids[1], "queued", "b", -2, null],
    ]);
  });

  it("stores payload bytes exactly: Buffer, Uint8Array view, UTF-8 string, null (ENQ-5)", async () => {
    const queries = queriesFor(db());
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = backing.subarray(2, 5);
    const ids = await queries.enqueueMany([
      { entrypoint: "p", payload: allBytes },
      { entrypoint: "p", payload: view },
      { entrypoint: "p", payload: "héllo 🌍" },
      { entrypoint: "p", payload: null },
      { entrypoint: "p" },
      { entrypoint: "p", payload: Buffer.alloc(0) },
    ]);
    const jobs = await Promise.all(ids.map((id) => queries.queueJobById(id)));
    expect(jobs[0]!.payload!.equals(allBytes)).toBe(true);
    expect([...jobs[1]!.payload!]).toEqual([1, 2, 3]);
    expect(jobs[2]!.payload!.toString("utf8")).toBe("héllo 🌍");
    expect(jobs[3]!.payload).toBeNull();
    expect(jobs[4]!.payload).toBeNull();
    expect(jobs[5]!.payload).toEqual(Buffer.alloc(0));
  });

  it("accepts any 32-bit priority, negative included (ENQ-6)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([
      { entrypoint: "p", priority: -2147483648 },
      { entrypoint: "p", priority: 2147483647 },
    ]);
    expect((await queries.queueJobById(ids[0]!))!.priority).toBe(-2147483648);
    expect((await queries.queueJobById(ids[1]!))!.priority).toBe(2147483647);
  });

  it("stores executeAfter as NOW() + delay, negative delays allowed, or as an absolute Date (ENQ-7, ENQ-9)", async () => {
    const queries = queriesFor(db());
    const at = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123));
    const ids = await queries.enqueueMany([
      { entrypoint: "t", executeAfter: 60_000 },
      { entrypoint: "t", executeAfter: -10_000 },
      { entrypoint: "t", executeAfter: 1.5 },
      { entrypoint: "t", executeAfter: at },
      { entrypoint: "t", executeAfter: null },
    ]);
    const jobs = await Promise.all(ids.map((id) => queries.queueJobById(id)));
    const offset = (index: number) => jobs[index]!.executeAfter.getTime() - jobs[index]!.created.getTime();
    expect(offset(0)).toBe(60_000);
    expect(offset(1)).toBe(-10_000);
    // Dates carry milliseconds: the stored 1.5 ms reads back as 1 or 2
    expect([1, 2]).toContain(offset(2));
    expect(jobs[3]!.executeAfter.toISOString()).toBe(at.toISOString());
    expect(offset(4)).toBe(0);
  });

  it("stores headers as JSON, nested values round-trip, and defaults to the JSON value null (ENQ-11)", async () => {
    const queries = queriesFor(db());
    const headers = { a: "b", n: { x: 1, list: [true, null, 2.5, "s"] }, otel: { traceparent: "00-abc-def-01" } };
    const withHeaders = await queries.enqueue("h", null, { headers });
    const without = await queries.enqueue("h");
    const explicitNull = await queries.enqueue("h", null, { headers: null });
    expect((await queries.queueJobById(withHeaders))!.headers).toEqual(headers);
    expect((await queries.queueJobById(without))!.headers).toBeNull();
    const n = sqlNames(db().settings);
    const types = await db().driver.query<{ id: number; kind: string | null; is_sql_null: boolean }>({
      text: `SELECT id, jsonb_typeof(headers) AS kind, headers IS NULL AS is_sql_null FROM ${n.queueTable} WHERE id = ANY($1::bigint[]) ORDER BY id`,
      values: [`{${without},${explicitNull}}`],
    });
    expect(types).toEqual([
      { id: without, kind: "null", is_sql_null: false },
      { id: explicitNull, kind: "null", is_sql_null: false },
    ]);
  });

  it("stores each job's own fields in a batch that mixes defaults and set values (defaults travel as absent keys)", async () => {
    const queries = queriesFor(db());
    const full = { entrypoint: "mix", priority: 7, payload: "p", executeAfter: 30_000, dedupeKey: "k1", headers: { h: 1 } };
    const bare = { entrypoint: "mix" };
    const ids = await queries.enqueueMany([full, bare, { ...full, dedupeKey: "k2", priority: -1 }, bare]);
    const jobs = await Promise.all(ids.map((id) => queries.queueJobById(id)));
    const shape = (index: number) => {
      const job = jobs[index]!;
      return [job.priority, job.payload?.toString() ?? null, job.executeAfter.getTime() - job.created.getTime(), job.dedupeKey, job.headers];
    };
    expect([0, 1, 2, 3].map(shape)).toEqual([
      [7, "p", 30_000, "k1", { h: 1 }],
      [0, null, 0, null, null],
      [-1, "p", 30_000, "k2", { h: 1 }],
      [0, null, 0, null, null],
    ]);
  });

  it("stores SQL-looking entrypoints, dedupe keys and header keys verbatim, as data", async () => {
    const queries = queriesFor(db());
    const evil = `x'); DROP TABLE ${sqlNames(db().settings).queueTable}; --`;
    const id = await queries.enqueue(evil, evil, { dedupeKey: `"${evil}"`, headers: { [evil]: evil, "$1": "$2", "'": "\\" } });
    const job = await queries.queueJobById(id);
    expect(job!.entrypoint).toBe(evil);
    expect(job!.dedupeKey).toBe(`"${evil}"`);
    expect(job!.payload!.toString()).toBe(evil);
    expect(job!.headers).toEqual({ [evil]: evil, "$1": "$2", "'": "\\" });
    expect(await queries.queueSize()).toHaveLength(1);
  });

  it("raises DuplicateJobError with every key of the call and inserts nothing (ENQ-15, ENQ-16, DOM-15)", async () => {
    const queries = queriesFor(db());
    await queries.enqueue("d", null, { dedupeKey: "k1" });
    const before = await logRows(db());
    const error = await queries.enqueueMany([
      { entrypoint: "d", dedupeKey: "fresh" },
      { entrypoint: "d" },
      { entrypoint: "d", dedupeKey: "k1" },
    ]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DuplicateJobError);
    expect((error as DuplicateJobError).dedupeKeys).toEqual(["fresh", null, "k1"]);
    expect((error as DuplicateJobError).cause).toBeInstanceOf(DatabaseError);
    expect(await queueRows(db())).toHaveLength(1);
    expect(await logRows(db())).toEqual(before);
    await expect(queries.enqueue("d", null, { dedupeKey: "k1" })).rejects.toBeInstanceOf(DuplicateJobError);
  });

  it("fails the whole call under raise when a key repeats inside the batch (ENQ-22)", async () => {
    const queries = queriesFor(db());
    const error = await queries.enqueueMany([
      { entrypoint: "d", dedupeKey: "same" },
      { entrypoint: "d", dedupeKey: "same" },
    ]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DuplicateJobError);
    expect(await queueRows(db())).toHaveLength(0);
    expect(await logRows(db())).toHaveLength(0);
  });

  it("returns null for a skipped single enqueue (ENQ-20)", async () => {
    const queries = queriesFor(db());
    const first = await queries.enqueue("s", null, { dedupeKey: "one", onConflict: "skip" });
    const second = await queries.enqueue("s", null, { dedupeKey: "one", onConflict: "skip" });
    expect(first).toEqual(expect.any(Number));
    expect(second).toBeNull();
  });

  it("keeps the batch shape under skip: null at skipped positions, ids mapped to the right rows (ENQ-20, ENQ-21, ENQ-23)", async () => {
    const queries = queriesFor(db());
    await queries.enqueue("s", null, { dedupeKey: "dup" });
    const logBefore = (await logRows(db())).length;
    const result = await queries.enqueueMany(
      [
        { entrypoint: "s0", payload: "zero" },
        { entrypoint: "s1", payload: "one", dedupeKey: "dup" },
        { entrypoint: "s2", payload: "two" },
        { entrypoint: "s3", payload: "three", dedupeKey: "new" },
      ],
      { onConflict: "skip" },
    );
    expect(result[1]).toBeNull();
    expect(result.filter((id) => id === null)).toHaveLength(1);
    for (const [index, name] of [[0, "zero"], [2, "two"], [3, "three"]] as const) {
      const job = await queries.queueJobById(result[index]!);
      expect(job!.entrypoint).toBe(`s${index}`);
      expect(job!.payload!.toString()).toBe(name);
    }
    const log = await logRows(db());
    expect(log.length - logBefore).toBe(3);
    expect(log.some((row) => row.entrypoint === "s1")).toBe(false);
  });

  it("lets the first occurrence of a key repeated in a batch win under skip (ENQ-22)", async () => {
    const queries = queriesFor(db());
    const result = await queries.enqueueMany(
      [
        { entrypoint: "first", dedupeKey: "k" },
        { entrypoint: "second", dedupeKey: "k" },
        { entrypoint: "third", dedupeKey: "other" },
      ],
      { onConflict: "skip" },
    );
    expect(result[0]).not.toBeNull();
    expect(result[1]).toBeNull();
    expect(result[2]).not.toBeNull();
    expect((await queries.queueJobById(result[0]!))!.entrypoint).toBe("first");
  });

  it("inserts all jobs under skip when every key is new (ENQ-24)", async () => {
    const queries = queriesFor(db());
    const result = await queries.enqueueMany(Array.from({ length: 5 }, (_, index) => ({ entrypoint: "n", dedupeKey: `k${index}` })), { onConflict: "skip" });
    expect(result.every((id) => typeof id === "number")).toBe(true);
    expect(await queueRows(db())).toHaveLength(5);
  });

  it("frees the key once the job leaves queued/picked; a new job gets a new id (ENQ-18)", async () => {
    const queries = queriesFor(db());
    const first = await queries.enqueue("k", null, { dedupeKey: "free-me" });
    const worker = crypto.randomUUID();
    await claim(queries, { entrypoints: ["k"], worker });
    await expect(queries.enqueue("k", null, { dedupeKey: "free-me" })).rejects.toBeInstanceOf(DuplicateJobError);
    await queries.recordOutcomes(worker, [{ jobId: first, outcome: { kind: "successful" } }]);
    const second = await queries.enqueue("k", null, { dedupeKey: "free-me" });
    expect(second).not.toBe(first);
  });

  it("propagates other unique violations unchanged, not as DuplicateJobError (ERR-26)", async () => {
    const queries = queriesFor(db());
    const n = sqlNames(db().settings);
    await db().driver.execute({ text: `CREATE UNIQUE INDEX one_only ON ${n.queueTable} (entrypoint) WHERE entrypoint = 'only-one'` });
    try {
      await queries.enqueue("only-one", null, { dedupeKey: "a" });
      const error = await queries.enqueue("only-one", null, { dedupeKey: "b" }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).not.toBeInstanceOf(DuplicateJobError);
      expect((error as DatabaseError).code).toBe("23505");
    } finally {
      await db().driver.execute({ text: `DROP INDEX ${n.schema === null ? "" : `${n.schema}.`}one_only` });
    }
  });

  it("inserts a 10,000-job batch atomically, in order (ENQ-26)", async () => {
    const queries = queriesFor(db());
    const jobs = Array.from({ length: 10_000 }, (_, index) => ({ entrypoint: "bulk", payload: String(index), dedupeKey: `bulk-${index}` }));
    const ids = await queries.enqueueMany(jobs);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    expect(ids.every((id, index) => index === 0 || id > ids[index - 1]!)).toBe(true);
    expect(await queries.queueSize()).toEqual([{ count: 10_000, entrypoint: "bulk", priority: 0, status: "queued" }]);
    expect((await logRows(db())).length).toBe(10_000);
    // the same batch again conflicts on every key: nothing more is inserted
    await expect(queries.enqueueMany(jobs)).rejects.toBeInstanceOf(DuplicateJobError);
    expect((await queries.queueSize())[0]!.count).toBe(10_000);
  });

  it("notifies once per enqueue statement: 1 insert event per batch, even all-skipped; none when raising (SQL-11)", async () => {
    const queries = queriesFor(db());
    const capture = await captureEvents(db());
    try {
      await queries.enqueueMany([{ entrypoint: "ev", dedupeKey: "e1" }, { entrypoint: "ev" }, { entrypoint: "ev" }]);
      const afterBatch = await capture.settle();
      expect(afterBatch.map((event) => event.type === "table_changed_event" && event.operation)).toEqual(["insert"]);
      expect(afterBatch[0]).toMatchObject({ channel: db().settings.names.channel, table: db().settings.names.queueTable });

      await queries.enqueueMany([{ entrypoint: "ev", dedupeKey: "e1" }], { onConflict: "skip" });
      expect((await capture.settle()).map((event) => event.type === "table_changed_event" && event.operation)).toEqual(["insert"]);

      await expect(queries.enqueue("ev", null, { dedupeKey: "e1" })).rejects.toBeInstanceOf(DuplicateJobError);
      expect(await capture.settle()).toEqual([]);
    } finally {
      await capture.close();
    }
  });
});
