/**
 * test/adapters/persistence/queries-enqueue.test.ts, unchanged, on the in-memory queries. Its
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
  "stores headers as JSON, nested values round-trip, and defaults to the JSON value null (ENQ-11)":
    "asserts jsonb_typeof() with raw SQL; the in-memory round trip of headers is checked in events.test.ts",
  "propagates other unique violations unchanged, not as DuplicateJobError (ERR-26)":
    "creates a second unique index with DDL; the in-memory tables have no user-defined indexes",
});

await withBackends(["memory"], () => import("../persistence/queries-enqueue.test.js"));
