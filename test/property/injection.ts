/**
 * SQL-injection (and quoting) attempts used by the bad-input suites, in identifier and value
 * positions.
 */
import fc from "fast-check";

/** Classic injection strings, plus quoting and escaping edge cases. */
export const INJECTIONS: readonly string[] = [
  "'; DROP TABLE pgqueuer; --",
  "\"; DROP TABLE pgqueuer; --",
  "x'); DELETE FROM pgqueuer_log; --",
  "1 OR 1=1",
  "' OR '1'='1",
  "$1",
  "$$; SELECT pg_sleep(10); $$",
  "E'\\\\x00'",
  "\\'; TRUNCATE pgqueuer; --",
  "a\"b",
  "public.pgqueuer; DROP SCHEMA public CASCADE",
  "pgqueuer--",
  "/* comment */ pgqueuer",
  "ch_pgqueuer'; NOTIFY x; --",
  "🙂' || pg_read_file('/etc/passwd') || '",
];

/** An injection string, or an arbitrary string containing one. */
export const injection: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 8 })).map(([a, b, c]) => `${a}${b}${c}`),
);
