/**
 * Schedule executors: the object that runs one claimed schedule tick, the counterpart of
 * entrypoint executors (core/executors/abstract.ts) for cron schedules. Subclass
 * {@link AbstractScheduleExecutor} to wrap, route or refuse work; pass the class itself or a
 * factory function as `executorFactory` to `schedule(...)`.
 *
 * @module
 */
import { CronExpressionError } from "../../domain/errors.js";
import type { Schedule } from "../../domain/types.js";
import type { Resources } from "../context.js";
import { CronSchedule } from "../cron.js";
import { looksLikeExecutor, resolveExecutorFactory } from "../executor-factory.js";

/** What a schedule handler receives besides its schedule row. */
export interface ScheduleContext<R extends Resources = Resources> {
  /** The `resources` object given to PgQueuer (the same object jobs see). */
  readonly resources: R;
  /** Aborted when the scheduler shuts down: stop promptly, the tick is released either way. */
  readonly signal: AbortSignal;
}

/**
 * A function run on every tick of a schedule. It receives the claimed row (its `nextRun`
 * already points at the following tick). What it returns is ignored; what it throws is logged.
 */
export type ScheduleHandler<R extends Resources = Resources> = (schedule: Schedule, context: ScheduleContext<R>) => unknown;

/** What a schedule executor is built from: the registration. */
export interface ScheduleExecutorParameters<R extends Resources = Resources> {
  /** The schedule's name. */
  readonly entrypoint: string;
  /** The normalized cron expression (seconds last, UTC). */
  readonly expression: string;
  /**
   * The handler registered with the schedule. (Method syntax on purpose: it lets an executor
   * class written for any resources type serve a scheduler with a narrower one.)
   */
  func(schedule: Schedule, context: ScheduleContext<R>): unknown;
  /** Whether other stored expressions of this entrypoint are deleted when the scheduler starts. */
  readonly cleanOld: boolean;
}

/** Base class of every schedule executor. */
export abstract class AbstractScheduleExecutor<R extends Resources = Resources> {
  /** The registration this executor serves. */
  readonly parameters: ScheduleExecutorParameters<R>;
  readonly #cron: CronSchedule;

  /** @throws CronExpressionError when `parameters.expression` is not a valid expression. */
  constructor(parameters: ScheduleExecutorParameters<R>) {
    this.parameters = parameters;
    this.#cron = CronSchedule.parse(parameters.expression);
  }

  /** Run one tick. Throwing is fine: the error is logged and the schedule keeps its timetable. */
  abstract execute(schedule: Schedule, context: ScheduleContext<R>): Promise<unknown>;

  /**
   * The next fire time strictly after `now` (UTC).
   * @throws CronExpressionError when the expression fires no more (a year field in the past).
   */
  getNext(now: Date = new Date()): Date {
    const next = this.#cron.next(now);
    if (next === null) throw new CronExpressionError(this.parameters.expression, "fires no more (no future date matches)");
    return next;
  }

  /** Milliseconds from `now` until {@link getNext}. */
  nextIn(now: Date = new Date()): number {
    return this.getNext(now).getTime() - now.getTime();
  }
}

/** The default executor: calls the registered handler with `(schedule, context)`. */
export class ScheduleExecutor<R extends Resources = Resources> extends AbstractScheduleExecutor<R> {
  async execute(schedule: Schedule, context: ScheduleContext<R>): Promise<unknown> {
    return this.parameters.func(schedule, context);
  }
}

/** A schedule executor class (constructed as `new C(parameters)`). */
export type ScheduleExecutorClass<R extends Resources = Resources> = new (parameters: ScheduleExecutorParameters<R>) => AbstractScheduleExecutor<R>;

/** A function that builds the schedule executor. */
export type ScheduleExecutorFactoryFunction<R extends Resources = Resources> = (parameters: ScheduleExecutorParameters<R>) => AbstractScheduleExecutor<R>;

/** What `executorFactory` accepts for schedules: the executor class itself, or a factory function. */
export type ScheduleExecutorFactory<R extends Resources = Resources> = ScheduleExecutorClass<R> | ScheduleExecutorFactoryFunction<R>;

/** True when `value` can serve as a schedule executor (a subclass instance, or anything with `execute`). */
export function isScheduleExecutor(value: unknown): value is AbstractScheduleExecutor {
  return looksLikeExecutor(value, AbstractScheduleExecutor);
}

/**
 * Build the executor of a schedule from its `executorFactory` (default {@link ScheduleExecutor}),
 * by the same rules as entrypoint executors.
 * @throws InvalidExecutorFactoryError (a `TypeError`) naming the schedule when the factory is
 * neither an executor class nor a function, or returns something that is not an executor.
 */
export function buildScheduleExecutor<R extends Resources>(parameters: ScheduleExecutorParameters<R>, factory: unknown): AbstractScheduleExecutor<R> {
  return resolveExecutorFactory<ScheduleExecutorParameters<R>, AbstractScheduleExecutor<R>>(
    { base: AbstractScheduleExecutor, createDefault: (p) => new ScheduleExecutor(p), noun: "schedule executor", signature: "execute(schedule, context)" },
    parameters.entrypoint,
    parameters,
    factory,
  );
}
