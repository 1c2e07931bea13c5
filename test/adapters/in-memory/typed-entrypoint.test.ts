/**
 * The typed entrypoint suite (test/typed/define-entrypoint.test.ts), unchanged, on the
 * in-memory store: it goes through the public API only, so nothing is skipped.
 */
import { withBackends } from "../../support/backends.js";
import { skipCases } from "./skips.js";

skipCases({});

await withBackends(["memory"], () => import("../../typed/define-entrypoint.test.js"));
