/** PGlite adapter: `import { PGliteDriver } from "pgqueuer/pglite"`. @module */
export { PGliteDriver } from "./driver.js";
