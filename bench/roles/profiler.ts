/**
 * Optional CPU profiling of the measured window only (not process start-up or setup): when
 * the orchestrator passes BENCH_CPU_PROFILE_FILE, the V8 profiler runs between `start()` and
 * `stop()` and the profile is written there (open it in Chrome DevTools or speedscope).
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

/** A profiler that does nothing unless a target file is configured. */
export class WindowProfiler {
  readonly #file = process.env.BENCH_CPU_PROFILE_FILE;
  #session: Session | undefined;

  async start(): Promise<void> {
    if (!this.#file) return;
    this.#session = new Session();
    this.#session.connect();
    await this.#session.post("Profiler.enable");
    await this.#session.post("Profiler.setSamplingInterval", { interval: 200 });
    await this.#session.post("Profiler.start");
  }

  async stop(): Promise<void> {
    const session = this.#session;
    if (!session || !this.#file) return;
    this.#session = undefined;
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    await writeFile(this.#file, JSON.stringify(profile));
  }
}
