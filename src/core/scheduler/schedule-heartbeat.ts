/**
 * Heartbeats of running schedules: while a tick runs, its row's `heartbeat` is refreshed so
 * other workers know it is alive; a row whose heartbeat goes stale (its worker crashed) is
 * claimed again by another worker. One batched UPDATE per interval covers every running
 * schedule of this process, and none is sent while nothing runs (CATALOGUE SCH-17).
 *
 * @module
 */
import { coerceError } from "../../domain/errors.js";
import type { Logger } from "../../domain/logger.js";
import type { ScheduleRepository } from "../../ports/schedule-repository.js";
import { Wakeup } from "../wakeup.js";

/** See the module documentation. */
export class ScheduleHeartbeat {
  readonly #repository: Pick<ScheduleRepository, "updateScheduleHeartbeat">;
  readonly #interval: number;
  readonly #logger: Logger;
  readonly #running = new Set<number>();
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: { repository: Pick<ScheduleRepository, "updateScheduleHeartbeat">; interval: number; logger: Logger }) {
    this.#repository = options.repository;
    this.#interval = options.interval;
    this.#logger = options.logger;
  }

  /** Ids of the schedules running now. */
  get ids(): number[] {
    return [...this.#running];
  }

  /** A tick of schedule `id` started. */
  add(id: number): void {
    this.#running.add(id);
  }

  /** The tick of schedule `id` ended. */
  delete(id: number): void {
    this.#running.delete(id);
  }

  /** Send one heartbeat for every running schedule (nothing when none runs). Never throws. */
  async beat(): Promise<void> {
    const ids = this.ids;
    if (ids.length === 0) return;
    try {
      await this.#repository.updateScheduleHeartbeat(ids);
    } catch (error) {
      // A missed beat is harmless unless many are missed in a row; the next one may succeed.
      this.#logger.warn({ err: coerceError(error), scheduleIds: ids }, "schedule heartbeat failed");
    }
  }

  /** Beat every `interval` ms until {@link stop}. */
  start(): void {
    if (this.#loop) return;
    const stop = new AbortController();
    this.#stop = stop;
    const wakeup = new Wakeup();
    this.#loop = (async () => {
      while ((await wakeup.wait(this.#interval, stop.signal)) !== "aborted") await this.beat();
    })();
  }

  /** Stop beating; resolves once a beat in flight has finished. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
    this.#stop = undefined;
    this.#loop = undefined;
  }
}
