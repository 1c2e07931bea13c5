/**
 * test/adapters/persistence/queries-outcomes.test.ts, unchanged, on the in-memory queries. Its
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
  "only the owner of a picked job changes it: a job re-picked by another worker is not completed by the old owner (LIFE-4)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "refreshes only the caller's picked jobs, silently (DEQ-27, HB-4)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "does nothing while another session holds the statistics advisory lock (STAT-4) [PostgreSQL only: PGlite has one session, and advisory locks are re-entrant within a session]":
    "needs a second database session holding an advisory lock; one process has no other session",
});

await withBackends(["memory"], () => import("../persistence/queries-outcomes.test.js"));
