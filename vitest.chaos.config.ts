import { defineConfig } from "vitest/config";

// The chaos suites (test/chaos/): worker processes killed, the PostgreSQL cluster restarted,
// listeners terminated, a worker's network cut. They disturb every client of the server, so
// they run one file at a time and never as part of `npm test`. CHAOS_FULL=1 runs the issue's
// full sizes (see docs/reliability.md); PostgreSQL only.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: { PGQUEUER_TEST_BACKENDS: "postgres" },
  },
});
