/**
 * A fixed-size pool of worker threads, each running one job at a time.
 *
 * A thread's life:
 *
 * ```
 *  (spawned for a job) ──> busy ──result/error──> idle ──next job──> busy ...
 *                           │                      │
 *                           │ job's signal aborts, │ close()
 *                           │ thread crashes,      v
 *                           └─ close() ──────> terminating ──exit──> gone (a slot frees)
 * ```
 *
 * Threads are started on demand, never more than `size` at once — a terminating thread still
 * holds its slot until it has exited, so a runaway loop being stopped does not share a core
 * with its replacement. Jobs beyond `size` wait in FIFO order. Idle threads are `unref()`ed:
 * they do not keep the process alive.
 *
 * @module
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { ShutdownError, WorkerThreadError } from "../../domain/errors.js";
import { deserializeError, isWorkerMessage, type RunMessage, type WorkerMessage } from "./worker-protocol.js";
import { WORKER_THREAD_SOURCE } from "./worker-thread-source.js";

/** How to build a pool's threads. */
export interface WorkerPoolOptions {
  /** The handler module, as a `file:` URL string. */
  readonly moduleUrl: string;
  /** The export that is the handler. */
  readonly exportName: string;
  /** Load the module through tsx (it is TypeScript). */
  readonly typescript: boolean;
  /** Most threads alive at once (>= 1). */
  readonly size: number;
  /** V8 heap limits for each thread. */
  readonly resourceLimits?: ResourceLimits;
}

/** The signals a pool task listens to. */
export interface PoolTaskSignals {
  /** Aborting it stops the task: a waiting task leaves the queue, a running one's thread is terminated. */
  readonly signal: AbortSignal;
  /** Aborting it releases a task that is still waiting for a thread (with a `ShutdownError`). */
  readonly shutdown?: AbortSignal;
}

interface Task {
  readonly id: number;
  readonly job: RunMessage["job"];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Removes the task's abort listeners. */
  readonly detach: () => void;
}

interface Thread {
  readonly worker: Worker;
  task: Task | null;
  state: "busy" | "idle" | "terminating";
}

/** See the module documentation. */
export class WorkerThreadPool {
  private readonly options: WorkerPoolOptions;
  private readonly threads = new Set<Thread>();
  private readonly waiting: Task[] = [];
  private readonly exits = new Set<Promise<void>>();
  private nextTaskId = 1;
  private closing: Promise<void> | null = null;

  constructor(options: WorkerPoolOptions) {
    this.options = options;
  }

  /** Threads alive (busy, idle or terminating); never more than `size`. */
  get threadCount(): number {
    return this.threads.size;
  }

  /** Jobs running on a thread right now. */
  get runningCount(): number {
    let running = 0;
    for (const thread of this.threads) if (thread.task !== null) running++;
    return running;
  }

