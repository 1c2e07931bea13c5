/**
 * The scheduler: runs cron schedules so that each due tick runs exactly once across every
 * worker process sharing the database (CATALOGUE §19).
 *
 * How one tick stays single (the state of a row in the schedules table):
 *
 * ```
 *   queued ──claim (next_run <= NOW(), FOR UPDATE SKIP LOCKED; next_run := next tick)──▶ picked
 *   picked ──handler returned or threw (last_run := NOW())─────────────────────────────▶ queued
 *   picked ──heartbeat older than heartbeatTimeout (the worker died)──claim again──────▶ picked
 * ```
 *
 * The claim moves `next_run` past the tick in the same statement that takes the row, so a
 * second worker either skips the locked row or, once the first commits, no longer sees it due.
 *
 * Missed ticks (the policy): ticks that pass while no worker runs, or while the previous tick's
 * handler is still running, are not replayed one by one. The row is simply due; the next claim
 * runs the handler ONCE and moves `next_run` to the first tick after now. A schedule therefore
 * never overlaps itself and never bursts after downtime.
 *
 * @module
 */
import { coerceError, InvalidArgumentError, PgQueuerError, RegistrationError } from "../../domain/errors.js";
import { silentLogger, type Logger } from "../../domain/logger.js";
import type { Schedule } from "../../domain/types.js";
import type { ScheduleRepository, ScheduleTimetable } from "../../ports/schedule-repository.js";
import type { Resources } from "../context.js";
import { CronSchedule } from "../cron.js";
import { Wakeup } from "../wakeup.js";
import { buildScheduleExecutor, type AbstractScheduleExecutor, type ScheduleExecutorFactory, type ScheduleHandler } from "./executors.js";
import { ScheduleHeartbeat } from "./schedule-heartbeat.js";

/** Options of {@link SchedulerManager}. Durations are milliseconds. */
export interface SchedulerManagerOptions<R extends Resources = Resources> {
  readonly repository: ScheduleRepository;
  /** Handed to every handler as `context.resources` (default `{}`). */
  readonly resources?: R;
  readonly logger?: Logger;
  /** A `picked` schedule whose heartbeat is older than this is claimed again (default 30 000). */
  readonly heartbeatTimeout?: number;
  /** How often running schedules refresh their heartbeat (default 1 000). */
  readonly heartbeatInterval?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`); injectable for tests. */
  readonly clock?: () => number;
}

/** Options of {@link SchedulerManager.schedule}. */
export interface ScheduleOptions<R extends Resources = Resources> {
  /** On start, delete the stored rows of this entrypoint whose expression is no longer registered. */
  readonly cleanOld?: boolean;
  /** The executor class, or a function `(parameters) => executor` (default: call the handler). */
  readonly executorFactory?: ScheduleExecutorFactory<R>;
}

/** One registered schedule. */
export interface ScheduleRegistration<R extends Resources = Resources> {
  readonly entrypoint: string;
  /** The normalized expression, as stored. */
  readonly expression: string;
  readonly cleanOld: boolean;
  readonly executor: AbstractScheduleExecutor<R>;
}

interface Registration<R extends Resources> extends ScheduleRegistration<R> {
  readonly cron: CronSchedule;
}

/** Fire times sent to the database reach this far either side of now (tolerated clock error). */
const SKEW_WINDOW = 10_000;
/** At most this many fire times per registration and claim. */
const MAX_FIRE_TIMES = 32;
/** Wake this long after a tick so the database's clock has surely reached it too. */
const WAKE_SLACK = 20;
/** setTimeout's ceiling. */
const MAX_TIMER = 2 ** 31 - 1;
const OPTION_KEYS = new Set(["cleanOld", "executorFactory"]);

function keyOf(entrypoint: string, expression: string): string {
  return JSON.stringify([entrypoint, expression]);
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(name, `must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/** Registers cron schedules and runs them (see the module documentation). */
export class SchedulerManager<R extends Resources = Resources> {
  /** The object every handler receives as `context.resources`. */
  readonly resources: R;
  readonly #repository: ScheduleRepository;
  readonly #logger: Logger;
  readonly #heartbeatTimeout: number;
  readonly #heartbeatInterval: number;
  readonly #clock: () => number;
  readonly #registrations: Registration<R>[] = [];
  readonly #byKey = new Map<string, Registration<R>>();
  /** Database clock minus our clock, measured at every claim. */
  #offset = 0;
  #running = false;

