/**
 * `pgq dashboard | schedules | listen` against an installed database.
 */
import { expect, it } from "vitest";
import { describeEachCliBackend, runPgq, show, spawnPgq, withDatabase } from "./support.js";

const TIMEOUT = 300_000;

describeEachCliBackend(
  "pgq inspection commands",
  (target, backend) => {
    it(
      "dashboard prints the queue sizes and recent activity once when stdout is not a terminal",
      async () => {
        await withDatabase(target(), (db) =>
          db.queries.enqueueMany([
            { entrypoint: "reports", priority: 2 },
            { entrypoint: "reports", priority: 2 },
            { entrypoint: "emails" },
          ]),
        );
        let result = await runPgq(target(), ["dashboard", "--interval", "1s"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).not.toContain("\x1b[2J"); // no screen clearing off a terminal
        expect(result.stdout).toMatch(/^Entrypoint\s+Priority\s+Status\s+Count$/m);
        expect(result.stdout).toMatch(/^reports\s+2\s+queued\s+2$/m);
        expect(result.stdout).toMatch(/^emails\s+0\s+queued\s+1$/m);
        expect(result.stdout).toMatch(/^Created\s+Count\s+Entrypoint\s+Status\s+Priority$/m);

        result = await runPgq(target(), ["--json", "dashboard", "--limit", "1"]);
        expect(result.code, show(result)).toBe(0);
        const parsed = JSON.parse(result.stdout) as { queue: { entrypoint: string; count: number }[]; statistics: unknown[] };
        expect(parsed.queue).toHaveLength(1);
        expect(parsed.statistics).toHaveLength(1);
      },
      TIMEOUT,
    );

    it(
      "schedules lists the stored schedules and removes them by name or id",
      async () => {
        let result = await runPgq(target(), ["schedules"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).toBe("No schedules.\n");

        await withDatabase(target(), (db) =>
          db.schedules.registerSchedules({
            timetables: [
              { entrypoint: "nightly_report", expression: "0 3 * * *", fireTimes: [new Date(Date.now() + 3_600_000)], fallbackDelay: 60_000 },
              { entrypoint: "heartbeat", expression: "* * * * *", fireTimes: [new Date(Date.now() + 60_000)], fallbackDelay: 60_000 },
            ],
            cleanOldEntrypoints: [],
          }),
        );
        result = await runPgq(target(), ["schedules"]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stdout).toMatch(/^ID\s+Expression\s+Entrypoint\s+Status\s+Next run\s+Last run\s+Heartbeat\s+Created\s+Updated$/m);
        expect(result.stdout).toMatch(/^\s*\d+\s+0 3 \* \* \*\s+nightly_report\s+queued\s+\d{4}-/m);

        result = await runPgq(target(), ["--json", "schedules"]);
        const schedules = JSON.parse(result.stdout) as { id: number; entrypoint: string }[];
        expect(schedules.map((schedule) => schedule.entrypoint).sort()).toEqual(["heartbeat", "nightly_report"]);
        const heartbeat = schedules.find((schedule) => schedule.entrypoint === "heartbeat")!;

        result = await runPgq(target(), ["--json", "schedules", "--remove", "nightly_report", String(heartbeat.id)]);
        expect(result.code, show(result)).toBe(0);
        expect(result.stderr).toContain("Removed 2 schedule(s).");
        expect(JSON.parse(result.stdout)).toEqual([]);
      },
      TIMEOUT,
    );

    // PostgreSQL only: a PGlite data directory belongs to one process at a time, so no second
    // process can send the notification `pgq listen` is waiting for.
    it.skipIf(backend !== "postgres")(
      "listen prints each notification as one JSON line until SIGINT",
      async () => {
        const listener = spawnPgq(target(), ["listen"]);
        try {
          await listener.waitFor("stderr", /listening on channel/);
          const queued = await runPgq(target(), ["queue", "ping"]);
          expect(queued.code, show(queued)).toBe(0);
          await listener.waitFor("stdout", /table_changed_event/);
        } finally {
          listener.child.kill("SIGINT");
        }
        const result = await listener.exited;
        expect(result.code, show(result)).toBe(0);
        const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; operation?: string; channel: string });
        expect(events[0]).toMatchObject({ type: "table_changed_event", operation: "insert", channel: target().settings.names.channel });
      },
      TIMEOUT,
    );
  },
  { installed: true },
);
