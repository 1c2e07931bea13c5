/**
 * Bad input to settings and cron expressions, property-based (fast-check). Neither touches a
 * database: each call returns a valid value or throws a typed PgQueuerError, never anything
 * else. Injection strings in any identifier position are rejected.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCronExpression } from "../../src/core/cron.js";
import { CronExpressionError, InvalidArgumentError, PgQueuerError } from "../../src/domain/errors.js";
import { resolveSettings, type SettingsOptions } from "../../src/domain/settings.js";
import { injection } from "./injection.js";

const NAME_FIELDS = ["queueTable", "queueTableLog", "statisticsTable", "schedulesTable", "queueStatusType", "function", "trigger", "channel"] as const;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;

/** Plausible identifiers, near misses and junk. */
const identifierish = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,70}$/),
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}\.[a-z_][a-z0-9_]{0,10}$/),
  fc.string({ maxLength: 20 }),
  injection,
  fc.constantFrom("", " ", "Upper", "a.b.c", "1abc", "a-b", "a b", "ä"),
);

describe("resolveSettings under arbitrary input", () => {
  it("returns settings whose every name is a plain or schema-qualified identifier, or throws InvalidArgumentError", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            prefix: identifierish,
            schema: identifierish,
            durability: fc.oneof(fc.constantFrom("volatile", "balanced", "durable"), fc.string({ maxLength: 10 })),
            ...Object.fromEntries(NAME_FIELDS.map((field) => [field, identifierish])),
          },
          { requiredKeys: [] },
        ),
        (options) => {
          let settings;
          try {
            settings = resolveSettings(options as SettingsOptions, {});
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidArgumentError);
            return;
          }
          for (const field of NAME_FIELDS) {
            const parts = settings.names[field].split(".");
            expect(parts.every((part) => IDENTIFIER.test(part) && part.length <= 63), `${field} = ${settings.names[field]}`).toBe(true);
          }
          if (settings.schema !== null) expect(IDENTIFIER.test(settings.schema)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("rejects an injection string in every identifier setting, naming that setting", () => {
    fc.assert(
      fc.property(injection, fc.constantFrom(...NAME_FIELDS, "prefix", "schema"), (value, setting) => {
        let thrown: unknown;
        try {
          resolveSettings({ [setting]: value } as SettingsOptions, {});
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(InvalidArgumentError);
        expect((thrown as InvalidArgumentError).setting).toBe(setting);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects injection strings arriving through PGQUEUER_* environment variables", () => {
    fc.assert(
      fc.property(injection, fc.constantFrom("PGQUEUER_QUEUE_TABLE", "PGQUEUER_CHANNEL", "PGQUEUER_SCHEMA", "PGQUEUER_PREFIX", "PGQUEUER_DURABILITY"), (value, variable) => {
        expect(() => resolveSettings({}, { [variable]: value })).toThrow(InvalidArgumentError);
      }),
      { numRuns: 100 },
    );
  });
});

/** One cron field: mostly valid syntax, sometimes out of range or garbage. */
const cronField = fc.oneof(
  fc.constant("*"),
  fc.integer({ min: -2, max: 70 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })).map(([a, b]) => `${a}-${b}`),
  fc.integer({ min: 0, max: 61 }).map((step) => `*/${step}`),
  fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }).map((list) => list.join(",")),
  fc.constantFrom("L", "?", "#", "MON-FRI", "JAN", "5L", "1#2", "W", ""),
  fc.string({ maxLength: 4 }),
  injection,
);

describe("cron expressions under arbitrary input", () => {
  it("structured expressions: a schedule with a future run, or a CronExpressionError", () => {
    fc.assert(
      fc.property(fc.array(cronField, { minLength: 3, maxLength: 8 }), (fields) => {
        const expression = fields.join(" ");
        let schedule;
        try {
          schedule = parseCronExpression(expression);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(CronExpressionError);
          expect((error as CronExpressionError).expression).toBe(expression);
          return;
        }
        const next = schedule.next(new Date());
        expect(next).toBeInstanceOf(Date);
        expect(next!.getTime()).toBeGreaterThan(Date.now() - 1_000);
      }),
      { numRuns: 1_000 },
    );
  });

  it("values whose String() conversion throws still give a CronExpressionError (a counterexample fast-check found)", () => {
    for (const value of [{ toString: 0 }, Object.create(null), Symbol("x")]) {
      expect(() => parseCronExpression(value)).toThrow(PgQueuerError);
    }
  });

  it("any value at all: a schedule or a typed error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), injection), (value) => {
        try {
          parseCronExpression(value);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(PgQueuerError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
