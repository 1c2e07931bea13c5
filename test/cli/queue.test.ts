/**
 * `pgq queue | failed | requeue | cancel` against an installed database on both backends.
 */
import { expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { describeEachCliBackend, runPgq, show, withDatabase, type CliTarget } from "./support.js";

const TIMEOUT = 300_000;

/** Make `count` held jobs: a worker whose handler always throws, with onFailure "hold". */
async function holdJobs(target: CliTarget, count: number): Promise<number[]> {
  return withDatabase(target, async (db) => {
    const pgq = new PgQueuer(db.driver, { settings: { ...(target.schema === undefined ? {} : { schema: target.schema }), channel: target.settings.names.channel } });
    pgq.entrypoint("fragile", { onFailure: "hold" }, async () => {
      throw new Error("always fails");
    });
    const ids = await pgq.queries.enqueueMany(Array.from({ length: count }, (_, index) => ({ entrypoint: "fragile", payload: `item-${index}` })));
    await pgq.run({ mode: "drain", dequeueTimeout: 500 });
    return ids.map((id) => id!);
  });
}

describeEachCliBackend(
  "pgq job commands",
  (target) => {
    it(
      "enqueues with priority, delay and dedupe key; raise exits 1, skip exits 0",
      async () => {
        let result = await runPgq(target(), ["queue", "greet", "hello world", "--priority", "7", "--execute-after", "5s", "--dedupe-key", "greeting"]);
        expect(result.code, show(result)).toBe(0);
        const id = Number(/^Enqueued job (\d+)\.$/m.exec(result.stdout)?.[1]);
        expect(id).toBeGreaterThan(0);

        const job = await withDatabase(target(), async (db) => (await db.queries.browseQueue({ entrypoints: ["greet"] }))[0]);
        expect(job?.id).toBe(id);
        expect(job?.priority).toBe(7);
        expect(job?.payload?.toString()).toBe("hello world");
        expect(job?.dedupeKey).toBe("greeting");
        expect(job!.executeAfter.getTime() - job!.created.getTime()).toBeGreaterThanOrEqual(4_900);

        result = await runPgq(target(), ["queue", "greet", "again", "--dedupe-key", "greeting"]);
        expect(result.code, show(result)).toBe(1);
        expect(result.stderr).toMatch(/^pgq: duplicate dedupe key 'greeting'/m);
        expect(result.stderr).not.toMatch(/^\s+at /m);

        result = await runPgq(target(), ["--json", "queue", "greet", "again", "--dedupe-key", "greeting", "--on-conflict", "skip"]);
        expect(result.code, show(result)).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ id: null, skipped: true });

        result = await runPgq(target(), ["--json", "queue", "greet"]);
        expect(result.code, show(result)).toBe(0);
        const second = JSON.parse(result.stdout) as { id: number };
        const sizes = await withDatabase(target(), (db) => db.queries.queueSize());
        expect(sizes.filter((row) => row.entrypoint === "greet").reduce((sum, row) => sum + row.count, 0)).toBe(2);
        const nullPayload = await withDatabase(target(), (db) => db.queries.queueJobById(second.id));
        expect(nullPayload?.payload).toBeNull();
      },
      TIMEOUT,
    );

    it(
      "lists held jobs, requeues them and cancels jobs",
      async () => {
        let result = await runPgq(target(), ["failed"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).toBe("No failed jobs.\n");

        const held = await holdJobs(target(), 2);
        result = await runPgq(target(), ["failed", "--limit", "5"]);
        expect(result.code, show(result)).toBe(0);
        const lines = result.stdout.trimEnd().split("\n");
        expect(lines[0]).toMatch(/^ID\s+Entrypoint\s+Attempts\s+Created\s+Payload bytes$/);
        expect(lines).toHaveLength(2 + held.length);
        expect(lines.slice(2).every((line) => /^\s*\d+\s+fragile\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+6$/.test(line))).toBe(true);

        result = await runPgq(target(), ["--json", "failed", "-n", "1"]);
        const listed = JSON.parse(result.stdout) as { id: number; entrypoint: string; status: string; payload: string }[];
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({ entrypoint: "fragile", status: "failed" });
        expect(held).toContain(listed[0]!.id);

        result = await runPgq(target(), ["requeue", String(held[0]), "999999"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).toBe("Re-queued 1 job(s).\n");
        expect(result.stderr).toContain("not held (nothing to requeue): 999999");
        const requeued = await withDatabase(target(), (db) => db.queries.queueJobById(held[0]!));
        expect(requeued).toMatchObject({ status: "queued", attempts: 0 });

        result = await runPgq(target(), ["--json", "cancel", String(held[0]), String(held[1])]);
        expect(result.code, show(result)).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ canceled: expect.arrayContaining(held), skipped: [] });
        const statuses = await withDatabase(target(), (db) => db.queries.jobStatus(held));
        expect(statuses.map((entry) => entry.status)).toEqual(["canceled", "canceled"]);

        result = await runPgq(target(), ["failed"]);
        expect(result.stdout).toBe("No failed jobs.\n");
      },
      TIMEOUT,
    );
  },
  { installed: true },
);
