/**
 * One `run()` of a {@link QueueManager}: the claim loop, dispatch, outcome buffering, the
 * listener and its health probes, heartbeats, log aggregation, and graceful shutdown. Created
 * by `QueueManager.run()` and discarded afterwards.
 *
 * @module
 */
import { setMaxListeners } from "node:events";
import { coerceError, ConnectionError, FailingListenerError, JobCancelledError, ShutdownError } from "../domain/errors.js";
import { silentLogger, type Logger } from "../domain/logger.js";
import type { Job } from "../domain/types.js";
import type { Driver, Subscription } from "../ports/driver.js";
import type { ClaimRequest, OutcomeRecord } from "../ports/repository.js";
import { BatchBuffer } from "./batch-buffer.js";
import type { Context, Resources } from "./context.js";
import type { EntrypointRegistry, Registration } from "./entrypoint-registry.js";
import { createEventRouter, wakesWorker } from "./event-router.js";
import { sleep } from "./executors/clock.js";
import { HealthProbes } from "./health-probes.js";
import { LazyAbort } from "./lazy-abort.js";
import type { JobObserver } from "./observer.js";
import { decideOutcome, type ExecutionResult } from "./outcome.js";
import type { QueueManager } from "./queue-manager.js";
import { MIN_POLL_INTERVAL, type ResolvedRunOptions } from "./run-options.js";
import { RunningJobs, type RunningJob } from "./running-jobs.js";
import { Wakeup } from "./wakeup.js";

/** After `shutdownTimeout`, how long aborted jobs get to settle before they are released. */
const ABORT_GRACE = 1_000;
/** Poll interval while the listener is known to be deaf. */
const DEAF_POLL_INTERVAL = 1_000;
/**
 * How often (at most) a claim also looks for stale jobs: another worker's jobs whose
 * heartbeat expired. Not every claim: that scan grows with the jobs in flight, and a stale
 * job has waited a whole heartbeat timeout already.
 */
const STALE_CLAIM_INTERVAL = 1_000;
/**
 * While claims keep finding work, the idle probe's answer is reused for this long: in steady
 * traffic every notification wakes the worker, and probing after each short claim cost a
 * second statement per wake. The reused wait never exceeds what is left of this window, so a
 * deferred job that arrived meanwhile is noticed at most this late.
 */
const PROBE_REUSE_WINDOW = 100;

/** The state of one `run()`; discarded afterwards. */
export class RunSession<R extends Resources> {
  readonly running = new RunningJobs<R>();
  readonly #stopController = new AbortController();
  readonly #wakeup = new Wakeup();
  readonly #probes = new HealthProbes();
  readonly #outcomes: BatchBuffer<OutcomeRecord>;
  readonly #timers: NodeJS.Timeout[] = [];
  #subscription: Subscription | undefined;
  #fatal: Error | undefined;
  #listenerDeaf = false;
  /** Outcomes added but not yet written: their rows are still owned in the database. */
  #unwritten = 0;
  /** Jobs asked for by claims in flight: slots reserved for them. */
  #requested = 0;
  /** When (performance.now()) the idle probe last ran; -Infinity: never. */
  #lastProbe = Number.NEGATIVE_INFINITY;
  /** When (performance.now()) the last idle probe said to look again. */
  #probedWakeAt = Number.NEGATIVE_INFINITY;
  /** Whether the claims since the last wait found any job. */
  #foundWork = false;
  /**
   * Jobs finished since the start, and that count when the log was last aggregated and the
   * tables last vacuumed: both tasks skip a turn when no job finished since they last ran.
   */
  #jobsFinished = 0;
  #jobsFinishedAtAggregate = 0;
  #jobsFinishedAtVacuum = 0;
  /** Jobs claimed since the start (tells the loop whether its last claims found work). */
  #claimedJobs = 0;
  /** The idle probe being answered, if any (see #idleTimeout). */
  #probeInFlight: Promise<number> | undefined;
  /** The next claim should also re-claim stale jobs: at start, then set by a timer (see #markStaleClaimDue). */
  #staleClaimWanted = true;
  /** When (performance.now()) a claim last included stale jobs; -Infinity: never. */
  #lastStaleClaim = Number.NEGATIVE_INFINITY;
  /** Settles when the claim started last has dispatched its jobs. */
  #dispatchTurn: Promise<void> = Promise.resolve();

