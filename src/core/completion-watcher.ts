/**
 * The CompletionWatcher: await the terminal status of jobs from anywhere — a web request, a
 * script, another service — without polling per job (CATALOGUE §18, CMP-1..CMP-10).
 *
 * How it works: every pending `waitFor` registers a waiter under its job id. A *check* reads
 * the latest log status of every pending id in ONE query and settles the waiters whose job
 * reached a terminal status. Checks are triggered by
 *
 * - `waitFor` itself (so a job that finished before the call resolves too, CMP-2),
 * - every `table_changed_event` on the queue channel (a job leaving the queue deletes its row,
 *   and that statement notifies),
 * - a safety-net poll every `refreshInterval` ms (a notification can be lost, e.g. while the
 *   listening connection reconnects), and a reconnect of the listener,
 *
 * and all triggers that arrive within one `debounce` window coalesce into a single check
 * (CMP-4). At most one check runs at a time; triggers arriving during a check cause exactly
 * one more check after it, because the running query may have read a snapshot older than the
 * change that triggered them.
 *
 * Lifecycle (a small state machine):
 *
 *   new ──start()──▶ open ──close()──▶ closing ──(waiters settled, or close signal)──▶ closed
 *
 * `waitFor` is accepted only while `open`. During `closing` the watcher keeps listening and
 * polling until every pending waiter has settled (CMP-6), unless the signal given to `close`
 * aborts, in which case the remaining waiters reject with {@link CompletionWatcherStateError}.
 *
 * @module
 */
import { coerceError, CompletionWatcherStateError, InvalidArgumentError } from "../domain/errors.js";
import { AbortFanOut } from "./abort-fan-out.js";
import { parseEvent } from "../domain/events.js";
import type { JobResultEntry, JobStatusEntry } from "../domain/insights.js";
import { silentLogger, type Logger } from "../domain/logger.js";
import { isTerminalStatus, type JobId, type JsonValue, type TerminalStatus } from "../domain/types.js";
import type { Driver, Subscription } from "../ports/driver.js";

/** What the watcher reads job statuses from (`Queries` implements it). */
export interface JobStatusReader {
  /** The queue's NOTIFY channel; used when the watcher is given no `channel`. */
  readonly channel?: string;
  /** The latest log status of each id that has a log row (ids without one are left out). */
  jobStatus(ids: readonly JobId[]): Promise<readonly JobStatusEntry[]>;
  /** Like `jobStatus`, with each job's stored result (null when none); needed by `waitForResult`. */
  jobResults?(ids: readonly JobId[]): Promise<readonly JobResultEntry[]>;
}

/** A finished job's terminal status and stored result ({@link CompletionWatcher.waitForResult}). */
export interface JobCompletion {
  readonly status: TerminalStatus;
  /** The handler's return value as stored (JSON), or null when the job stored none. */
  readonly result: JsonValue | null;
}

/** Options of {@link CompletionWatcher}. */
export interface CompletionWatcherOptions {
  /** The connection to LISTEN on. */
  readonly driver: Driver;
  /** Reads the statuses (usually `pgq.queries`). */
  readonly queries: JobStatusReader;
  /** The queue's NOTIFY channel (default: `queries.channel`). */
  readonly channel?: string;
  /**
   * Milliseconds between safety-net checks (default 5000). `null` disables the poll; the
   * watcher then relies on notifications alone.
   */
  readonly refreshInterval?: number | null;
  /** Milliseconds during which triggers coalesce into one status query (default 50). */
  readonly debounce?: number;
  /** A pino-compatible logger; silent by default. */
  readonly logger?: Logger;
}

/** Options of one wait. */
export interface WaitOptions {
  /** Aborting it rejects this wait (with the signal's reason) and nothing else. */
  readonly signal?: AbortSignal;
}

/** Options of {@link CompletionWatcher.close}. */
export interface CloseOptions {
  /**
   * Stop waiting for pending waiters when this aborts: they reject with a
   * {@link CompletionWatcherStateError}. Without it, `close()` waits until all of them settle.
   */
  readonly signal?: AbortSignal;
}

/** The first job of {@link CompletionWatcher.waitForAny} to finish. */
export interface FirstCompletion {
  readonly jobId: JobId;
  readonly status: TerminalStatus;
}

