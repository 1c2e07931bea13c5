/**
 * Running one statement through postgres.js with the port's value conventions.
 *
 * Parameters: postgres.js serializes a parameter by the type the *server* infers for it, and
 * its serializers assume JavaScript values of that type: a JSON text sent to `$1::jsonb` would
 * be stringified a second time (arriving as a JSON string), `'true'` sent to a boolean would
 * become false, a `timestamptz` text would be re-parsed through `Date` (losing microseconds and
 * `infinity`). We therefore encode every value to PostgreSQL's text format ourselves and
 * declare it as `unknown` (OID 705): the server still infers the type from the statement, as
 * with node-postgres, and postgres.js, finding no serializer for 705, sends our text as is.
 *
 * Results: postgres.js leaves int8 as text (or bigint with the `BigInt` type); the port wants
 * numbers, so int8 columns (found by their type OID in `result.columns`) are converted.
 *
 * @module
 */
import type postgres from "postgres";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { Row, SqlValue, Statement } from "../../ports/driver.js";
import { OID, toBuffer, toDatabaseError, toSafeNumber } from "../driver-support.js";

/** The type OID of `unknown`: "infer my type from the statement". */
const UNKNOWN_OID = 705;

/** What both the root and the transaction `sql` objects offer. */
export type PostgresJsSql = postgres.ISql;

type Parameter = postgres.ParameterOrJSON<never>;
type Result = postgres.RowList<postgres.Row[]>;

/** A statement's rows and affected-row count. */
export interface StatementResult<R extends Row> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Run one statement; a named one is prepared once per connection. */
export async function runStatement<R extends Row>(sql: PostgresJsSql, statement: Statement): Promise<StatementResult<R>> {
  const parameters = (statement.values ?? []).map((value, index) => encode(sql, value, index));
  let result: Result | Result[];
  try {
    // Prepare (once per connection) only what the caller named, as node-postgres does: a
    // prepared statement drifts to PostgreSQL's generic plan after a few runs, which is a
    // trap for statements whose best plan depends on the values (PERFORMANCE.md, dequeue).
    result = (await sql.unsafe(statement.text, parameters, { prepare: statement.name !== undefined })) as Result | Result[];
  } catch (error) {
    throw toDatabaseError(error);
  }
  // Text without parameters goes through the simple protocol, where several statements in
  // one string may yield several results: report the last rows. (The port sends one
  // statement at a time; postgres.js merges the counts of row-less statements anyway.)
  const results = isSingleResult(result) ? [result] : result;
  const last = results.at(-1);
  return {
    rows: last === undefined ? [] : convertRows<R>(last),
    rowCount: results.reduce((sum, each) => sum + (each.count ?? 0), 0),
  };
}

function isSingleResult(result: Result | Result[]): result is Result {
  return typeof (result as { command?: unknown }).command === "string";
}

/** Encode one value to PostgreSQL text, typed `unknown` so the server infers its type. */
function encode(sql: PostgresJsSql, value: SqlValue | undefined, index: number): Parameter {
  if (value === null || value === undefined) return null;
  return sql.typed(toText(value, index), UNKNOWN_OID) as Parameter;
}

function toText(value: SqlValue, index: number): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new InvalidArgumentError(`values[${index}]`, "is an invalid Date");
        return value.toISOString();
      }
      if (value instanceof Uint8Array) return `\\x${toBuffer(value).toString("hex")}`;
      throw new InvalidArgumentError(
        `values[${index}]`,
        `unsupported parameter type ${Object.prototype.toString.call(value)}: pass a string, number, boolean, null, Date or Uint8Array (lists travel as JSON text)`,
      );
  }
}

function convertRows<R extends Row>(result: Result): R[] {
  const columns = result.columns ?? [];
  const int8 = columns.filter((column) => column.type === OID.int8).map((column) => column.name);
  const bytea = columns.filter((column) => column.type === OID.bytea).map((column) => column.name);
  const rows: R[] = [];
  for (const row of result) {
    for (const name of int8) {
      const value: unknown = row[name];
      if (typeof value === "string" || typeof value === "bigint" || typeof value === "number") row[name] = toSafeNumber(value);
    }
    for (const name of bytea) {
      const value: unknown = row[name];
      if (value instanceof Uint8Array) row[name] = toBuffer(value);
    }
    rows.push(row as R);
  }
  return rows;
}
