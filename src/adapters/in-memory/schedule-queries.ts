/**
 * `InMemoryScheduleQueries`: the schedules table of an {@link InMemoryStore}, implementing the
 * {@link ScheduleRepository} port and the management reads of `ScheduleQueries` (peek, delete,
 * clear). Like PostgreSQL, and unlike PgQueuer's in-memory adapter (MEM-15), a claim advances
 * `next_run` to the next fire time, and `peekSchedules` orders by last run.
 *
 * @module
 */
import { checkStoredText } from "../persistence/arguments.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { describe } from "../../domain/durations.js";
import type { Settings } from "../../domain/settings.js";
import type { Schedule } from "../../domain/types.js";
import type {
  ScheduleClaim,
  ScheduleClaimRequest,
  ScheduleRegistrationRequest,
  ScheduleRepository,
  ScheduleTimetable,
} from "../../ports/schedule-repository.js";
import { ScheduleQueries, type DeleteSchedulesRequest } from "../persistence/schedule-queries.js";
import { InMemoryDriver } from "./driver.js";
import type { InMemoryStore, ScheduleRow } from "./store.js";
import { toSchedule } from "../persistence/schedule-queries.js";

/** Schedule persistence on an in-memory store. */
export class InMemoryScheduleQueries extends ScheduleQueries implements ScheduleRepository {
  readonly #store: InMemoryStore;

  constructor(options: { readonly driver: InMemoryDriver; readonly settings: Settings }) {
    if (!(options.driver instanceof InMemoryDriver)) throw new InvalidArgumentError("driver", `must be an InMemoryDriver, got ${describe(options.driver)}`);
    super(options);
    this.#store = options.driver.store;
  }

  /** Always passes: the in-memory tables always exist. */
  override async verifyScheduleStructure(): Promise<void> {}

  /** The store's clock. */
  override async currentTime(): Promise<Date> {
    return this.#store.now();
  }

  /** See {@link ScheduleRepository.registerSchedules}. */
  override async registerSchedules(request: ScheduleRegistrationRequest): Promise<void> {
    const store = this.#store;
    const now = store.now();
    const clean = new Set(request.cleanOldEntrypoints);
    const kept = (row: ScheduleRow): boolean =>
      !clean.has(row.entrypoint) || request.timetables.some((timetable) => timetable.entrypoint === row.entrypoint && timetable.expression === row.expression);
    store.schedules = store.schedules.filter(kept);
    for (const timetable of request.timetables) {
      if (store.schedules.some((row) => row.entrypoint === timetable.entrypoint && row.expression === timetable.expression)) continue;
      store.schedules.push({
        id: store.nextScheduleId(),
        expression: timetable.expression,
        entrypoint: timetable.entrypoint,
        heartbeat: now,
        created: now,
        updated: now,
        next_run: nextRun(timetable, now),
        last_run: null,
        status: "queued",
      });
    }
  }

  /** See {@link ScheduleRepository.claimSchedules}. */
  override async claimSchedules(request: ScheduleClaimRequest): Promise<ScheduleClaim> {
    const now = this.#store.now();
    const staleBefore = now.getTime() - request.heartbeatTimeout;
    const claimed: Schedule[] = [];
    for (const row of [...this.#store.schedules].sort((left, right) => left.id - right.id)) {
      const timetable = request.timetables.find((item) => item.entrypoint === row.entrypoint && item.expression === row.expression);
      if (!timetable) continue;
      const due = (row.status === "queued" && row.next_run.getTime() <= now.getTime()) || (row.status === "picked" && row.heartbeat.getTime() < staleBefore);
      if (!due) continue;
      row.status = "picked";
      row.updated = now;
      row.heartbeat = now;
      row.next_run = nextRun(timetable, now);
      claimed.push(toSchedule(row));
    }
    return { schedules: claimed, databaseTime: now };
  }

  /** See {@link ScheduleRepository.updateScheduleHeartbeat}. */
  override async updateScheduleHeartbeat(ids: readonly number[]): Promise<void> {
    const now = this.#store.now();
    for (const row of this.#picked(ids)) {
      row.heartbeat = now;
      row.updated = now;
    }
  }

  /** See {@link ScheduleRepository.releaseSchedules}. */
  override async releaseSchedules(ids: readonly number[]): Promise<void> {
    const now = this.#store.now();
    for (const row of this.#picked(ids)) {
      row.status = "queued";
      row.last_run = now;
      row.updated = now;
    }
  }

  #picked(ids: readonly number[]): ScheduleRow[] {
    const wanted = new Set(ids);
    return this.#store.schedules.filter((row) => wanted.has(row.id) && row.status === "picked");
  }

  /** Every schedule, least recently run first (never run last), then by id. */
  override async peekSchedules(): Promise<Schedule[]> {
    const never = Number.POSITIVE_INFINITY;
    return [...this.#store.schedules]
      .sort((left, right) => (left.last_run?.getTime() ?? never) - (right.last_run?.getTime() ?? never) || left.id - right.id)
      .map(toSchedule);
  }

  /** See {@link ScheduleQueries.deleteSchedules}. */
  override async deleteSchedules(request: DeleteSchedulesRequest): Promise<number> {
    const ids = request.ids ?? [];
    const entrypoints = request.entrypoints ?? [];
    if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id))) {
      throw new InvalidArgumentError("ids", "must be an array of integer schedule ids");
    }
    if (!Array.isArray(entrypoints) || !entrypoints.every((name) => typeof name === "string")) {
      throw new InvalidArgumentError("entrypoints", "must be an array of entrypoint names");
    }
    entrypoints.forEach((name, index) => checkStoredText(`entrypoints[${index}]`, name));
    const before = this.#store.schedules.length;
    this.#store.schedules = this.#store.schedules.filter((row) => !ids.includes(row.id) && !entrypoints.includes(row.entrypoint));
    return before - this.#store.schedules.length;
  }

  /** Delete every schedule. */
  override async clearSchedules(): Promise<void> {
    this.#store.schedules = [];
  }
}

/** The first fire time later than `now`, else `now` plus the fallback delay (as the SQL does). */
function nextRun(timetable: ScheduleTimetable, now: Date): Date {
  const next = timetable.fireTimes.find((time) => time.getTime() > now.getTime());
  return next ? new Date(next.getTime()) : new Date(now.getTime() + timetable.fallbackDelay);
}

