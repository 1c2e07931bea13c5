/**
 * The job results suite (test/core/job-results.test.ts), unchanged, on the in-memory store.
 */
import { withBackends } from "../../support/backends.js";
import { skipCases } from "./skips.js";

skipCases({
  "on a database without the results table: storeResult refuses to run (SchemaError), plain workers run":
    "drops the results table with SQL; the in-memory store always has its results table",
});

await withBackends(["memory"], () => import("../../core/job-results.test.js"));
