/** PGlite adapter: `import { PGliteDriver } from "pgqueuer/pglite"`. @module */
export { PGliteDriver, type PGliteDriverOptions } from "./driver.js";
