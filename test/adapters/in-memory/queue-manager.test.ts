/**
 * The worker's behavioural suite (test/core/queue-manager.test.ts), unchanged, on
 * `PgQueuer.inMemory()`'s store: the suite builds `new PgQueuer(db.driver)`, and on the memory
 * backend that driver is an InMemoryDriver, so the facade runs on the in-memory queries.
 */
import { withBackends } from "../../support/backends.js";
import { skipCases } from "./skips.js";

skipCases({});

await withBackends(["memory"], () => import("../../core/queue-manager.test.js"));
