/**
 * `pgq sql install|uninstall|upgrade|durability|autovac`: print the SQL a schema command would
 * run, for review or for `psql -v ON_ERROR_STOP=1` (CATALOGUE CLI-12..CLI-14). Never connects
 * and needs no credentials: the statements depend only on the settings.
 *
 * @module
 */
import { Argument, type Command } from "commander";
import { DURABILITY_LEVELS } from "../../domain/settings.js";
import type { Durability } from "../../domain/types.js";
import {
  buildAutovacuumStatements,
  buildDurabilityStatements,
  buildInstallStatements,
  buildUninstallStatements,
  buildUpgradeStatements,
  renderScript,
} from "../../sql/schema.js";
import type { CliContext } from "../context.js";
import { durabilityOption } from "./schema.js";

/** Register `pgq sql ...` on `program`. */
export function registerSqlCommands(program: Command, context: CliContext): void {
  const sql = program
    .command("sql")
    .description("print the SQL of a schema command to stdout, without connecting");

  sql
    .command("install")
    .description("the statements of `pgq install`")
    .addOption(durabilityOption())
    .option("--no-create-schema", "leave out CREATE SCHEMA IF NOT EXISTS for --schema")
    .action((options: { durability?: Durability; createSchema: boolean }) => {
      const settings = context.settings(options.durability === undefined ? {} : { durability: options.durability });
      context.out.raw(renderScript(buildInstallStatements(settings, { createSchema: options.createSchema })));
    });

  sql
    .command("uninstall")
    .description("the statements of `pgq uninstall`")
    .action(() => {
      context.out.raw(renderScript(buildUninstallStatements(context.settings())));
    });

  sql
    .command("upgrade")
    .description("the statements of `pgq upgrade` (apply in autocommit: later statements use enum labels earlier ones add)")
    .addOption(durabilityOption())
    .option("--no-widen-id", "leave out the statements widening legacy 32-bit ids to BIGINT")
    .action((options: { durability?: Durability; widenId: boolean }) => {
      const settings = context.settings({ widenId: options.widenId, ...(options.durability === undefined ? {} : { durability: options.durability }) });
      context.out.raw(renderScript(buildUpgradeStatements(settings)));
    });

  sql
    .command("durability")
    .description("the statements of `pgq durability <level>`")
    .addArgument(new Argument("<level>", "volatile, balanced or durable").choices(DURABILITY_LEVELS as string[]))
    .action((level: Durability) => {
      context.out.raw(renderScript(buildDurabilityStatements(context.settings(), level)));
    });

  sql
    .command("autovac")
    .description("the statements of `pgq autovac`")
    .option("--rollback", "the statements resetting those settings instead")
    .action((options: { rollback?: boolean }) => {
      context.out.raw(renderScript(buildAutovacuumStatements(context.settings(), { rollback: options.rollback === true })));
    });
}
