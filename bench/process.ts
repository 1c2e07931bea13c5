/**
 * The orchestrator side of a child process: fork bench/child.ts under tsx, hand it a task,
 * and follow its messages. A child that does not finish in time is killed and reported.
 *
 * @module
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ChildResult, ChildTask, ParentSignal } from "./protocol.js";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Kill the child and fail after this many ms (default 180 000). */
  readonly timeout?: number;
  /** Profile the measured window of the child into `<directory>/<name>.cpuprofile`. */
  readonly cpuProfile?: { readonly directory: string; readonly name: string };
}

/** A running child. */
export class Child {
  readonly #process: ChildProcess;
  readonly #ready: Promise<void>;
  readonly result: Promise<ChildResult>;

  constructor(task: ChildTask, options: ChildOptions = {}) {
    const env = { ...process.env };
    if (options.cpuProfile) env.BENCH_CPU_PROFILE_FILE = join(options.cpuProfile.directory, `${options.cpuProfile.name}.cpuprofile`);
    else delete env.BENCH_CPU_PROFILE_FILE;
    this.#process = fork(CHILD, [], { execArgv: ["--import", "tsx"], env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let onReady!: () => void;
    this.#ready = new Promise((resolve) => (onReady = resolve));
    const label = `${task.kind}${"library" in task ? ` (${task.library})` : ""}`;
    this.result = new Promise<ChildResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#process.kill("SIGKILL");
        reject(new Error(`${label}: no result after ${options.timeout ?? 180_000} ms; killed`));
      }, options.timeout ?? 180_000);
      this.#process.on("message", (message: ChildMessage) => {
        if (message.type === "ready") onReady();
        else if (message.type === "result") resolve(message.result);
        else if (message.type === "error") reject(new Error(`${label}: ${message.message}`));
      });
      this.#process.on("close", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${label}: exited (code ${code}, signal ${signal}) before reporting a result`));
      });
      this.#process.on("error", reject);
    });
    // Never an unhandled rejection: callers await `result` when they need it.
    this.result.catch(() => undefined);
    this.#process.send(task);
  }

  /** Resolves when the child reported `ready` (rejects if it fails first). */
  ready(): Promise<void> {
    return Promise.race([this.#ready, this.result.then(() => Promise.reject(new Error("child finished before it was ready")))]);
  }

  /** Send a signal to the child. */
  signal(signal: ParentSignal): void {
    this.#process.send(signal);
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.#process.once("exit", () => resolve()));
  }
}

/** Run a task that needs no signals; resolves to its result once the process exited. */
export async function runChild<R extends ChildResult>(task: ChildTask, options: ChildOptions = {}): Promise<R> {
  const child = new Child(task, options);
  const result = await child.result;
  await child.exited();
  return result as R;
}
