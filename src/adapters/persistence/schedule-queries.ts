/**
 * The schedules table over a {@link Driver}: the {@link ScheduleRepository} the scheduler runs
 * on, plus the management operations the CLI, dashboard and API use (list, delete, clear).
 *
 * @module
 */
import { InvalidArgumentError, SchemaError } from "../../domain/errors.js";
import { checkStoredText } from "./arguments.js";
import type { Settings } from "../../domain/settings.js";
import { isJobStatus, type Schedule } from "../../domain/types.js";
import type { Driver, Row } from "../../ports/driver.js";
import type {
  ScheduleClaim,
  ScheduleClaimRequest,
  ScheduleRegistrationRequest,
  ScheduleRepository,
  ScheduleTimetable,
} from "../../ports/schedule-repository.js";
import { sqlNames } from "../../sql/identifiers.js";
import { scheduleStatements, type ScheduleStatements } from "../../sql/schedules.js";

/** Which schedules {@link ScheduleQueries.deleteSchedules} removes: rows matching either list. */
export interface DeleteSchedulesRequest {
  readonly ids?: readonly number[];
  readonly entrypoints?: readonly string[];
}

/** The columns of a schedules-table row. */
export interface ScheduleRowFields {
  id: number;
  expression: string;
  entrypoint: string;
  heartbeat: Date;
  created: Date;
  updated: Date;
  next_run: Date;
  last_run: Date | null;
  status: string | null;
}

interface ScheduleRow extends Row, ScheduleRowFields {}

/** Schedule persistence over one driver and one set of settings. */
export class ScheduleQueries implements ScheduleRepository {
  readonly #driver: Driver;
  readonly #settings: Settings;
  readonly #sql: ScheduleStatements;

  constructor(options: { readonly driver: Driver; readonly settings: Settings }) {
    this.#driver = options.driver;
    this.#settings = options.settings;
    this.#sql = scheduleStatements(options.settings);
  }

  async verifyScheduleStructure(): Promise<void> {
    const names = sqlNames(this.#settings);
    const [row] = await this.#driver.query<{ schedules: boolean; log: boolean }>({
      text: this.#sql.tablesExist,
      values: [names.schedulesTable, names.queueTableLog],
    });
    for (const [present, table] of [[row?.schedules, names.bare.schedulesTable], [row?.log, names.bare.queueTableLog]] as const) {
      if (present !== true) throw new SchemaError(`The ${table} table is missing; run 'pgq upgrade' to create it.`);
    }
  }

  async currentTime(): Promise<Date> {
    const [row] = await this.#driver.query<{ now: Date }>({ text: this.#sql.currentTime });
    if (!row) throw new SchemaError("SELECT NOW() returned no row");
    return row.now;
  }

  async registerSchedules(request: ScheduleRegistrationRequest): Promise<void> {
    const timetables = encodeTimetables(request.timetables);
    await this.#driver.transaction(async (tx) => {
      if (request.cleanOldEntrypoints.length > 0) {
        await tx.execute({ text: this.#sql.deleteStale, values: [JSON.stringify(request.cleanOldEntrypoints), timetables] });
      }
      if (request.timetables.length > 0) await tx.execute({ text: this.#sql.insert, values: [timetables] });
    });
  }

  async claimSchedules(request: ScheduleClaimRequest): Promise<ScheduleClaim> {
    const rows = await this.#driver.query<ScheduleRow & { database_now: Date }>({
      text: this.#sql.claim,
      values: [encodeTimetables(request.timetables), request.heartbeatTimeout],
    });
    const databaseTime = rows[0]?.database_now ?? new Date();
    return { schedules: rows.filter((row) => row.id !== null).map(toSchedule), databaseTime };
  }

  async updateScheduleHeartbeat(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#driver.execute({ text: this.#sql.heartbeat, values: [JSON.stringify(ids)] });
  }

  async releaseSchedules(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#driver.execute({ text: this.#sql.release, values: [JSON.stringify(ids)] });
  }

  /** Every stored schedule with its next and last run, least recently run first (never run last). */
  async peekSchedules(): Promise<Schedule[]> {
    const rows = await this.#driver.query<ScheduleRow>({ text: this.#sql.peek });
    return rows.map(toSchedule);
  }

  /**
   * Delete the schedules whose id is in `ids` or whose entrypoint is in `entrypoints`.
   * @returns how many rows were deleted.
   */
  async deleteSchedules(request: DeleteSchedulesRequest): Promise<number> {
    const ids = request.ids ?? [];
    const entrypoints = request.entrypoints ?? [];
    if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id))) {
      throw new InvalidArgumentError("ids", "must be an array of integer schedule ids");
    }
    if (!Array.isArray(entrypoints) || !entrypoints.every((name) => typeof name === "string")) {
      throw new InvalidArgumentError("entrypoints", "must be an array of entrypoint names");
    }
    entrypoints.forEach((name, index) => checkStoredText(`entrypoints[${index}]`, name));
    if (ids.length === 0 && entrypoints.length === 0) return 0;
    return this.#driver.execute({ text: this.#sql.delete, values: [JSON.stringify(ids), JSON.stringify(entrypoints)] });
  }

  /** Delete every schedule. Running workers re-create theirs on their next start. */
  async clearSchedules(): Promise<void> {
    await this.#driver.execute({ text: this.#sql.clear });
  }
}

function encodeTimetables(timetables: readonly ScheduleTimetable[]): string {
  return JSON.stringify(
    timetables.map((timetable, position) => ({
      entrypoint: timetable.entrypoint,
      expression: timetable.expression,
      fire_times: timetable.fireTimes.map((time) => time.toISOString()),
      fallback_ms: timetable.fallbackDelay,
      position,
    })),
  );
}

/** A schedules-table row (from SQL, or from the in-memory store) as a {@link Schedule}. */
export function toSchedule(row: ScheduleRowFields): Schedule {
  return {
    id: row.id,
    expression: row.expression,
    entrypoint: row.entrypoint,
    heartbeat: row.heartbeat,
    created: row.created,
    updated: row.updated,
    nextRun: row.next_run,
    lastRun: row.last_run,
    status: isJobStatus(row.status) ? row.status : null,
  };
}
