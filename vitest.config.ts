import { configDefaults, defineConfig } from "vitest/config";

// Every test file runs against both backends (real PostgreSQL and embedded PGlite) through
// test/support/backends.ts; PGQUEUER_TEST_BACKENDS=postgres|pglite narrows the matrix.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/chaos/ restarts the server and kills processes: only `npm run test:chaos` runs it.
    exclude: ["test/chaos/**", ...configDefaults.exclude],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: process.env.CI ? ["default", "./test/support/summary-reporter.ts"] : ["default"],
  },
});