type State = "new" | "open" | "closing" | "closed";

interface Waiter {
  readonly resolve: (completion: JobCompletion) => void;
  /** Checks read results (one query with the statuses) while such a waiter is pending. */
  readonly wantsResult: boolean;
  readonly reject: (reason: unknown) => void;
  /** Removes the abort listener, if any. */
  readonly detach: () => void;
}

const DEFAULT_REFRESH_INTERVAL = 5_000;
const DEFAULT_DEBOUNCE = 50;
/** After a failed status query, the next attempt waits at least this long (ms). */
const RETRY_DELAY = 1_000;

function isJobId(value: unknown): value is JobId {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

function invalidJobId(value: unknown): InvalidArgumentError {
  return new InvalidArgumentError("jobId", `must be a job id (a positive integer), got ${String(value)}; enqueue with onConflict "skip" returns null for skipped jobs: filter those out first`);
}

/** See the module documentation. */
export class CompletionWatcher implements AsyncDisposable {
  readonly #driver: Driver;
  readonly #queries: JobStatusReader;
  readonly #channel: string;
  readonly #refreshInterval: number | null;
  readonly #debounce: number;
  readonly #logger: Logger;
  readonly #waiters = new Map<JobId, Set<Waiter>>();
  /** One abort listener per caller signal, however many waits share it. */
  readonly #aborts = new AbortFanOut();
  /** Called whenever the last pending waiter settles (close() waits on it). */
  readonly #onIdle = new Set<() => void>();
  #state: State = "new";
  #starting: Promise<this> | undefined;
  #closing: Promise<void> | undefined;
  #subscription: Subscription | undefined;
  #debounceTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #checkAgain = false;

  constructor(options: CompletionWatcherOptions) {
    const refreshInterval = options.refreshInterval === undefined ? DEFAULT_REFRESH_INTERVAL : options.refreshInterval;
    if (refreshInterval !== null && !(Number.isFinite(refreshInterval) && refreshInterval > 0)) {
      throw new InvalidArgumentError("refreshInterval", `must be a positive number of milliseconds or null (no poll), got ${String(refreshInterval)}`);
    }
    const debounce = options.debounce ?? DEFAULT_DEBOUNCE;
    if (!(Number.isFinite(debounce) && debounce >= 0)) {
      throw new InvalidArgumentError("debounce", `must be a non-negative number of milliseconds, got ${String(debounce)}`);
    }
    if (typeof options.queries?.jobStatus !== "function") {
      throw new InvalidArgumentError("queries", "must provide jobStatus(ids), e.g. pgq.queries");
    }
    if (typeof options.driver?.listen !== "function") {
      throw new InvalidArgumentError("driver", "must be a Driver (with listen), e.g. pgq.driver");
    }
    const channel = options.channel ?? options.queries.channel;
    if (typeof channel !== "string" || channel === "") {
      throw new InvalidArgumentError("channel", "is required when queries has no channel");
    }
    this.#driver = options.driver;
    this.#queries = options.queries;
    this.#channel = channel;
    this.#refreshInterval = refreshInterval;
    this.#debounce = debounce;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Construct and start a watcher: `await using watcher = await CompletionWatcher.open({...})`. */
  static async open(options: CompletionWatcherOptions): Promise<CompletionWatcher> {
    return new CompletionWatcher(options).start();
  }

  /** The channel this watcher listens on. */
  get channel(): string {
    return this.#channel;
  }

  /** How many waits are pending. */
  get pending(): number {
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.size;
    return count;
  }

  /** Subscribe to the channel and start the safety-net poll. Idempotent. */
  start(): Promise<this> {
    if (this.#closing) return Promise.reject(new CompletionWatcherStateError("this CompletionWatcher was closed; create a new one"));
    this.#starting ??= this.#start().catch((error: unknown) => {
      this.#starting = undefined; // a failed start may be retried
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<this> {
    this.#subscription = await this.#driver.listen({
      channel: this.#channel,
      onNotification: (payload) => {
        if (parseEvent(payload)?.type === "table_changed_event") this.#trigger();
      },
      // Notifications sent while the connection was down are lost: check now.
      onReconnect: () => this.#trigger(),
      onError: (error) => this.#logger.warn({ err: error, channel: this.#channel }, "completion watcher lost its listener; relying on the poll until it is back"),
    });
    if (this.#closing) {
      // close() was called while LISTEN was being set up.
      await this.#subscription.close().catch(() => undefined);
      throw new CompletionWatcherStateError("this CompletionWatcher was closed while starting");
    }
    this.#state = "open";
    this.#armPoll();
    return this;
  }

  /**
   * Resolve with the job's terminal status (`successful`, `exception`, `canceled` or
   * `deleted`) once its latest log row has one — also when it finished before this call. A held
   * job (`failed`) is not terminal: the wait goes on until it is requeued and finishes, or is
   * canceled. An id that never had a log row waits until `signal` aborts or the watcher closes.
   */
  waitFor(jobId: JobId, options: WaitOptions = {}): Promise<TerminalStatus> {
    return this.#wait(jobId, options, false).then((completion) => completion.status);
  }

  /**
   * Like {@link waitFor}, resolving with `{ status, result }`: the job's stored result
   * (entrypoints registered with `storeResult`) or null when it stored none (another status,
   * an entrypoint without `storeResult`, a result already pruned).
   */
  waitForResult(jobId: JobId, options: WaitOptions = {}): Promise<JobCompletion> {
    if (typeof this.#queries.jobResults !== "function") {
      return Promise.reject(new InvalidArgumentError("queries", "must provide jobResults(ids) to wait for results, e.g. pgq.queries"));
    }
    return this.#wait(jobId, options, true);
  }

  #wait(jobId: JobId, options: WaitOptions, wantsResult: boolean): Promise<JobCompletion> {
    if (!isJobId(jobId)) return Promise.reject(invalidJobId(jobId));
    if (this.#state !== "open") {
      const why = this.#state === "new" ? "call start() first (or use CompletionWatcher.open)" : "it is closing or closed";
      return Promise.reject(new CompletionWatcherStateError(`cannot wait for job ${jobId}: ${why}`));
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<JobCompletion>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(jobId, waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = { resolve, reject, wantsResult, detach: signal ? this.#aborts.subscribe(signal, onAbort) : () => undefined };
      let waiters = this.#waiters.get(jobId);
      if (!waiters) this.#waiters.set(jobId, (waiters = new Set()));
      waiters.add(waiter);
      this.#pollTimer?.ref(); // someone is waiting: the poll must keep the process alive
      this.#trigger();
    });
  }

  /** Wait for every job; the statuses come back in input order. Rejects as soon as one wait does. */
  async waitForAll(jobIds: readonly JobId[], options: WaitOptions = {}): Promise<TerminalStatus[]> {
    return this.#group(jobIds, options, (waits) => Promise.all(waits));
  }

  /** Wait for the first of these jobs to finish; the other waits are dropped. */
  async waitForAny(jobIds: readonly JobId[], options: WaitOptions = {}): Promise<FirstCompletion> {
    if (jobIds.length === 0) throw new InvalidArgumentError("jobIds", "must contain at least one job id");
    return this.#group(jobIds, options, (waits) => Promise.race(waits.map(async (wait, index) => ({ jobId: jobIds[index]!, status: await wait }))));
  }

  /** Run waits under one internal signal (linked to the caller's) that ends them all afterwards. */
  async #group<T>(jobIds: readonly JobId[], options: WaitOptions, combine: (waits: Promise<TerminalStatus>[]) => Promise<T>): Promise<T> {
    if (!Array.isArray(jobIds)) throw new InvalidArgumentError("jobIds", `must be an array of job ids, got ${typeof jobIds}`);
    // Validate every id before any wait starts, so a bad id leaves no wait behind.
    const bad = jobIds.findIndex((id) => !isJobId(id));
    if (bad >= 0) throw invalidJobId(jobIds[bad]);
    const group = new AbortController();
    const outer = options.signal;
    const forward = (): void => group.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener("abort", forward, { once: true });
    try {
      return await combine(jobIds.map((id) => this.waitFor(id, { signal: group.signal })));
    } finally {
      outer?.removeEventListener("abort", forward);
      // Waits still pending (a sibling rejected, or waitForAny already has its winner) end here.
      if (!group.signal.aborted) group.abort(new CompletionWatcherStateError("superseded by another wait of the same group"));
    }
  }

  /**
   * Stop accepting waits, run one last check at once, then keep watching until every pending
   * waiter has settled (or `options.signal` aborts: the rest reject), and unsubscribe.
   * Idempotent: later calls return the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.signal);
    return this.#closing;
  }

  /** `await using watcher = await CompletionWatcher.open(...)` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(signal: AbortSignal | undefined): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (this.#state === "new") {
      this.#state = "closed";
      return;
    }
    this.#state = "closing";
    clearTimeout(this.#debounceTimer);
    this.#debounceTimer = undefined;
    await this.#check();
    if (this.#waiters.size > 0) await this.#idle(signal);
    for (const [jobId, waiters] of this.#waiters) {
      for (const waiter of waiters) {
        waiter.detach();
        waiter.reject(new CompletionWatcherStateError(`the CompletionWatcher closed before job ${jobId} finished`));
      }
    }
    this.#waiters.clear();
    this.#state = "closed";
    clearTimeout(this.#debounceTimer);
    clearTimeout(this.#pollTimer);
    await this.#subscription?.close().catch((error: unknown) => this.#logger.warn({ err: coerceError(error) }, "closing the completion watcher's listener failed"));
  }

  /** Resolves when no waiter is pending, or when `signal` aborts. */
  #idle(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#onIdle.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.#onIdle.add(done);
      signal?.addEventListener("abort", done, { once: true });
      if (signal?.aborted) done();
    });
  }

  #remove(jobId: JobId, waiter: Waiter): void {
    const waiters = this.#waiters.get(jobId);
    if (!waiters?.delete(waiter)) return;
    if (waiters.size === 0) this.#waiters.delete(jobId);
    this.#afterSettle();
  }

  #afterSettle(): void {
    if (this.#waiters.size > 0) return;
    this.#pollTimer?.unref(); // nobody waits: an idle watcher must not keep the process alive
    for (const notify of [...this.#onIdle]) notify();
  }

  /** Ask for a check within the debounce window (coalescing with other triggers). */
  #trigger(delay = this.#debounce): void {
    if (this.#waiters.size === 0 || this.#debounceTimer !== undefined || this.#state === "closed") return;
    this.#debounceTimer = setTimeout(() => {
      this.#debounceTimer = undefined;
      void this.#check();
    }, delay);
  }

  /** Run a check now, or — when one is running — once more right after it. */
  #check(): Promise<void> {
    if (this.#checking) {
      this.#checkAgain = true;
      return this.#checking;
    }
    this.#checking = this.#checkUntilCurrent().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #checkUntilCurrent(): Promise<void> {
    do {
      this.#checkAgain = false;
      await this.#queryOnce();
    } while (this.#checkAgain && this.#waiters.size > 0);
  }

  /** One status query for every pending id; settle the terminal ones. */
  async #queryOnce(): Promise<void> {
    const ids = [...this.#waiters.keys()];
    if (ids.length === 0) return;
    let entries: readonly (JobStatusEntry & { readonly result?: JsonValue | null })[];
    // One query either way: with results only while someone waits for one.
    const withResults = this.#queries.jobResults !== undefined && [...this.#waiters.values()].some((waiters) => [...waiters].some((waiter) => waiter.wantsResult));
    try {
      entries = withResults ? await this.#queries.jobResults!(ids) : await this.#queries.jobStatus(ids);
    } catch (error) {
      this.#logger.warn({ err: coerceError(error), waiting: ids.length }, "completion watcher status query failed; retrying");
      this.#trigger(Math.max(this.#debounce, RETRY_DELAY));
      return;
    }
    for (const { id, status, result } of entries) {
      if (!isTerminalStatus(status)) continue;
      const waiters = this.#waiters.get(id);
      if (!waiters) continue;
      this.#waiters.delete(id);
      for (const waiter of waiters) {
        waiter.detach();
        waiter.resolve({ status, result: result ?? null });
      }
    }
    this.#afterSettle();
  }

  /** The safety net: a check every refreshInterval, for notifications that never came. */
  #armPoll(): void {
    if (this.#refreshInterval === null || this.#state === "closed") return;
    this.#pollTimer = setTimeout(() => {
      this.#trigger();
      this.#armPoll();
    }, this.#refreshInterval);
    if (this.#waiters.size === 0) this.#pollTimer.unref();
  }
}