  constructor(
    private readonly manager: QueueManager<R>,
    private readonly config: ResolvedRunOptions,
    private readonly registry: EntrypointRegistry<R>,
    private readonly driver: Driver,
    private readonly logger: Logger,
    private readonly observer: JobObserver,
  ) {
    this.#outcomes = new BatchBuffer<OutcomeRecord>({
      maxSize: config.batchSize,
      interval: 25,
      sink: async (records) => {
        await this.manager.repository.recordOutcomes(this.manager.queueManagerId, records);
        const wasFull = this.#freeSlots() === 0;
        this.#unwritten -= records.length;
        // Unwritten outcomes beyond the allowance hold slots (see #freeSlots): free them.
        if (wasFull && this.#freeSlots() > 0) this.#wakeup.notify();
      },
      onError: (error, records) => this.logger.error({ err: error, jobIds: records.map((r) => r.jobId) }, "writing job outcomes failed; will retry"),
    });
  }

  get #stopping(): boolean {
    return this.#stopController.signal.aborted;
  }

  stop(): void {
    if (!this.#stopping) this.#stopController.abort(new ShutdownError("worker is shutting down"));
  }

  async run(): Promise<void> {
    setMaxListeners(0, this.#stopController.signal); // every running job may listen to it
    const external = this.config.signal;
    const onExternalAbort = (): void => this.stop();
    external?.addEventListener("abort", onExternalAbort, { once: true });
    if (external?.aborted) this.stop();
    try {
      await Promise.all([this.#listen(), this.#warmUp()]);
      this.#startBackgroundTasks();
      this.logger.info({ queueManagerId: this.manager.queueManagerId, entrypoints: this.registry.names, mode: this.config.mode }, "worker started");
      await this.#loop();
    } catch (error) {
      this.#fatal ??= coerceError(error);
      this.stop();
    } finally {
      external?.removeEventListener("abort", onExternalAbort);
      await this.#shutdown();
    }
    if (this.#fatal) throw this.#fatal;
  }

  /** Claim and dispatch while there is work and room; wait when there is neither. */
  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        const claimedBefore = this.#claimedJobs;
        await this.#claimWhileWorkAndRoom();
        if (this.#stopping) break;
        if (this.#claimedJobs > claimedBefore && this.config.claimLinger > 0 && this.config.mode !== "drain") {
          await this.#linger();
          if (this.#stopping) break;
        }
        if (this.#freeSlots() === 0) {
          // Full: only a finishing job (which notifies) can let us claim again. Earlier
          // notifications are moot; the claim after that wake-up sees their jobs.
          this.#wakeup.clear();
          await this.#wakeup.wait(this.config.dequeueTimeout, this.#stopController.signal);
          continue;
        }
        if (this.config.mode === "drain" && (await this.#drained())) {
          this.logger.info({ queueManagerId: this.manager.queueManagerId }, "drain complete: no eligible work left");
          this.stop();
          break;
        }
        // The probe's round trip runs while the wait already listens: a notification arriving
        // meanwhile starts the next claim at once instead of queueing behind the probe.
        await this.#wakeup.wait(this.#idleTimeout(), this.#stopController.signal);
      } catch (error) {
        if (!(error instanceof ConnectionError)) throw error;
        // The database went away: keep the worker alive and try again shortly.
        this.logger.warn({ err: error }, "database connection lost; retrying");
        await this.#wakeup.wait(1_000, this.#stopController.signal);
      }
    }
  }

  /**
   * Claim until a claim comes back short or no slot is free. With `concurrentClaims` > 1 on a
   * pool, more claimers join once a claim comes back full (there is a backlog): claims in flight
   * overlap their round trips, and SKIP LOCKED keeps their jobs apart. At light load a wake-up
   * costs one claim.
   */
  async #claimWhileWorkAndRoom(): Promise<void> {
    if (this.registry.limits.length === 0) return;
    const claimers: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const onBacklog = (): void => {
      if (claimers.length >= (this.driver.concurrent ? this.config.concurrentClaims : 1)) return;
      // Every claimer's failure is caught here (none may go unhandled); the first is rethrown
      // once all have settled.
      claimers.push(this.#claimLoop(onBacklog).catch((error: unknown) => void (failure ??= { error })));
    };
    onBacklog();
    for (let index = 0; index < claimers.length; index += 1) await claimers[index];
    if (failure) throw failure.error;
  }

  async #claimLoop(onBacklog: () => void): Promise<void> {
    while (!this.#stopping) {
      // Let timers and I/O run between claims: an embedded database answers through microtasks
      // alone, and a busy loop must not starve heartbeats and buffer flushes.
      await new Promise((resolve) => setImmediate(resolve));
      const want = Math.min(this.config.batchSize, this.#freeSlots() - this.#requested);
      if (want <= 0 || this.#stopping) return;
      // Cleared before the claim: a notification arriving during it makes the next wait return at once.
      this.#wakeup.clear();
      this.#requested += want;
      // Claims dispatch in the order they started, so jobs start in priority/FIFO order even
      // when a later claim's answer arrives first.
      const previousTurn = this.#dispatchTurn;
      let endTurn!: () => void;
      this.#dispatchTurn = new Promise((resolve) => (endTurn = resolve));
      const includeStale = this.#takeStaleClaim();
      let jobs: Job[];
      try {
        jobs = await this.manager.repository.dequeue(this.#claimRequest(want, includeStale));
        await previousTurn;
      } finally {
        this.#requested -= want;
        endTurn();
      }
      // Claimed jobs always run, even if shutdown began during the claim: none is stranded.
      for (const job of jobs) this.#dispatch(job);
      if (jobs.length > 0) this.#foundWork = true;
      this.#claimedJobs += jobs.length;
      if (jobs.length < want) return;
      onBacklog();
    }
  }

  /**
   * The `claimLinger` pause after claims that found work: notifications arriving meanwhile stay
   * pending (the wait after it returns at once), so the next claim takes every job enqueued in
   * the pause. Only a shutdown ends it early.
   */
  async #linger(): Promise<void> {
    await sleep(this.config.claimLinger, this.#stopController.signal).catch(() => undefined);
  }

  /** What this worker asks of a claim: up to `batchSize` jobs of its entrypoints. */
  #claimRequest(batchSize: number, includeStale: boolean): ClaimRequest {
    return {
      batchSize,
      entrypoints: this.registry.limits,
      queueManagerId: this.manager.queueManagerId,
      // No budget count in SQL: the batch size already fits this worker's free slots, which it
      // knows exactly (running jobs plus unwritten outcomes, see #freeSlots).
      workerLimit: null,
      heartbeatTimeout: this.config.heartbeatTimeout,
      includeStale,
    };
  }

  /**
   * Slots for new jobs. A finished job frees its slot at once, while its outcome waits in the
   * buffer (the job stays owned in the database until it is written): that overlap is what
   * lets claims and outcome writes run side by side. Only unwritten outcomes beyond
   * `maxConcurrentTasks` take slots, so when outcome writes fall behind (a slow or failing
   * database) claiming stops instead of letting owned jobs pile up.
   */
  #freeSlots(): number {
    const max = this.config.maxConcurrentTasks;
    return max === null ? Number.MAX_SAFE_INTEGER : Math.max(0, max - this.running.size - Math.max(0, this.#unwritten - max));
  }

  /**
   * Whether this claim should also re-claim stale jobs, and if so, mark it done. Only the first
   * claim and the one after each #markStaleClaimDue do: a claim that answers a notification
   * stays the lean statement, so the stale scan never sits on the pickup path of fresh jobs.
   * With heartbeats disabled (`heartbeatTimeout: 0`) no job is ever stale to this worker.
   */
  #takeStaleClaim(): boolean {
    if (!this.#staleClaimWanted || this.config.heartbeatTimeout <= 0) return false;
    this.#staleClaimWanted = false;
    this.#lastStaleClaim = performance.now();
    return true;
  }

  /**
   * Timer (every STALE_CLAIM_INTERVAL, at most half the heartbeat timeout): ask the loop for a
   * stale re-claim unless one ran within the interval, and wake it, since an idle worker
   * claims only when woken. The loop itself makes the claim, so claims stay one at a time
   * (with `concurrentClaims: 1`) and dispatch in order.
   */
  #markStaleClaimDue(interval: number): void {
    if (performance.now() - this.#lastStaleClaim < interval) return;
    this.#staleClaimWanted = true;
    this.#wakeup.notify();
  }

  /**
   * How long to wait before polling again when nothing was claimable (CATALOGUE QM-9). At most
   * one probe is in flight: the loop no longer waits for the probe before it listens for
   * notifications, so while a probe is slow (a bloated table) every wake-up would otherwise start
   * another, and the pile would hold the pool's connections that claims and outcome writes need.
   */
  async #idleTimeout(): Promise<number> {
    const now = performance.now();
    const foundWork = this.#foundWork;
    this.#foundWork = false;
    if (foundWork && now - this.#lastProbe < PROBE_REUSE_WINDOW) {
      // Reuse: wake when the last probe said to, or when the window closes, whichever is first.
      return Math.max(0, Math.min(this.#lastProbe + PROBE_REUSE_WINDOW, this.#probedWakeAt) - now);
    }
    if (this.#probeInFlight) {
      await this.#probeInFlight;
      // Its answer counts from when that probe started.
      return Math.max(0, this.#probedWakeAt - performance.now());
    }
    const probing = this.#probe(now);
    this.#probeInFlight = probing;
    try {
      return await probing;
    } finally {
      this.#probeInFlight = undefined;
    }
  }

  async #probe(now: number): Promise<number> {
    const ceiling = this.#listenerDeaf ? Math.min(this.config.dequeueTimeout, DEAF_POLL_INTERVAL) : this.config.dequeueTimeout;
    const probe = await this.manager.repository.probeWork(this.registry.names);
    let timeout = ceiling;
    if (probe.eligible) timeout = MIN_POLL_INTERVAL; // work exists but a limit held it back
    else if (probe.nextEligibleIn !== null && probe.nextEligibleIn < ceiling) timeout = Math.max(probe.nextEligibleIn, MIN_POLL_INTERVAL);
    this.#lastProbe = now;
    this.#probedWakeAt = now + timeout;
    return timeout;
  }

  /** Drain mode: nothing running, every outcome written, nothing queued now or deferred. */
  async #drained(): Promise<boolean> {
    if (this.running.size > 0) return false;
    await this.#outcomes.flush();
    if (this.#outcomes.size > 0) return false;
    const probe = await this.manager.repository.probeWork(this.registry.names);
    return !probe.eligible && probe.nextEligibleIn === null;
  }

  #dispatch(job: Job): void {
    const registration = this.registry.get(job.entrypoint);
    if (!registration) {
      // Cannot happen: only registered entrypoints are claimed. Give the job back untouched.
      this.#addOutcome({ jobId: job.id, outcome: { kind: "released" } });
      return;
    }
    const abort = new LazyAbort();
    const context: Context<R> = {
      get signal() {
        return abort.signal;
      },
      shutdown: this.#stopController.signal,
      resources: this.manager.resources,
      queueManagerId: this.manager.queueManagerId,
    };
    const entry: RunningJob<R> = { job, abort, context, done: Promise.resolve(), released: false };
    this.running.add(entry);
    entry.done = this.#execute(entry, registration).finally(() => {
      const wasFull = this.#freeSlots() === 0;
      this.running.delete(job.id);
      if ((wasFull && this.#freeSlots() > 0) || (this.config.mode === "drain" && this.running.size === 0)) this.#wakeup.notify();
    });
  }

  async #execute(entry: RunningJob<R>, registration: Registration<R>): Promise<void> {
    const { job, context, abort } = entry;
    this.observer.onJobStarted?.(job, this.manager.queueManagerId);
    const started = performance.now();
    let result: ExecutionResult;
    try {
      if (abort.aborted) throw abort.reason; // canceled before it started
      const run = (): Promise<unknown> => registration.executor.execute(job, context);
      const value = await (this.observer.around ? this.observer.around(job, run) : run());
      result = { ok: true, value }; // the value matters only to entrypoints that store results
    } catch (error) {
      result = { ok: false, error };
    }
    if (entry.released) return; // shutdown already gave the job back
    const outcome = decideOutcome({ job, result, signal: abort, onFailure: registration.parameters.onFailure, queueManagerId: this.manager.queueManagerId, storeResult: registration.options?.storeResult === true });
    const durationMs = performance.now() - started;
    if (outcome.kind === "exception" || outcome.kind === "failed") {
      this.logger.error({ jobId: job.id, entrypoint: job.entrypoint, err: result.ok ? undefined : result.error, outcome: outcome.kind }, "job failed");
    } else if (this.logger !== silentLogger) {
      // Skipped for the default logger: this line's object would be built for every job.
      this.logger.debug({ jobId: job.id, entrypoint: job.entrypoint, outcome: outcome.kind, durationMs }, "job finished");
    }
    // A job of a concurrency-limited entrypoint holds one of its few global slots until its
    // outcome is written: waiting for the buffer's interval would idle that slot for every worker.
    this.#addOutcome({ jobId: job.id, outcome }, registration.parameters.concurrencyLimit > 0);
    this.#jobsFinished += 1;
    this.observer.onJobFinished?.({ job, outcome, durationMs, queueManagerId: this.manager.queueManagerId });
  }

  /** Buffer an outcome; `soon`: write it on the next turn instead of after the buffer's interval. */
  #addOutcome(record: OutcomeRecord, soon = false): void {
    this.#unwritten += 1;
    this.#outcomes.add(record, soon);
  }

  /**
   * Get the connections that claims and outcome writes will use ready before the first job
   * arrives (see QueueRepository.warmUp): without it, each new connection's first claim and
   * first outcome write cost several milliseconds more, which the first jobs after a start
   * would wait for. Skipped in drain mode (a backlog is waiting, not a notification). A failure
   * is only logged: the first claim meets the same problem and reports it properly.
   */
  async #warmUp(): Promise<void> {
    const { repository } = this.manager;
    if (this.config.mode === "drain" || this.registry.limits.length === 0 || repository.warmUp === undefined) return;
    const connections = this.driver.concurrent ? this.config.concurrentClaims + 1 : 1;
    try {
      await repository.warmUp(this.#claimRequest(this.config.batchSize, false), connections);
    } catch (error) {
      this.logger.debug({ err: coerceError(error) }, "connection warm-up failed; the first claim will tell");
    }
  }

  async #listen(): Promise<void> {
    const route = createEventRouter(
      {
        tableChanged: (event) => {
          const worker = { draining: this.config.mode === "drain", hasConcurrencyLimits: this.registry.limits.some((limit) => limit.concurrencyLimit > 0) };
          if (wakesWorker(event, worker)) this.#wakeup.notify();
        },
        cancellation: (event) => {
          for (const id of event.ids) this.running.get(id)?.abort.abort(new JobCancelledError(`job ${id} was canceled`));
        },
        healthCheck: (event) => this.#probes.echo(event.id),
      },
      this.logger,
    );
    this.#subscription = await this.driver.listen({
      channel: this.manager.repository.channel,
      onNotification: route,
      onReconnect: () => {
        this.logger.info({ queueManagerId: this.manager.queueManagerId }, "listener re-established; catching up");
        this.#listenerDeaf = false;
        this.#wakeup.notify(); // notifications sent while we were away are lost: poll now
      },
      onError: (error) => {
        this.logger.warn({ err: error }, "listener connection lost");
        this.#listenerDeaf = true;
      },
    });
  }

  #startBackgroundTasks(): void {
    const { heartbeatTimeout, logAggregationInterval, healthCheckInterval } = this.config;
    if (heartbeatTimeout > 0) {
      this.#every(heartbeatTimeout / 2, () => this.#beat());
      const staleInterval = Math.min(STALE_CLAIM_INTERVAL, heartbeatTimeout / 2);
      this.#every(staleInterval, async () => this.#markStaleClaimDue(staleInterval));
    }
    if (logAggregationInterval > 0) this.#every(logAggregationInterval, () => this.#aggregate(), true);
    if (this.config.vacuumInterval > 0 && this.driver.vacuumsItself === false && this.manager.repository.vacuumQueueTables !== undefined) {
      this.#every(this.config.vacuumInterval, () => this.#vacuum());
    }
    this.#every(healthCheckInterval, () => this.#checkListener());
  }

  /** Run `task` every `interval` ms (jittered ×0.8–1.2 when asked), never overlapping itself. */
  #every(interval: number, task: () => Promise<void>, jitter = false): void {
    const schedule = (): void => {
      const delay = jitter ? interval * (0.8 + Math.random() * 0.4) : interval;
      const timer = setTimeout(() => {
        if (this.#stopping) return;
        void task().finally(() => !this.#stopping && schedule());
      }, delay);
      timer.unref();
      this.#timers.push(timer);
    };
    schedule();
  }

  async #beat(): Promise<void> {
    const ids = this.running.ownedIds();
    if (ids.length === 0) return;
    try {
      await this.manager.repository.updateHeartbeat(this.manager.queueManagerId, ids);
    } catch (error) {
      this.logger.warn({ err: coerceError(error), jobIds: ids }, "heartbeat failed");
    }
  }

  async #aggregate(): Promise<void> {
    const finished = this.#jobsFinished;
    if (finished === this.#jobsFinishedAtAggregate) return;
    try {
      await this.manager.repository.aggregateLogs();
      this.#jobsFinishedAtAggregate = finished;
    } catch (error) {
      this.logger.warn({ err: coerceError(error) }, "log aggregation failed; will retry");
    }
  }

  /** Stand in for autovacuum on a database without one (see RunOptions.vacuumInterval). */
  async #vacuum(): Promise<void> {
    const finished = this.#jobsFinished;
    if (finished === this.#jobsFinishedAtVacuum) return;
    try {
      await this.manager.repository.vacuumQueueTables?.();
      this.#jobsFinishedAtVacuum = finished;
    } catch (error) {
      this.logger.warn({ err: coerceError(error) }, "vacuum of the queue tables failed; will retry");
    }
  }

  async #checkListener(): Promise<void> {
    const timeout = this.config.healthCheckInterval;
    const healthy = await this.#probes.probe((id) => this.manager.repository.notifyHealthCheck(id), timeout);
    if (healthy || this.#stopping) {
      this.#listenerDeaf = false;
      return;
    }
    this.#listenerDeaf = true;
    if (this.config.shutdownOnListenerFailure && this.config.mode !== "drain") {
      this.#fatal ??= new FailingListenerError(`no health-check echo on channel '${this.manager.repository.channel}' within ${timeout} ms`);
      this.stop();
      return;
    }
    this.logger.warn({ channel: this.manager.repository.channel }, "listener failed its health check; re-subscribing");
    await this.#subscription?.close().catch(() => undefined);
    try {
      await this.#listen();
      this.#wakeup.notify();
    } catch (error) {
      this.logger.warn({ err: coerceError(error) }, "re-subscribing failed; polling every second meanwhile");
    }
  }

  /**
   * Graceful shutdown: fetching has stopped. Let running jobs finish within shutdownTimeout;
   * then abort their signals, and release whatever still runs back to the queue, so no job is
   * stranded as `picked`. Write every outcome, stop timers, close the listener.
   */
  async #shutdown(): Promise<void> {
    if (this.running.size > 0) {
      const finished = await settleWithin(this.running.allSettled(), this.config.shutdownTimeout);
      if (!finished) {
        for (const entry of this.running.values()) entry.abort.abort(new ShutdownError(`shutdown timeout of ${this.config.shutdownTimeout} ms elapsed`));
        if (!(await settleWithin(this.running.allSettled(), ABORT_GRACE))) {
          for (const entry of this.running.values()) {
            entry.released = true;
            this.running.delete(entry.job.id);
            this.logger.warn({ jobId: entry.job.id, entrypoint: entry.job.entrypoint }, "job ignored its abort signal; released back to the queue");
            this.#addOutcome({ jobId: entry.job.id, outcome: { kind: "released" } });
          }
        }
      }
    }
    for (const timer of this.#timers) clearTimeout(timer);
    await this.#outcomes.close();
    if (this.#outcomes.size > 0) {
      this.logger.error({ pending: this.#outcomes.size }, "could not write every job outcome; those jobs will be re-picked after their heartbeat expires");
    }
    await this.#subscription?.close().catch(() => undefined);
    await Promise.all(
      [...this.registry.values()].map(async ({ executor }) => {
        const closable = executor as { close?: () => Promise<void> };
        if (typeof closable.close === "function") await closable.close().catch(() => undefined);
      }),
    );
    this.logger.info({ queueManagerId: this.manager.queueManagerId }, "worker stopped");
  }
}

/** Whether `promise` settled within `ms`. */
async function settleWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
