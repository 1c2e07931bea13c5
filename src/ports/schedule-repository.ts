/**
 * The schedule repository port: what the scheduler (core/scheduler) needs from persistence.
 * `adapters/persistence/schedule-queries.ts` implements it over a Driver.
 *
 * Clocks: "due" is decided by the database's `NOW()`, never by a worker's clock, so workers
 * with skewed clocks still agree on which tick is due. Cron arithmetic happens in the worker,
 * which sends a window of fire times ({@link ScheduleTimetable}); the database picks the first
 * one later than its own `NOW()` as the row's next run.
 *
 * @module
 */
import type { Schedule } from "../domain/types.js";

/** One registered (entrypoint, expression) and its fire times around the worker's clock. */
export interface ScheduleTimetable {
  readonly entrypoint: string;
  /** The normalized cron expression. */
  readonly expression: string;
  /**
   * Fire times in ascending order, reaching from somewhat before the worker's "now" to somewhat
   * after it. `next_run` becomes the first of them later than the database's `NOW()`.
   */
  readonly fireTimes: readonly Date[];
  /**
   * Used only when the database's clock is past every entry of `fireTimes` (a skew beyond the
   * window): `next_run` becomes `NOW() + fallbackDelay` milliseconds.
   */
  readonly fallbackDelay: number;
}

/** Arguments of {@link ScheduleRepository.registerSchedules}. */
export interface ScheduleRegistrationRequest {
  /** Every registration of this process, in registration order (ids are assigned in it). */
  readonly timetables: readonly ScheduleTimetable[];
  /**
   * Entrypoints registered with `cleanOld`: their stored rows whose expression is NOT among
   * `timetables` are deleted first.
   */
  readonly cleanOldEntrypoints: readonly string[];
}

/** Arguments of {@link ScheduleRepository.claimSchedules}. */
export interface ScheduleClaimRequest {
  /** The registrations of this process; only their rows are claimed. */
  readonly timetables: readonly ScheduleTimetable[];
  /** A `picked` row whose heartbeat is older than this many milliseconds is claimable again. */
  readonly heartbeatTimeout: number;
}

/** Result of one claim. */
export interface ScheduleClaim {
  /** The rows claimed (now `picked`, `next_run` already advanced). */
  readonly schedules: Schedule[];
  /** The database's `NOW()` during the claim, so the worker can align its clock. */
  readonly databaseTime: Date;
}

/** What the scheduler needs from persistence. */
export interface ScheduleRepository {
  /** Throw a SchemaError naming the missing table (and the command to run) when the schedules or log table is missing. */
  verifyScheduleStructure(): Promise<void>;
  /** The database's current time (`NOW()`). */
  currentTime(): Promise<Date>;
  /**
   * In one transaction: delete the stale rows of `cleanOldEntrypoints`, then insert a `queued`
   * row for every timetable that has none yet. Existing rows keep their state and `next_run`.
   */
  registerSchedules(request: ScheduleRegistrationRequest): Promise<void>;
  /**
   * Claim every due row of the given registrations (`queued` with `next_run <= NOW()`, or
   * `picked` with a stale heartbeat), skipping rows locked by other claimers: each becomes
   * `picked` with a fresh heartbeat and `next_run` advanced to the next fire time.
   */
  claimSchedules(request: ScheduleClaimRequest): Promise<ScheduleClaim>;
  /** Refresh the heartbeat of these `picked` rows, in one statement. */
  updateScheduleHeartbeat(ids: readonly number[]): Promise<void>;
  /** Put these rows back to `queued` with `last_run = NOW()`. */
  releaseSchedules(ids: readonly number[]): Promise<void>;
}
