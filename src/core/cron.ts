/**
 * Cron expressions as PgQueuer writes them, evaluated in UTC.
 *
 * Accepted shapes (fields separated by whitespace):
 *
 * | fields | meaning                                                          |
 * |--------|------------------------------------------------------------------|
 * | 5      | minute hour day-of-month month day-of-week (minute resolution)   |
 * | 6      | the five above, then **second** (a step of 3 there fires every 3 s)  |
 * | 7      | the six above, then year                                         |
 * | alias  | `@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually` |
 *
 * The seconds field comes LAST: that is PgQueuer's (croniter's) convention, and rows in the
 * schedules table are shared with Python workers, so we keep it. The croner library puts
 * seconds first; {@link toCronerFields} rotates the field once, here, and nothing else in the
 * code base sees croner's order.
 *
 * Day-of-month and day-of-week combine with OR when both are restricted (Vixie cron, croniter).
 *
 * @module
 */
import { Cron, type CronOptions } from "croner";
import { describe } from "../domain/durations.js";
import { CronExpressionError } from "../domain/errors.js";

/** The fields of an expression, in PgQueuer's order. */
export const CRON_FIELDS = ["minute", "hour", "day-of-month", "month", "day-of-week", "second", "year"] as const;

/** One field of a cron expression. */
export type CronField = (typeof CRON_FIELDS)[number];

/** What each alias stands for (as croniter expands them). */
const ALIASES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** croner's mode for each field count; forcing it stops croner guessing a different layout. */
const MODES: Readonly<Record<number, CronOptions["mode"]>> = { 5: "5-part", 6: "6-part", 7: "7-part" };

/** `utcOffset: 0` is UTC without DST rules, and far cheaper than `timezone: "UTC"` in croner. */
const CRONER_OPTIONS: CronOptions = { utcOffset: 0 };

/**
 * Normalize an expression the way PgQueuer stores it: trimmed, lower-cased, single spaces,
 * aliases expanded (`@hourly` → `0 * * * *`). Does not validate the fields.
 * @throws CronExpressionError when `expression` is not a non-empty string or names an unknown alias.
 */
export function normalizeCronExpression(expression: unknown): string {
  if (typeof expression !== "string") {
    // describe(), not String(): String() itself throws for objects whose toString is broken.
    throw new CronExpressionError(describe(expression), `must be a string, got ${typeof expression}`);
  }
  const tokens = expression.trim().toLowerCase().split(/\s+/).filter((token) => token !== "");
  if (tokens.length === 0) throw new CronExpressionError(expression, "is empty");
  const first = tokens[0] ?? "";
  if (first.startsWith("@")) {
    const expanded = ALIASES[first];
    if (expanded === undefined || tokens.length > 1) {
      throw new CronExpressionError(expression, `unknown alias; expected one of ${Object.keys(ALIASES).join(", ")}`);
    }
    return expanded;
  }
  return tokens.join(" ");
}

/** Reorder PgQueuer's fields (seconds 6th, year 7th) into croner's (seconds first). */
function toCronerFields(fields: readonly string[]): string[] {
  if (fields.length < 6) return [...fields];
  const [minute, hour, dayOfMonth, month, dayOfWeek, second, ...year] = fields as [string, string, string, string, string, string, ...string[]];
  return [second, minute, hour, dayOfMonth, month, dayOfWeek, ...year];
}

/** croner's messages start with "CronPattern: "; ours already say what failed. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Drop croner's own field positions ("configuration entry 0 (x)"): they are not ours.
  return message.replace(/^CronPattern:\s*/, "").replace(/configuration entry \d+ \([^)]*\)\s*/, "").replace(/\.$/, "");
}

function buildCron(fields: readonly string[]): Cron {
  return new Cron(toCronerFields(fields).join(" "), { ...CRONER_OPTIONS, mode: MODES[fields.length] });
}

/**
 * Find the field to blame by checking each one alone, the others left as `*`: croner names
 * fields by its own positions, which differ from ours once seconds are involved.
 */
function blameField(fields: readonly string[]): { field: CronField; reason: string } | undefined {
  for (const [index, token] of fields.entries()) {
    const probe = fields.map((_, other) => (other === index ? token : "*"));
    try {
      buildCron(probe);
    } catch (error) {
      const field = CRON_FIELDS[index] ?? "year";
      return { field, reason: `${JSON.stringify(token)} is not valid (${reasonOf(error)})` };
    }
  }
  return undefined;
}

/** A parsed, validated cron expression. Immutable; computing fire times has no side effects. */
export class CronSchedule {
  /** The normalized expression (what is stored in the schedules table). */
  readonly expression: string;
  /** True for 6- and 7-field expressions (second resolution). */
  readonly hasSeconds: boolean;
  readonly #cron: Cron;

  private constructor(expression: string, cron: Cron, hasSeconds: boolean) {
    this.expression = expression;
    this.#cron = cron;
    this.hasSeconds = hasSeconds;
  }

  /**
   * Parse and validate an expression.
   * @throws CronExpressionError naming the expression and the bad field, when the field count
   * is wrong, a field is out of range or malformed, or the expression never fires.
   */
  static parse(expression: unknown): CronSchedule {
    const normalized = normalizeCronExpression(expression);
    const original = String(expression);
    const fields = normalized.split(" ");
    if (MODES[fields.length] === undefined) {
      throw new CronExpressionError(original, `expected 5 fields (minute hour day-of-month month day-of-week), 6 (plus second, last) or 7 (plus year), got ${fields.length}`);
    }
    let cron: Cron;
    try {
      cron = buildCron(fields);
    } catch (error) {
      const blame = blameField(fields);
      throw new CronExpressionError(original, blame?.reason ?? reasonOf(error), blame?.field ?? null, { cause: error });
    }
    // `* * 31 2 *` or a year in the past parse fine but would leave the schedule stuck forever.
    if (cron.nextRun(new Date()) === null) throw new CronExpressionError(original, "never fires (no future date matches)");
    return new CronSchedule(normalized, cron, fields.length >= 6);
  }

  /** The first fire time strictly after `after`, or null when the expression fires no more. */
  next(after: Date): Date | null {
    return this.#cron.nextRun(after);
  }

  /**
   * Fire times strictly after `after`, ascending: every one up to and including the first
   * past `until`, at most `limit` of them.
   */
  between(after: Date, until: Date, limit: number): Date[] {
    const times: Date[] = [];
    let cursor: Date | null = after;
    while (times.length < limit && cursor !== null) {
      cursor = this.#cron.nextRun(cursor);
      if (cursor === null) break;
      times.push(cursor);
      if (cursor.getTime() > until.getTime()) break;
    }
    return times;
  }
}

/**
 * Parse and validate `expression` (see {@link CronSchedule.parse}).
 * @throws CronExpressionError
 */
export function parseCronExpression(expression: unknown): CronSchedule {
  return CronSchedule.parse(expression);
}
