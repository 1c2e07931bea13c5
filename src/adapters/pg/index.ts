/** node-postgres adapter: `import { PgClientDriver, PgPoolDriver } from "pgqueuer/pg"`. @module */
export { PgClientDriver, PgPoolDriver, type PgPoolDriverOptions } from "./driver.js";