  /** @throws InvalidArgumentError naming the option when a duration or the clock is invalid. */
  constructor(options: SchedulerManagerOptions<R>) {
    this.#repository = options.repository;
    this.resources = options.resources ?? ({} as R);
    this.#logger = options.logger ?? silentLogger;
    this.#heartbeatTimeout = positive("heartbeatTimeout", options.heartbeatTimeout, 30_000);
    this.#heartbeatInterval = positive("heartbeatInterval", options.heartbeatInterval, 1_000);
    if (options.clock !== undefined && typeof options.clock !== "function") throw new InvalidArgumentError("clock", "must be a function returning milliseconds");
    this.#clock = options.clock ?? Date.now;
  }

  /** The registered schedules, in registration order. */
  get registrations(): readonly ScheduleRegistration<R>[] {
    return this.#registrations.map(({ entrypoint, expression, cleanOld, executor }) => ({ entrypoint, expression, cleanOld, executor }));
  }

  /**
   * Register `handler` to run on every tick of `expression` (5 fields, or 6 with the seconds
   * field last; UTC). The same entrypoint may be registered with several expressions.
   * @returns the executor that will run the ticks.
   * @throws CronExpressionError naming the expression and the bad field.
   * @throws RegistrationError when (entrypoint, expression) is already registered, or the scheduler runs.
   * @throws InvalidArgumentError / InvalidExecutorFactoryError for other bad arguments.
   */
  schedule(entrypoint: string, expression: string, handler: ScheduleHandler<R>, options: ScheduleOptions<R> = {}): AbstractScheduleExecutor<R> {
    if (this.#running) throw new RegistrationError(`cannot register schedule ${JSON.stringify(entrypoint)} while the scheduler runs; register before run()`);
    if (typeof entrypoint !== "string" || entrypoint.trim() === "") throw new InvalidArgumentError("entrypoint", "must be a non-empty string");
    const cron = CronSchedule.parse(expression);
    if (typeof handler !== "function") throw new InvalidArgumentError("handler", "must be a function (schedule, context) => ...");
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", "must be an object");
    for (const name of Object.keys(options)) {
      if (!OPTION_KEYS.has(name)) throw new InvalidArgumentError(name, `is not a schedule option (expected ${[...OPTION_KEYS].join(", ")})`);
    }
    const cleanOld = options.cleanOld ?? false;
    if (typeof cleanOld !== "boolean") throw new InvalidArgumentError("cleanOld", "must be a boolean");
    const key = keyOf(entrypoint, cron.expression);
    if (this.#byKey.has(key)) {
      throw new RegistrationError(`schedule (${JSON.stringify(entrypoint)}, ${JSON.stringify(cron.expression)}) is already registered; each (entrypoint, expression) pair must be unique`);
    }
    const executor = buildScheduleExecutor({ entrypoint, expression: cron.expression, func: handler, cleanOld }, options.executorFactory);
    const registration: Registration<R> = { entrypoint, expression: cron.expression, cleanOld, executor, cron };
    this.#registrations.push(registration);
    this.#byKey.set(key, registration);
    return executor;
  }

  /**
   * Run the schedules until `signal` aborts; resolves once every running handler has finished
   * (their `context.signal` aborts at the same moment). With nothing registered it touches no
   * table and just waits for the signal.
   * @throws SchemaError when the schedules or log table is missing; database errors of the loop.
   */
  async run(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#running) throw new PgQueuerError("the scheduler is already running");
    const signal = options.signal ?? new AbortController().signal;
    if (signal.aborted) return;
    this.#running = true;
    try {
      if (this.#registrations.length === 0) return await abortOf(signal);
      await this.#repository.verifyScheduleStructure();
      await this.#alignClock();
      await this.#repository.registerSchedules({
        timetables: this.#timetables(),
        cleanOldEntrypoints: [...new Set(this.#registrations.filter((r) => r.cleanOld).map((r) => r.entrypoint))],
      });
      await this.#loop(signal);
    } finally {
      this.#running = false;
    }
  }

  async #loop(outer: AbortSignal): Promise<void> {
    // One scope: shutdown and a failing loop both stop claiming and tell running handlers.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(outer.reason);
    outer.addEventListener("abort", onAbort, { once: true });
    const heartbeat = new ScheduleHeartbeat({ repository: this.#repository, interval: this.#heartbeatInterval, logger: this.#logger });
    heartbeat.start();
    const wakeup = new Wakeup();
    const ticks = new Set<Promise<void>>();
    try {
      while (!stop.signal.aborted) {
        wakeup.clear();
        for (const schedule of await this.#claim()) {
          const tick = this.#runTick(schedule, stop.signal, heartbeat, wakeup);
          ticks.add(tick);
          void tick.finally(() => ticks.delete(tick));
        }
        await wakeup.wait(this.#sleepDuration(), stop.signal);
      }
    } catch (error) {
      stop.abort(error);
      throw error;
    } finally {
      outer.removeEventListener("abort", onAbort);
      await Promise.allSettled([...ticks]);
      await heartbeat.stop();
    }
  }

  async #claim(): Promise<Schedule[]> {
    const timetables = this.#timetables();
    if (timetables.length === 0) return [];
    const before = this.#clock();
    const claim = await this.#repository.claimSchedules({ timetables, heartbeatTimeout: this.#heartbeatTimeout });
    this.#offset = claim.databaseTime.getTime() - (before + this.#clock()) / 2;
    return claim.schedules;
  }

  async #alignClock(): Promise<void> {
    const before = this.#clock();
    const databaseTime = await this.#repository.currentTime();
    this.#offset = databaseTime.getTime() - (before + this.#clock()) / 2;
  }

  /** Now, on the database's clock as best we know it. */
  #now(): number {
    return this.#clock() + this.#offset;
  }

  /** Fire times around now for every registration that still fires. */
  #timetables(): ScheduleTimetable[] {
    const now = this.#now();
    const timetables: ScheduleTimetable[] = [];
    for (const { entrypoint, expression, cron } of this.#registrations) {
      const next = cron.next(new Date(now));
      if (next === null) continue; // a year field in the past: nothing left to run
      const fireTimes = cron.between(new Date(now - SKEW_WINDOW), new Date(now + SKEW_WINDOW), MAX_FIRE_TIMES);
      timetables.push({ entrypoint, expression, fireTimes, fallbackDelay: next.getTime() - now });
    }
    return timetables;
  }

