import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { CronSchedule, normalizeCronExpression, parseCronExpression } from "../../../src/core/cron.js";
import { CronExpressionError, InvalidArgumentError, PgQueuerError } from "../../../src/domain/errors.js";

const at = (iso: string): Date => new Date(iso);
const next = (expression: string, from: string): string | undefined => parseCronExpression(expression).next(at(from))?.toISOString();

describe("cron expressions", () => {
  describe("six fields: the seconds field is LAST (PgQueuer's convention)", () => {
    it("`* * * * * */3` fires every third second: from 00:00:01 the next is 00:00:03", () => {
      expect(next("* * * * * */3", "2024-01-01T00:00:01Z")).toBe("2024-01-01T00:00:03.000Z");
      expect(next("* * * * * */3", "2024-01-01T00:00:03Z")).toBe("2024-01-01T00:00:06.000Z");
    });

    it("`*/3 * * * * *` is every second of every third minute: from 00:00:01 the next is 00:00:02", () => {
      expect(next("*/3 * * * * *", "2024-01-01T00:00:01Z")).toBe("2024-01-01T00:00:02.000Z");
      expect(next("*/3 * * * * *", "2024-01-01T00:00:59Z")).toBe("2024-01-01T00:03:00.000Z");
    });

    it("a fixed second fires once per minute at that second", () => {
      expect(next("* * * * * 30", "2024-01-01T00:00:31Z")).toBe("2024-01-01T00:01:30.000Z");
    });

    it("reports second resolution", () => {
      expect(parseCronExpression("* * * * * *").hasSeconds).toBe(true);
      expect(parseCronExpression("* * * * *").hasSeconds).toBe(false);
    });
  });

  it("five fields have minute resolution, next is strictly after the given time", () => {
    expect(next("* * * * *", "2024-01-01T00:00:00Z")).toBe("2024-01-01T00:01:00.000Z");
    expect(next("0 * * * *", "2024-01-01T00:30:00Z")).toBe("2024-01-01T01:00:00.000Z");
    expect(next("30 2 * * 0", "2024-01-01T00:00:00Z")).toBe("2024-01-07T02:30:00.000Z"); // Sunday = 0
  });

  it("combines day-of-month and day-of-week with OR, as Vixie cron and croniter do", () => {
    // 2024-01-01 is a Monday: the 15th OR any Friday → Friday the 5th comes first.
    expect(next("0 0 15 * 5", "2024-01-01T00:00:00Z")).toBe("2024-01-05T00:00:00.000Z");
  });

  it("accepts a seventh (year) field", () => {
    expect(next("0 0 1 1 * 0 2030", "2024-01-01T00:00:00Z")).toBe("2030-01-01T00:00:00.000Z");
  });

  describe("evaluates in UTC whatever the process time zone", () => {
    const original = process.env.TZ;
    afterEach(() => {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });
    for (const zone of ["Asia/Kolkata", "America/New_York", "Pacific/Chatham"]) {
      it(`TZ=${zone}`, () => {
        process.env.TZ = zone;
        expect(next("0 9 * * *", "2024-03-10T06:00:00Z")).toBe("2024-03-10T09:00:00.000Z");
        expect(next("0 0 1 * *", "2024-03-31T23:59:59Z")).toBe("2024-04-01T00:00:00.000Z");
      });
    }
  });

  describe("normalization (what is stored)", () => {
    it.each([
      ["@hourly", "0 * * * *"],
      ["@daily", "0 0 * * *"],
      ["@midnight", "0 0 * * *"],
      ["@weekly", "0 0 * * 0"],
      ["@monthly", "0 0 1 * *"],
      ["@yearly", "0 0 1 1 *"],
      ["@annually", "0 0 1 1 *"],
      ["  @HOURLY ", "0 * * * *"],
      ["0   9 *\t* MON-FRI", "0 9 * * mon-fri"],
      ["* * * * * */3", "* * * * * */3"],
    ])("%j → %j", (input, expected) => {
      expect(normalizeCronExpression(input)).toBe(expected);
      expect(parseCronExpression(input).expression).toBe(expected);
    });

    it("an alias fires like its expansion", () => {
      expect(next("@hourly", "2024-01-01T00:30:00Z")).toBe("2024-01-01T01:00:00.000Z");
    });
  });

  describe("invalid expressions are rejected, naming the expression and the field", () => {
    const rejects = (expression: unknown): CronExpressionError => {
      try {
        parseCronExpression(expression);
      } catch (error) {
        expect(error).toBeInstanceOf(CronExpressionError);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error).toBeInstanceOf(PgQueuerError);
        return error as CronExpressionError;
      }
      throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
    };

    it.each([
      ["61 * * * *", "minute"],
      ["* 24 * * *", "hour"],
      ["* * 32 * *", "day-of-month"],
      ["* * 0 * *", "day-of-month"],
      ["* * * 13 *", "month"],
      ["* * * * 8", "day-of-week"],
      ["* * * * * 60", "second"],
      ["bla * * * *", "minute"],
      ["* * * * * * 20300", "year"],
      ["5-1 * * * *", "minute"],
      ["*/0 * * * *", "minute"],
      // Seconds written FIRST (Quartz/croner style) put a weekday name in our seconds field.
      ["0 0 12 * * MON", "second"],
      ["0 15 10 * * mon-fri", "second"],
      ["0 30 9 * * *", "hour"], // seconds-first "at 09:30:00" reads as hour 30 here
    ])("%j → %s field", (expression, field) => {
      const error = rejects(expression);
      expect(error.field).toBe(field);
      expect(error.expression).toBe(expression);
      expect(error.message).toContain(JSON.stringify(expression));
      expect(error.message).toContain(`${field} field`);
      expect(error.setting).toBe("expression");
    });

    it.each([["* * * *"], ["* * * * * * * *"], [""], ["   "], ["@reboot"], ["@every_minute"], ["@hourly 5"]])("%j (shape) is rejected", (expression) => {
      const error = rejects(expression);
      expect(error.field).toBeNull();
      expect(error.message).toContain(JSON.stringify(expression));
    });

    it("names the field count", () => {
      expect(rejects("* * * *").message).toMatch(/got 4/);
    });

    it("rejects expressions that never fire", () => {
      expect(rejects("0 0 31 2 *").message).toMatch(/never fires/);
      expect(rejects("0 0 1 1 * 0 2020").message).toMatch(/never fires/);
    });

    it.each([[undefined], [null], [5], [{}]])("rejects a non-string %j", (value) => {
      expect(rejects(value).message).toMatch(/must be a string/);
    });
  });

  it("between() lists every fire time up to the first past `until`, within the limit", () => {
    const cron = CronSchedule.parse("* * * * * *");
    const times = cron.between(at("2024-01-01T00:00:00Z"), at("2024-01-01T00:00:03Z"), 10).map((d) => d.toISOString());
    expect(times).toEqual(["2024-01-01T00:00:01.000Z", "2024-01-01T00:00:02.000Z", "2024-01-01T00:00:03.000Z", "2024-01-01T00:00:04.000Z"]);
    expect(cron.between(at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"), 5)).toHaveLength(5);
  });

  it("next fire times of every-N-seconds schedules are on multiples of N and strictly increasing (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 10 ** 10 }), (step, offset) => {
        const from = new Date(Date.UTC(2024, 0, 1) + offset);
        const fire = CronSchedule.parse(`* * * * * */${step}`).next(from)!;
        expect(fire.getTime()).toBeGreaterThan(from.getTime());
        expect(fire.getUTCSeconds() % step).toBe(0);
        expect(fire.getUTCMilliseconds()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
