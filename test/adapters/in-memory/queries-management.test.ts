/**
 * test/adapters/persistence/queries-management.test.ts, unchanged, on the in-memory queries. Its
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
  "returns every log row, including rows written by hand (LIFE-10)":
    "writes log rows by hand with raw SQL",
  "lists held jobs by creation time, newest first by default, with a limit (LIFE-17)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "throws a SchemaError naming what to run (ERR-12), and passes once installed":
    "needs an uninstalled schema; the in-memory tables always exist (MEM-2)",
});

await withBackends(["memory"], () => import("../persistence/queries-management.test.js"));