  /** Jobs waiting for a free thread. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Run one job on a pool thread; settles with the handler's result or its (rebuilt) error.
   * Rejects with `signal.reason` when `signal` aborts, with a `ShutdownError` when `shutdown`
   * aborts before a thread was free, and with a {@link WorkerThreadError} when the thread
   * dies or the pool is closed.
   */
  run(job: RunMessage["job"], signals: PoolTaskSignals): Promise<unknown> {
    if (this.closing !== null) return Promise.reject(new WorkerThreadError("the worker-thread pool is closing"));
    if (signals.signal.aborted) return Promise.reject(signals.signal.reason);
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => this.abortTask(task, signals.signal.reason);
      const onShutdown = (): void => {
        if (this.dequeue(task)) task.reject(new ShutdownError("the worker is shutting down: the job had not started on a worker thread yet, it goes back to the queue"));
      };
      const task: Task = {
        id: this.nextTaskId++,
        job,
        resolve,
        reject,
        detach: () => {
          signals.signal.removeEventListener("abort", onAbort);
          signals.shutdown?.removeEventListener("abort", onShutdown);
        },
      };
      signals.signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(task);
      this.dispatch();
      // A job may still take a free thread during a shutdown, but it does not queue for one.
      if (signals.shutdown?.aborted) onShutdown();
      else signals.shutdown?.addEventListener("abort", onShutdown, { once: true });
    });
  }

  /**
   * Stop every thread: waiting and running jobs reject with a {@link WorkerThreadError}, and
   * jobs submitted meanwhile are refused. Resolves once every thread has exited. Calls during
   * a close share it. Afterwards the pool is empty but usable: a later job starts a fresh
   * thread (the worker closes executors at the end of every `run()`, and a PgQueuer may run
   * again).
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown().finally(() => {
      this.closing = null;
    });
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    for (const task of this.waiting.splice(0)) this.settle(task, "reject", new WorkerThreadError("the worker-thread pool was closed before the job started"));
    for (const thread of this.threads) {
      const task = thread.task;
      thread.task = null;
      if (task !== null) this.settle(task, "reject", new WorkerThreadError("the worker-thread pool was closed while the job was running"));
      this.terminate(thread);
    }
    await Promise.all(this.exits);
  }

  /** Hand waiting jobs to idle threads, starting threads while there is room. */
  private dispatch(): void {
    while (this.waiting.length > 0 && this.closing === null) {
      let thread = this.idleThread();
      if (thread === null && this.threads.size < this.options.size) {
        try {
          thread = this.spawn();
        } catch (error) {
          const task = this.waiting.shift()!;
          this.settle(task, "reject", new WorkerThreadError(`could not start a worker thread for job ${task.job.id}`, { cause: error }));
          continue;
        }
      }
      if (thread === null) return;
      const task = this.waiting.shift()!;
      thread.task = task;
      thread.state = "busy";
      thread.worker.ref();
      const message: RunMessage = { type: "run", taskId: task.id, job: task.job };
      thread.worker.postMessage(message);
    }
  }

  private idleThread(): Thread | null {
    for (const thread of this.threads) if (thread.state === "idle") return thread;
    return null;
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_THREAD_SOURCE, {
      eval: true,
      workerData: { moduleUrl: this.options.moduleUrl, exportName: this.options.exportName, typescript: this.options.typescript },
      resourceLimits: this.options.resourceLimits,
    });
    const thread: Thread = { worker, task: null, state: "busy" };
    this.threads.add(thread);
    const exited = new Promise<void>((resolve) => {
      worker.once("exit", (code) => {
        this.exits.delete(exited);
        this.threads.delete(thread);
        const task = thread.task;
        thread.task = null;
        if (task !== null) this.settle(task, "reject", new WorkerThreadError(`the worker thread exited (code ${code}) while running job ${task.job.id}`));
        resolve();
        this.dispatch();
      });
    });
    this.exits.add(exited);
    worker.on("message", (message: unknown) => {
      if (isWorkerMessage(message)) this.onMessage(thread, message);
    });
    // An error escaping the handler's own promise (thrown from a timer callback, say) kills
    // the thread; the exit handler above then frees its slot.
    worker.on("error", (error: Error) => {
      const task = thread.task;
      thread.task = null;
      if (task !== null) this.settle(task, "reject", new WorkerThreadError(`the worker thread running job ${task.job.id} crashed: ${error.message}`, { cause: error }));
      thread.state = "terminating";
    });
    return thread;
  }

  private onMessage(thread: Thread, message: WorkerMessage): void {
    const task = thread.task;
    if (task === null || task.id !== message.taskId) return;
    thread.task = null;
    thread.state = "idle";
    thread.worker.unref();
    if (message.type === "result") {
      this.settle(task, "resolve", message.value);
    } else {
      const error = deserializeError(message.error);
      switch (message.phase) {
        case "run":
          this.settle(task, "reject", error);
          break;
        case "load":
          this.settle(task, "reject", new WorkerThreadError(`could not load the handler ${JSON.stringify(this.options.exportName)} from ${this.options.moduleUrl}: ${error.message}`, { cause: error }));
          break;
        case "result":
          this.settle(task, "reject", new WorkerThreadError(`the handler's result for job ${task.job.id} could not be sent back from the worker thread (it must survive the structured clone)`, { cause: error }));
          break;
      }
    }
    this.dispatch();
  }

  /** The job's signal aborted: drop it from the queue, or stop the thread running it. */
  private abortTask(task: Task, reason: unknown): void {
    if (this.dequeue(task)) {
      task.reject(reason);
      return;
    }
    for (const thread of this.threads) {
      if (thread.task !== task) continue;
      thread.task = null;
      this.settle(task, "reject", reason);
      this.terminate(thread);
      return;
    }
  }

  /** Remove a waiting task; false when it is not waiting (running or settled). */
  private dequeue(task: Task): boolean {
    const index = this.waiting.indexOf(task);
    if (index === -1) return false;
    this.waiting.splice(index, 1);
    task.detach();
    return true;
  }

  private terminate(thread: Thread): void {
    thread.state = "terminating";
    void thread.worker.terminate();
  }

  private settle(task: Task, how: "resolve" | "reject", value: unknown): void {
    task.detach();
    if (how === "resolve") task.resolve(value);
    else task.reject(value);
  }
}
