/**
 * test/adapters/persistence/queries-insights.test.ts, unchanged, on the in-memory queries. Its
 * raw-SQL helpers are replaced by in-memory ones (memory-support.ts); cases that send SQL
 * through `db.driver` themselves are skipped by name with the reason.
 */
import { vi } from "vitest";
import type * as PersistenceSupport from "../persistence/support.js";
import { withBackends } from "../../support/backends.js";
import { skipCases } from "./skips.js";

vi.mock("../persistence/support.js", async (importOriginal) => ({
  ...(await importOriginal<typeof PersistenceSupport>()),
  ...(await import("./memory-support.js")),
}));

skipCases({
  "aggregates before reading statistics, honouring limit and window (STAT-2, STAT-15)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "reports queue age per entrypoint with queued jobs (STAT-9)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "computes pick-to-finish percentiles exactly, and excludes pairs older than the window (STAT-10)":
    "writes log rows by hand with raw SQL; ported with an injected clock in clock.test.ts",
  "describes the four tables of the configured schema (STAT-14)":
    "asserts PostgreSQL catalog facts (LOGGED persistence, bytes on disk); in memory every table is UNLOGGED with 0 bytes (insights test in facade.test.ts)",
});

await withBackends(["memory"], () => import("../persistence/queries-insights.test.js"));
