/**
 * Schema commands that run against the database: `install`, `uninstall`, `upgrade`,
 * `verify`, `durability`, `autovac` (CATALOGUE CLI-4..CLI-10). What happened is reported on
 * stderr; stdout stays empty except for `verify`, whose verdict is the result.
 *
 * @module
 */
import { Argument, Option, type Command } from "commander";
import { DURABILITY_LEVELS } from "../../domain/settings.js";
import type { Durability } from "../../domain/types.js";
import type { CliContext } from "../context.js";
import { EXIT } from "../errors.js";

/** The durability choices, as a commander option. */
export function durabilityOption(): Option {
  return new Option("-d, --durability <level>", "which tables are UNLOGGED: volatile (all), balanced (log and statistics) or durable (none)").choices(
    DURABILITY_LEVELS as string[],
  );
}

/** Register the schema commands on `program`. */
export function registerSchemaCommands(program: Command, context: CliContext): void {
  program
    .command("install")
    .description("create the PgQueuer tables, types, trigger and function")
    .addOption(durabilityOption())
    .option("--no-create-schema", "do not run CREATE SCHEMA IF NOT EXISTS for --schema")
    .action(async (options: { durability?: Durability; createSchema: boolean }) => {
      const database = await context.openDatabase(options.durability === undefined ? {} : { durability: options.durability });
      await database.schema.install({ createSchema: options.createSchema });
      context.out.notice(`Installed PgQueuer schema (durability=${database.settings.durability}).`);
    });

  program
    .command("uninstall")
    .description("drop every PgQueuer object (and its data); succeeds when nothing is installed")
    .action(async () => {
      const database = await context.openDatabase();
      await database.schema.uninstall();
      context.out.notice("Uninstalled PgQueuer schema.");
    });

  program
    .command("upgrade")
    .description("bring an existing schema up to date (idempotent)")
    .addOption(durabilityOption())
    .option("--no-widen-id", "keep legacy 32-bit ids instead of widening them to BIGINT")
    .action(async (options: { durability?: Durability; widenId: boolean }) => {
      const database = await context.openDatabase({ widenId: options.widenId, ...(options.durability === undefined ? {} : { durability: options.durability }) });
      await database.schema.upgrade();
      context.out.notice("Upgraded PgQueuer schema.");
    });

  program
    .command("verify")
    .description("check that the PgQueuer objects are all present (or all absent); exit 1 on a mismatch")
    .addOption(new Option("--expect <state>", "what to expect").choices(["present", "absent"]).makeOptionMandatory())
    .action(async (options: { expect: "present" | "absent" }) => {
      const database = await context.openDatabase();
      const result = await database.schema.verifyExpect(options.expect);
      if (context.out.json) context.out.printJson({ ok: result.ok, expect: options.expect, problems: result.problems });
      else if (result.ok) context.out.line(result.message);
      else for (const problem of result.problems) context.out.line(problem);
      if (!result.ok) context.exitCode = EXIT.failure;
    });

  program
    .command("durability")
    .description("switch which tables are UNLOGGED, keeping every row")
    .addArgument(new Argument("<level>", "volatile, balanced or durable").choices(DURABILITY_LEVELS as string[]))
    .action(async (level: Durability) => {
      const database = await context.openDatabase();
      await database.schema.setDurability(level);
      context.out.notice(`Set PgQueuer durability to ${level}.`);
    });

  program
    .command("autovac")
    .description("apply the recommended autovacuum settings to the PgQueuer tables")
    .option("--rollback", "reset those settings to the server defaults")
    .action(async (options: { rollback?: boolean }) => {
      const database = await context.openDatabase();
      const rollback = options.rollback === true;
      await database.schema.autovac({ rollback });
      context.out.notice(rollback ? "Reset autovacuum settings to defaults." : "Applied recommended autovacuum settings.");
    });
}
