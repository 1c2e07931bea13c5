/**
 * The worker's start-up warning about autovacuum: the pure rule (server setting, the tables'
 * `autovacuum_enabled` in every spelling PostgreSQL accepts), and the catalog query on both
 * backends, with the table switch flipped for real.
 */
import { describe, expect, it } from "vitest";
import { autovacuumDisabledByOptions, autovacuumWarnings } from "../../../src/adapters/persistence/autovacuum-state.js";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend } from "../../support/backends.js";

describe("autovacuum warnings (rule)", () => {
  const shown = (name: string): string => `"s"."${name}"`;

  it("warns once when the server's autovacuum is off, naming the tables to vacuum by hand", () => {
    const rows = [
      { server: "off", name: "pgqueuer", reloptions: null },
      { server: "off", name: "pgqueuer_log", reloptions: ["fillfactor=70"] },
    ];
    const warnings = autovacuumWarnings(rows, shown);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^autovacuum is off on this PostgreSQL server/);
    expect(warnings[0]).toContain('VACUUM (ANALYZE) on "s"."pgqueuer", "s"."pgqueuer_log"');
    // Tables not found: still the server warning, without names.
    expect(autovacuumWarnings([{ server: "off", name: null, reloptions: null }], shown)).toHaveLength(1);
  });

  it("warns per table whose storage parameters turn autovacuum off, and says how to undo it", () => {
    const rows = [
      { server: "on", name: "pgqueuer", reloptions: ["autovacuum_enabled=false", "fillfactor=70"] },
      { server: "on", name: "pgqueuer_log", reloptions: ["autovacuum_vacuum_scale_factor=0.95"] },
    ];
    expect(autovacuumWarnings(rows, shown)).toEqual([expect.stringMatching(/^autovacuum is disabled on table "s"\."pgqueuer" .*RESET \(autovacuum_enabled\)$/)]);
  });

  it("is silent when autovacuum looks after both tables", () => {
    const rows = [
      { server: "on", name: "pgqueuer", reloptions: ["autovacuum_enabled=true"] },
      { server: "on", name: "pgqueuer_log", reloptions: null },
    ];
    expect(autovacuumWarnings(rows, shown)).toEqual([]);
  });

  it("reads every false spelling PostgreSQL accepts, and nothing else, as disabled", () => {
    for (const value of ["false", "FALSE", "f", "fa", "off", "OFF", "no", "n", "0"]) {
      expect(autovacuumDisabledByOptions([`autovacuum_enabled=${value}`]), value).toBe(true);
    }
    for (const value of ["true", "t", "on", "yes", "y", "1", ""]) {
      expect(autovacuumDisabledByOptions([`autovacuum_enabled=${value}`]), value).toBe(false);
    }
    expect(autovacuumDisabledByOptions(["toast.autovacuum_enabled=false"])).toBe(false);
    expect(autovacuumDisabledByOptions(null)).toBe(false);
  });
});

describeEachBackend("autovacuum warnings (catalog)", (db) => {
  it("follows the server's setting and the queue table's autovacuum_enabled", async () => {
    const manager = new SchemaManager(db().driver, db().settings);
    const n = sqlNames(db().settings);
    const [setting] = await db().driver.query<{ on: boolean }>({ text: "SELECT current_setting('autovacuum') = 'on' AS on" });
    const serverWarnings = setting!.on ? 0 : 1;
    expect(await manager.autovacuumWarnings()).toHaveLength(serverWarnings);
    await db().driver.execute({ text: `ALTER TABLE ${n.queueTable} SET (autovacuum_enabled = off)` });
    try {
      const warnings = await manager.autovacuumWarnings();
      expect(warnings).toHaveLength(serverWarnings + 1);
      expect(warnings.at(-1)).toContain(`autovacuum is disabled on table ${n.queueTable} `);
    } finally {
      await db().driver.execute({ text: `ALTER TABLE ${n.queueTable} RESET (autovacuum_enabled)` });
    }
    expect(await manager.autovacuumWarnings()).toHaveLength(serverWarnings);
  });
});
