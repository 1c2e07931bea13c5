/**
 * What a worker says at start about autovacuum on its tables. Every job leaves dead rows in the
 * queue table and adds log rows; without vacuum they pile up, and without ANALYZE the claim is
 * planned from default guesses (measured in docs/reliability.md: ~200 ms per claim at 100 000
 * jobs instead of ~20). Either is easy to miss until the queue is large, so the worker says so.
 *
 * @module
 */

/** A row of `buildAutovacuumStateQuery`. */
export type AutovacuumStateRow = {
  readonly server: string;
  readonly name: string | null;
  readonly reloptions: readonly string[] | null;
};

/** PostgreSQL's spellings of a false boolean: `off`, `0`, or a prefix of `false` or `no`. */
function isFalse(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === "0" || v === "off" || (v.length > 0 && ("false".startsWith(v) || "no".startsWith(v)));
}

/** Whether a table's storage parameters turn autovacuum off for it. */
export function autovacuumDisabledByOptions(reloptions: readonly string[] | null): boolean {
  return (reloptions ?? []).some((option) => {
    const [key, ...rest] = option.split("=");
    return key?.trim().toLowerCase() === "autovacuum_enabled" && isFalse(rest.join("="));
  });
}

/**
 * One message per problem: autovacuum off for the whole server, or off for one of the tables.
 * `qualified` maps a table's bare name to the name to show (schema-qualified).
 */
export function autovacuumWarnings(rows: readonly AutovacuumStateRow[], qualified: (name: string) => string): string[] {
  const warnings: string[] = [];
  const advice = "so dead rows pile up and claims are planned without statistics, slower as the queue grows; see docs/reliability.md, \"Autovacuum\"";
  if (rows.some((row) => row.server !== "on")) {
    const tables = rows.flatMap((row) => (row.name === null ? [] : [qualified(row.name)]));
    const schedule = tables.length > 0 ? `run VACUUM (ANALYZE) on ${tables.join(", ")} on a schedule` : "run VACUUM (ANALYZE) on the queue tables on a schedule";
    warnings.push(`autovacuum is off on this PostgreSQL server: the queue tables are never vacuumed or analyzed, ${advice}. Turn it on, or ${schedule}`);
  }
  for (const row of rows) {
    if (row.name !== null && autovacuumDisabledByOptions(row.reloptions)) {
      warnings.push(`autovacuum is disabled on table ${qualified(row.name)} (autovacuum_enabled = false), ${advice}. Reset it with ALTER TABLE ${qualified(row.name)} RESET (autovacuum_enabled)`);
    }
  }
  return warnings;
}
