/**
 * Build the {@link Subject} of a library for one schema. Modules load on demand, so a worker
 * process holds only its own library in memory (its peak RSS is part of the results).
 *
 * @module
 */
import type { LibraryName } from "../config.js";
import type { Subject } from "./types.js";

/** The subject of `library` on `schema` (`variant`: our library's settings, see `PGQUEUER_VARIANTS`). */
export async function createSubject(library: LibraryName, dsn: string, schema: string, variant?: string): Promise<Subject> {
  switch (library) {
    case "pgqueuer":
      return new (await import("./pgqueuer.js")).PgQueuerSubject(dsn, schema, variant);
    case "graphile-worker":
      return new (await import("./graphile-worker.js")).GraphileWorkerSubject(dsn, schema);
    case "pg-boss":
      return new (await import("./pg-boss.js")).PgBossSubject(dsn, schema);
    case "sql-floor":
      return new (await import("./sql-floor.js")).SqlFloorSubject(dsn, schema, 1, "sql-floor");
    case "sql-floor-2":
      return new (await import("./sql-floor.js")).SqlFloorSubject(dsn, schema, 2, "sql-floor-2");
  }
}
