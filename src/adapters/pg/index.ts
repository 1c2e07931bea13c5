/** node-postgres adapter: `import { PgClientDriver, PgPoolDriver } from "pgqueuer/pg"`. @module */
export { PgClientDriver, PgPoolDriver } from "./driver.js";
