/** postgres.js adapter: `import { PostgresJsDriver } from "pgqueuer/postgres"`. @module */
export { PostgresJsDriver, type PostgresJsDriverOptions } from "./driver.js";
