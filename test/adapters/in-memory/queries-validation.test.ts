/**
 * test/adapters/persistence/queries-validation.test.ts, unchanged, on the in-memory queries. Its
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

skipCases({});

await withBackends(["memory"], () => import("../persistence/queries-validation.test.js"));
