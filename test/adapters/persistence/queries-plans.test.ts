// Plan guarantees of the hot statements on a large backlog (DEQ-23, DEQ-26): index scans, never
// a sequential scan of the queue table. Checked with EXPLAIN (the plan), never by timing.
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import type { SqlStatement } from "../../../src/sql/statement.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { claimStatement, entrypointTryLockStatement } from "../../../src/sql/claim.js";
import { heartbeatStatement, probeStatement } from "../../../src/sql/queue.js";
import { recordOutcomesStatement } from "../../../src/sql/queue-outcomes.js";
import { describeEachBackend } from "../../support/backends.js";
import { queriesFor } from "./support.js";

describeEachBackend("Queries plans on a 20,000-job backlog", (db) => {
  const worker = randomUUID();
  let claimedIds: number[] = [];

  beforeAll(async () => {
    const queries = queriesFor(db());
    for (let round = 0; round < 4; round += 1) {
      await queries.enqueueMany(
        Array.from({ length: 5_000 }, (_, index) => ({ entrypoint: `ep${index % 5}`, priority: index % 3, executeAfter: index % 7 === 0 ? 600_000 : 0 })),
      );
    }
    await db().driver.execute({ text: `ANALYZE ${sqlNames(db().settings).queueTable}` });
    const jobs = await queries.dequeue({
      batchSize: 20,
      entrypoints: [{ name: "ep0", concurrencyLimit: 0 }, { name: "ep1", concurrencyLimit: 0 }],
      queueManagerId: worker,
      workerLimit: null,
      heartbeatTimeout: 30_000,
    });
    claimedIds = jobs.map((job) => job.id);
  }, 120_000);

  async function plan(statement: SqlStatement): Promise<string> {
    const rows = await db().driver.query({ text: `EXPLAIN (COSTS OFF) ${statement.text}`, values: statement.values });
    return rows.map((row) => String(Object.values(row)[0])).join("\n");
  }

  const queueTable = () => db().settings.names.queueTable;

  it("claims through the (entrypoint, priority, id) index and updates by primary key", async () => {
    const text = await plan(
      claimStatement(db().settings, {
        batchSize: 10,
        entrypoints: [{ name: "ep0", limit: 0 }, { name: "ep1", limit: 5 }, { name: "ep2", limit: 0 }],
        queueManagerId: worker,
        workerLimit: 50,
        heartbeatTimeout: 30_000,
      }),
    );
    expect(text).toContain(`${queueTable()}_ep_prio_id_idx`);
    expect(text).toContain(`${queueTable()}_pkey`);
    expect(text).not.toMatch(new RegExp(`Seq Scan on ${queueTable()}\\b`));
  });

  it("tells the planner how many entrypoints a claim asks for (not the default 100 rows of a set-returning function)", async () => {
    // The default estimate multiplied every per-entrypoint cost by 100, which pushed the claim
    // past jit_above_cost on a large table: ~100 ms of JIT compilation per claim.
    for (const count of [1, 3, 7]) {
      const entrypoints = Array.from({ length: count }, (_, index) => ({ name: `ep${index}`, limit: index === 0 ? 2 : 0 }));
      const claim = claimStatement(db().settings, { batchSize: 10, entrypoints, queueManagerId: worker, workerLimit: null, heartbeatTimeout: 30_000 });
      const rows = await db().driver.query({ text: `EXPLAIN ${claim.text}`, values: claim.values });
      const text = rows.map((row) => String(Object.values(row)[0])).join("\n");
      expect(text).toMatch(new RegExp(`CTE requested\\n\\s*->\\s+Limit\\s+\\(cost=[^)]*rows=${count} `));
    }
  });

  it("the limited claim's transaction is planned without JIT, and only that transaction", async () => {
    const setting = async (): Promise<string> => String((await db().driver.query<{ jit: string }>({ text: "SELECT current_setting('jit') AS jit" }))[0]!.jit);
    const before = await setting();
    const inside = await db().driver.transaction(async (tx) => {
      await tx.query(entrypointTryLockStatement(db().settings, ["ep0"]));
      return String((await tx.query<{ jit: string }>({ text: "SELECT current_setting('jit') AS jit" }))[0]!.jit);
    });
    expect(inside).toBe("off");
    expect(await setting()).toBe(before);
  });

  it("prepares the lean claim (one unlimited entrypoint, no stale part), and even its generic plan walks the index", async () => {
    const lean = claimStatement(db().settings, { batchSize: 10, entrypoints: [{ name: "ep3", limit: 0 }], queueManagerId: worker, workerLimit: null, heartbeatTimeout: 30_000, includeStale: false });
    expect(lean.name).toMatch(/^pgq_claim_one_/);
    expect(lean.values).toEqual([10, "ep3", worker]);
    // The plan a prepared statement settles on after five executions: no values known.
    const name = `plan_check_${randomUUID().replaceAll("-", "")}`;
    await db().driver.transaction(async (tx) => {
      await tx.execute({ text: `PREPARE ${name}(int, text, uuid) AS ${lean.text}` });
      await tx.execute({ text: "SET LOCAL plan_cache_mode = force_generic_plan" });
      const rows = await tx.query({ text: `EXPLAIN (COSTS OFF) EXECUTE ${name}(10, 'ep3', '${worker}')` });
      const text = rows.map((row) => String(Object.values(row)[0])).join("\n");
      await tx.execute({ text: `DEALLOCATE ${name}` });
      expect(text).toContain(`${queueTable()}_ep_prio_id_idx`);
      expect(text).not.toMatch(new RegExp(`Seq Scan on ${queueTable()}\\b`));
      expect(text).not.toMatch(/Sort\b[^\n]*\n[^\n]*Seq Scan/);
    });
    // Limits, a budget, several entrypoints or the stale part need the general statement.
    for (const args of [
      { entrypoints: [{ name: "ep3", limit: 2 }], workerLimit: null, includeStale: false },
      { entrypoints: [{ name: "ep3", limit: 0 }], workerLimit: 5, includeStale: false },
      { entrypoints: [{ name: "ep3", limit: 0 }, { name: "ep4", limit: 0 }], workerLimit: null, includeStale: false },
      { entrypoints: [{ name: "ep3", limit: 0 }], workerLimit: null, includeStale: true },
    ]) {
      expect(claimStatement(db().settings, { batchSize: 10, queueManagerId: worker, heartbeatTimeout: 30_000, ...args }).name).toBeUndefined();
    }
  });

  it("probes through the (entrypoint, execute_after) index", async () => {
    const text = await plan(probeStatement(db().settings, ["ep0", "ep3", "missing"]));
    expect(text).toContain(`${queueTable()}_ep_ea_idx`);
    expect(text).not.toMatch(new RegExp(`Seq Scan on ${queueTable()}\\b`));
  });

  it("writes outcomes and heartbeats without scanning the queue table", async () => {
    expect(claimedIds).toHaveLength(20);
    const outcomes = recordOutcomesStatement(
      db().settings,
      worker,
      claimedIds.map((id) => ({ id, kind: "successful" as const, traceback: null, delay: 0 })),
    );
    for (const statement of [outcomes, heartbeatStatement(db().settings, worker, claimedIds)]) {
      expect(await plan(statement)).not.toMatch(new RegExp(`Seq Scan on ${queueTable()}\\b`));
    }
  });
});
