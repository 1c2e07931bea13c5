/**
 * The shape every SQL builder of this directory returns, and the helpers they share. A builder
 * takes typed arguments and returns the text with its `$n` values in the right order, so no
 * caller ever counts placeholders.
 *
 * @module
 */

/** A value sent as a parameter (lists travel as JSON text). */
export type SqlParameter = string | number | boolean | null;

/** A statement ready for the driver port (structurally a `Statement`). */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly SqlParameter[];
  /**
   * Set on hot statements whose plan does not depend on the values, so drivers that can
   * prepare them once per connection do. Derived from the text: different settings (schema,
   * prefix) give different names, so one pool can serve several queues.
   */
  readonly name?: string;
}

/** A stable statement name: `label` plus a hash of the text (32-bit FNV-1a). */
export function statementName(label: string, text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return `pgq_${label}_${(hash >>> 0).toString(16).padStart(8, "0")}`;
}

/** Encode a list as the JSON text of a `$n::jsonb` parameter. */
export function jsonList(values: readonly unknown[]): string {
  return JSON.stringify(values);
}

/** SQL expression turning a milliseconds parameter into an interval. */
export function millisecondsInterval(placeholder: string): string {
  return `(${placeholder}::double precision * INTERVAL '1 millisecond')`;
}

/**
 * The text of a `bigint[]` literal (`{1,2,3}`), for a `$n::bigint[]` parameter holding job ids.
 *
 * The one exception to "lists travel as JSON": every adapter sends it as text and the server
 * parses it, as with JSON, but the result is a typed array parameter. Unprepared statements
 * are planned with it as a constant, so PostgreSQL knows its length and hashes it when it
 * filters rows with `id = ANY (...)`. A list read from JSON through a subquery is opaque to
 * the planner and is searched linearly for every row, which turns a large batch into
 * quadratic work whenever stale statistics steer the plan away from the primary key.
 *
 * @param ids safe integers (validated by the caller).
 */
export function idArrayLiteral(ids: readonly number[]): string {
  return `{${ids.join(",")}}`;
}

/** SQL expression reading a JSON-array parameter as a text array. */
export function textArray(placeholder: string): string {
  return `ARRAY(SELECT jsonb_array_elements_text(${placeholder}::jsonb))`;
}

/**
 * Memoize a builder's text per settings object: texts are pure functions of the settings, and
 * the hot path should not rebuild them on every call.
 */
export function memoizeBySettings<S extends object, T>(build: (settings: S) => T): (settings: S) => T {
  const cache = new WeakMap<S, T>();
  return (settings) => {
    let value = cache.get(settings);
    if (value === undefined) {
      value = build(settings);
      cache.set(settings, value);
    }
    return value;
  };
}
