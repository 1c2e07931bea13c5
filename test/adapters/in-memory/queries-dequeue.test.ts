/**
 * test/adapters/persistence/queries-dequeue.test.ts, unchanged, on the in-memory queries. Its
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
  "skips deferred jobs; once due they compete on priority (DEQ-10, DEQ-11)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "claims nothing with a worker budget of 0, not even stale jobs (DEQ-17)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "re-picks a stale job for another worker: new owner, fresh heartbeat, another picked row, attempts unchanged (DEQ-18)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "re-picks a stale job even when its entrypoint's only slot is held by it (DEQ-19)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "lets a stale high-priority job beat fresh low-priority work (DEQ-20)":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "leaves stale jobs alone when asked to (includeStale: false), and re-picks them by default":
    "backdates timestamps with raw SQL through db.driver; ported with an injected clock in clock.test.ts",
  "returns timestamps equal, to the millisecond, to the stored ones":
    "stores microsecond timestamps with raw SQL; the in-memory store keeps Dates and returns them as they are",
  "does not change the session's synchronous_commit (the claim relaxes only its own commit)":
    "reads a server setting with SQL; the in-memory store has no commits",
});

await withBackends(["memory"], () => import("../persistence/queries-dequeue.test.js"));