  /** Until the nearest tick of any registration, but at least once per heartbeat timeout. */
  #sleepDuration(): number {
    const now = this.#now();
    let nearest = Number.POSITIVE_INFINITY;
    for (const { cron } of this.#registrations) nearest = Math.min(nearest, cron.next(new Date(now))?.getTime() ?? nearest);
    // Polling once per timeout is what rescues rows left `picked` by a worker that died.
    return Math.max(0, Math.min(nearest - now + WAKE_SLACK, this.#heartbeatTimeout, MAX_TIMER));
  }

  async #runTick(schedule: Schedule, signal: AbortSignal, heartbeat: ScheduleHeartbeat, wakeup: Wakeup): Promise<void> {
    const fields = { scheduleId: schedule.id, entrypoint: schedule.entrypoint, expression: schedule.expression };
    heartbeat.add(schedule.id);
    try {
      const registration = this.#byKey.get(keyOf(schedule.entrypoint, schedule.expression));
      if (!registration) throw new PgQueuerError(`claimed schedule ${schedule.id} is not registered in this process`);
      this.#logger.debug(fields, "schedule tick started");
      await registration.executor.execute(schedule, { resources: this.resources, signal });
      this.#logger.debug(fields, "schedule tick finished");
    } catch (error) {
      // A failing tick must not stop the scheduler; the next tick runs as planned.
      this.#logger.error({ ...fields, err: coerceError(error) }, "schedule handler failed");
    } finally {
      heartbeat.delete(schedule.id);
      try {
        await this.#repository.releaseSchedules([schedule.id]);
      } catch (error) {
        this.#logger.error({ ...fields, err: coerceError(error) }, "could not release schedule; it is claimable again after the heartbeat timeout");
      }
      // Its next tick passed while the handler ran: claim it now rather than a tick later.
      if (schedule.nextRun.getTime() <= this.#now()) wakeup.notify();
    }
  }
}

/** Resolves when `signal` aborts. */
function abortOf(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
