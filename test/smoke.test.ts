import { expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.js";
import { sqlNames } from "../src/sql/identifiers.js";

describeEachBackend("schema install smoke", (db) => {
  it("creates the queue table", async () => {
    const n = sqlNames(db().settings);
    const rows = await db().driver.query<{ id: number; payload: Buffer }>({
      text: `INSERT INTO ${n.queueTable} (priority, status, entrypoint, payload) VALUES (1, 'queued', 'x', $1) RETURNING id, payload`,
      values: [Buffer.from([1, 2, 3])],
    });
    expect(rows[0]!.id).toBe(1);
    expect(Buffer.isBuffer(rows[0]!.payload)).toBe(true);
    expect([...rows[0]!.payload]).toEqual([1, 2, 3]);
  });
});
