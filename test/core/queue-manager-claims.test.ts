/**
 * How the worker paces its claims: unwritten outcomes hold back claiming once they exceed
 * the allowance, and stale jobs are looked for periodically rather than in every claim.
 */
import { expect, it } from "vitest";
import { Queries } from "../../src/adapters/persistence/queries.js";
import { QueueManager } from "../../src/core/queue-manager.js";
import type { Job } from "../../src/domain/types.js";
import type { Driver } from "../../src/ports/driver.js";
import type { ClaimRequest, OutcomeRecord, WorkProbe } from "../../src/ports/repository.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { deferred, waitUntil, within } from "../support/wait.js";

/** Queries whose outcome writes wait for `gate`, and which record every claim request. */
class InstrumentedQueries extends Queries {
  readonly claims: ClaimRequest[] = [];
  probes = 0;
  readonly claimed: Job[] = [];
  /** The ids each claim returned, in claim order. */
  readonly batches: number[][] = [];
  gate: Promise<void> = Promise.resolve();

  override async dequeue(request: ClaimRequest): Promise<Job[]> {
    this.claims.push(request);
    const jobs = await super.dequeue(request);
    this.claimed.push(...jobs);
    this.batches.push(jobs.map((job) => job.id));
    return jobs;
  }

  override async probeWork(entrypoints: readonly string[]): Promise<WorkProbe> {
    this.probes += 1;
    if (this.probeGate) await this.probeGate;
    return super.probeWork(entrypoints);
  }

  /** Each warm-up: its request, its connection count, and how many claims ran before it. */
  readonly warmUps: { request: ClaimRequest; connections: number; claimsBefore: number }[] = [];
  warmUpError: Error | undefined;
  /** When set, probes wait for it (after counting themselves). */
  probeGate: Promise<void> | undefined;

  /** VACUUM runs of the queue tables (see RunOptions.vacuumInterval). */
  vacuums = 0;

  override async vacuumQueueTables(): Promise<void> {
    this.vacuums += 1;
    return super.vacuumQueueTables();
  }

  override async warmUp(request: ClaimRequest, connections: number): Promise<void> {
    this.warmUps.push({ request, connections, claimsBefore: this.claims.length });
    if (this.warmUpError) throw this.warmUpError;
    return super.warmUp(request, connections);
  }

  /** Replaces the autovacuum check when set. */
  maintenance: (() => Promise<string[]>) | undefined;

  override async maintenanceWarnings(): Promise<string[]> {
    return this.maintenance ? this.maintenance() : super.maintenanceWarnings();
  }

  /** Called (synchronously) when an outcome write starts. */
  onOutcomes: ((outcomes: readonly OutcomeRecord[]) => void) | undefined;

  override async recordOutcomes(queueManagerId: string, outcomes: readonly OutcomeRecord[]): Promise<void> {
    this.onOutcomes?.(outcomes);
    await this.gate;
    return super.recordOutcomes(queueManagerId, outcomes);
  }
}

/** The test database's driver, saying whether the database vacuums itself (absent: a server, which decides). */
class VacuumFlagDriver implements Driver {
  readonly vacuumsItself?: boolean;

  constructor(
    private readonly inner: Driver,
    vacuumsItself: boolean | "absent",
  ) {
    if (vacuumsItself !== "absent") this.vacuumsItself = vacuumsItself;
  }

  get concurrent(): boolean {
    return this.inner.concurrent;
  }

  query: Driver["query"] = (statement) => this.inner.query(statement);
  execute: Driver["execute"] = (statement) => this.inner.execute(statement);
  listen: Driver["listen"] = (options) => this.inner.listen(options);
  notify: Driver["notify"] = (options) => this.inner.notify(options);
  transaction: Driver["transaction"] = (work) => this.inner.transaction(work);
  close: Driver["close"] = () => Promise.resolve();
}

function manager(db: TestDatabase): { queries: InstrumentedQueries; qm: QueueManager } {
  const queries = new InstrumentedQueries(db.driver, db.settings);
  return { queries, qm: new QueueManager({ repository: queries, driver: db.driver }) };
}

/** Start a continuous worker serving `ep`, enqueue one job, wait until it ran, then stop the worker. */
async function runOneJob(queries: InstrumentedQueries, qm: QueueManager, ep: string, options: Parameters<QueueManager["run"]>[0], what: string): Promise<void> {
  const ran = deferred<number>();
  qm.entrypoint(ep, {}, async (job) => ran.resolve(job.id));
  const running = qm.run(options);
  try {
    const id = await queries.enqueue(ep);
    expect(await within(ran.promise, 10_000, what)).toBe(id);
  } finally {
    qm.stop();
    await running;
  }
}

describeEachBackend("QueueManager claim pacing", (db) => {
  it("stops claiming while unwritten outcomes exceed maxConcurrentTasks, and resumes when they are written", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("backpressure");
    let ran = 0;
    qm.entrypoint(ep, {}, async () => {
      ran += 1;
    });
    await queries.enqueueMany(Array.from({ length: 30 }, () => ({ entrypoint: ep })));
    const writes = deferred();
    queries.gate = writes.promise;
    const running = qm.run({ mode: "drain", batchSize: 2, maxConcurrentTasks: 4, dequeueTimeout: 60_000 });
    // No-op jobs finish at once; with writes blocked, the worker may hold its 4 slots plus 4
    // unwritten outcomes, and no more.
    await waitUntil(() => ran >= 8, { timeout: 10_000, message: "eight jobs ran" });
    // A few database round trips of our own: time for a wrongly unbounded worker, whose next
    // claim would already be on its way, to claim more.
    for (let trip = 0; trip < 5; trip += 1) await queries.queueSize();
    expect(queries.claimed.length).toBe(8);
    expect(ran).toBe(8);
    writes.resolve();
    await within(running, 20_000, "drain after the writes resume");
    expect(ran).toBe(30);
    expect(new Set(queries.claimed.map((job) => job.id)).size).toBe(30);
  });

  it("never asks the database to count this worker's jobs: it knows them", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("budget");
    qm.entrypoint(ep, {}, async () => undefined);
    await queries.enqueueMany(Array.from({ length: 12 }, () => ({ entrypoint: ep })));
    await within(qm.run({ mode: "drain", batchSize: 5, maxConcurrentTasks: 10 }), 20_000, "drain");
    expect(queries.claims.length).toBeGreaterThan(2);
    expect(queries.claims.every((claim) => claim.workerLimit === null && claim.batchSize <= 5)).toBe(true);
  });

  it("includes stale jobs in the first claim and then at most once per interval", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("stale-pace");
    qm.entrypoint(ep, {}, async () => undefined);
    await queries.enqueueMany(Array.from({ length: 40 }, () => ({ entrypoint: ep })));
    const started = performance.now();
    await within(qm.run({ mode: "drain", batchSize: 2, heartbeatTimeout: 30_000 }), 20_000, "drain");
    const elapsed = performance.now() - started;
    expect(queries.claims.length).toBeGreaterThanOrEqual(20);
    expect(queries.claims[0]!.includeStale).toBe(true);
    const staleClaims = queries.claims.filter((claim) => claim.includeStale === true).length;
    // One at the start, then one per elapsed second at most.
    expect(staleClaims).toBeLessThanOrEqual(1 + Math.floor(elapsed / 1_000));
  });

  it("runs a deferred job on time when it arrives with immediate work (the idle probe is reused while work flows)", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("reuse");
    const deferredRan = deferred<number>();
    qm.entrypoint(ep, {}, async (job) => {
      if (job.payload?.toString() === "later") deferredRan.resolve(Date.now());
    });
    const running = qm.run({ dequeueTimeout: 60_000 });
    try {
      await waitUntil(() => queries.probes > 0, { message: "worker idle" });
      const enqueuedAt = Date.now();
      await queries.enqueueMany([{ entrypoint: ep, payload: "now" }, { entrypoint: ep, payload: "later", executeAfter: 400 }]);
      const ranAt = await within(deferredRan.promise, 10_000, "the deferred job, long before dequeueTimeout");
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(350);
    } finally {
      qm.stop();
      await running;
    }
  });

  it("still re-claims a dead worker's job once its heartbeat expires", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("stale-recovery");
    const done = deferred<number>();
    qm.entrypoint(ep, {}, async (job) => done.resolve(job.id));
    const id = await queries.enqueue(ep);
    // A worker that claimed the job and died.
    await queries.dequeue({ batchSize: 1, entrypoints: [{ name: ep, concurrencyLimit: 0 }], queueManagerId: "00000000-0000-4000-8000-000000000001", workerLimit: null, heartbeatTimeout: 1_000 });
    // No notification and no poll within the test: the stale-claim timer must wake the idle worker.
    const running = qm.run({ heartbeatTimeout: 400, dequeueTimeout: 60_000 });
    try {
      expect(await within(done.promise, 15_000, "stale job re-run")).toBe(id);
    } finally {
      qm.stop();
      await running;
    }
  });

  it("never re-claims another worker's job when its own heartbeats are disabled (heartbeatTimeout 0)", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("no-heartbeat");
    const ran: string[] = [];
    qm.entrypoint(ep, {}, async (job) => void ran.push(job.payload?.toString() ?? ""));
    const otherOwner = "00000000-0000-4000-8000-000000000002";
    const [owned] = await queries.enqueueMany([{ entrypoint: ep, payload: "owned" }]);
    await queries.dequeue({ batchSize: 1, entrypoints: [{ name: ep, concurrencyLimit: 0 }], queueManagerId: otherOwner, workerLimit: null, heartbeatTimeout: 1_000 });
    await queries.enqueueMany(Array.from({ length: 5 }, () => ({ entrypoint: ep, payload: "free" })));
    await within(qm.run({ mode: "drain", batchSize: 2, heartbeatTimeout: 0 }), 20_000, "drain");
    expect(ran).toEqual(["free", "free", "free", "free", "free"]);
    const workerClaims = queries.claims.filter((claim) => claim.queueManagerId === qm.queueManagerId);
    expect(workerClaims.length).toBeGreaterThan(0);
    expect(workerClaims.every((claim) => claim.includeStale === false)).toBe(true);
    expect(await queries.queueJobById(owned!)).toMatchObject({ status: "picked", queueManagerId: otherOwner });
  });

  it("warms its claim and outcome connections once before the first claim, except in drain mode", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("warm");
    await runOneJob(queries, qm, ep, { concurrentClaims: 2, batchSize: 7, dequeueTimeout: 60_000 }, "the job after the warm-up");
    expect(queries.warmUps).toHaveLength(1);
    const [warmUp] = queries.warmUps;
    expect(warmUp!.claimsBefore).toBe(0);
    expect(warmUp!.connections).toBe(db().driver.concurrent ? 3 : 1);
    expect(warmUp!.request).toMatchObject({ batchSize: 7, entrypoints: [{ name: ep, concurrencyLimit: 0 }], includeStale: false, workerLimit: null });

    const drain = manager(db());
    drain.qm.entrypoint(ep, {}, async () => undefined);
    await within(drain.qm.run({ mode: "drain" }), 10_000, "drain");
    expect(drain.queries.warmUps).toEqual([]);
  });

  it("runs jobs when the warm-up fails: it is only an optimization", async () => {
    const { queries, qm } = manager(db());
    queries.warmUpError = new Error("warm-up refused");
    await runOneJob(queries, qm, uniqueName("warm-fails"), { dequeueTimeout: 60_000 }, "the job despite the failed warm-up");
    expect(queries.warmUps).toHaveLength(1);
  });

  it("claims on a notification while its idle probe is still waiting for the database, and sends no second probe meanwhile", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("probe-aside");
    const ran = deferred<number>();
    let ranNext = ran;
    qm.entrypoint(ep, {}, async (job) => ranNext.resolve(job.id));
    const probes = deferred();
    queries.probeGate = probes.promise; // every probe hangs until the end of the test
    const running = qm.run({ dequeueTimeout: 60_000 });
    try {
      await waitUntil(() => queries.probes > 0, { message: "worker idle, its probe in flight" });
      const id = await queries.enqueue(ep);
      expect(await within(ran.promise, 10_000, "the job, with the probe still unanswered")).toBe(id);
      // More wake-ups while that probe hangs join it instead of sending probes of their own.
      for (let index = 0; index < 3; index += 1) {
        const next = deferred<number>();
        ranNext = next;
        const nextId = await queries.enqueue(ep);
        expect(await within(next.promise, 10_000, "a later job, the probe still unanswered")).toBe(nextId);
      }
      expect(queries.probes).toBe(1);
    } finally {
      probes.resolve();
      qm.stop();
      await running;
    }
  });

  it("writes the outcome of a concurrency-limited job at once, while other outcomes wait for the buffer's interval", async () => {
    // When the handler returns, it starts a 20 ms marker timer. Node runs due timers in the order
    // they fall due, so whether the marker has fired when the outcome write starts tells an
    // immediate write (next turn) from one after the buffer's 25 ms interval, however busy the machine.
    const markerFiredAtWrite = async (concurrencyLimit: number): Promise<boolean> => {
      const { queries, qm } = manager(db());
      const ep = uniqueName("outcome-pace");
      let markerFired = false;
      const written = deferred<boolean>();
      queries.onOutcomes = () => written.resolve(markerFired);
      qm.entrypoint(ep, { concurrencyLimit }, async () => {
        setTimeout(() => (markerFired = true), 20);
      });
      const running = qm.run({ dequeueTimeout: 60_000 });
      try {
        await queries.enqueue(ep);
        return await within(written.promise, 10_000, `the outcome write (concurrencyLimit ${concurrencyLimit})`);
      } finally {
        qm.stop();
        await running;
      }
    };
    expect(await markerFiredAtWrite(1)).toBe(false);
    expect(await markerFiredAtWrite(0)).toBe(true);
  });

  it("with claimLinger, takes the jobs enqueued during the pause after a claim in one claim", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("linger");
    const ran: number[] = [];
    const enqueued = deferred<number[]>();
    const bothRan = deferred();
    qm.entrypoint(ep, {}, async (job) => {
      ran.push(job.id);
      if (job.payload?.toString() === "first") {
        // Two enqueues, each its own transaction and notification, while the worker lingers.
        enqueued.resolve([await queries.enqueue(ep, "second"), await queries.enqueue(ep, "third")]);
      }
      if (ran.length === 3) bothRan.resolve();
    });
    // Long enough that the two enqueues above finish inside it on any machine that runs this suite.
    const running = qm.run({ claimLinger: 2_000, dequeueTimeout: 60_000 });
    try {
      await waitUntil(() => queries.probes > 0, { message: "worker idle" });
      const first = await queries.enqueue(ep, "first");
      const [second, third] = await within(enqueued.promise, 10_000, "the enqueues in the first job");
      await within(bothRan.promise, 10_000, "the two jobs enqueued during the pause");
      const withJobs = queries.batches.filter((batch) => batch.length > 0);
      expect(withJobs).toEqual([[first], [second, third]]);
    } finally {
      qm.stop();
      await running;
    }
  });

  it("with claimLinger, claims nothing during the pause, and stop() ends the pause at once", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("linger-stop");
    const firstRan = deferred();
    qm.entrypoint(ep, {}, async () => firstRan.resolve());
    const running = qm.run({ claimLinger: 60_000, dequeueTimeout: 60_000 });
    let later = 0;
    try {
      await waitUntil(() => queries.probes > 0, { message: "worker idle" });
      await queries.enqueue(ep);
      await within(firstRan.promise, 10_000, "the first job (an idle worker answers at once)");
      const claimsBefore = queries.claims.length;
      later = await queries.enqueue(ep);
      // Round trips of our own: time in which a worker that did not linger would claim the job.
      for (let trip = 0; trip < 5; trip += 1) await queries.queueSize();
      expect(queries.claims.length).toBe(claimsBefore);
    } finally {
      qm.stop();
      await within(running, 10_000, "stop during a 60 s pause");
    }
    expect(await queries.queueJobById(later)).toMatchObject({ status: "queued" });
  });

  it("drain mode ignores claimLinger", async () => {
    const { queries, qm } = manager(db());
    const ep = uniqueName("linger-drain");
    qm.entrypoint(ep, {}, async () => undefined);
    const ids = await queries.enqueueMany(Array.from({ length: 3 }, () => ({ entrypoint: ep })));
    // A short claim (3 of 10) would pause for a minute if drain mode lingered.
    await within(qm.run({ mode: "drain", batchSize: 10, claimLinger: 60_000 }), 10_000, "drain");
    expect(await queries.jobStatus(ids)).toEqual(ids.map(() => expect.objectContaining({ status: "successful" })));
  });

  it("vacuums the queue tables every vacuumInterval on a database without autovacuum once jobs finished, and never on a server", async () => {
    const flagged = (vacuumsItself: boolean | "absent") => {
      const driver = new VacuumFlagDriver(db().driver, vacuumsItself);
      const queries = new InstrumentedQueries(driver, db().settings);
      return { queries, qm: new QueueManager({ repository: queries, driver }) };
    };
    const options = { vacuumInterval: 30, dequeueTimeout: 60_000 };
    // Started first, so their 30 ms timers fire before (or with) the embedded worker's.
    const idle = flagged(false);
    idle.qm.entrypoint(uniqueName("vacuum-idle"), {}, async () => undefined);
    const server = flagged("absent");
    const serverEp = uniqueName("vacuum-server");
    const serverRan = deferred();
    server.qm.entrypoint(serverEp, {}, async () => serverRan.resolve());
    const embedded = flagged(false);
    const embeddedEp = uniqueName("vacuum-embedded");
    let ran = 0;
    embedded.qm.entrypoint(embeddedEp, {}, async () => void (ran += 1));
    const running = [idle.qm.run(options), server.qm.run(options)];
    try {
      await server.queries.enqueue(serverEp);
      await within(serverRan.promise, 10_000, "the server worker's job");
      running.push(embedded.qm.run(options));
      await embedded.queries.enqueue(embeddedEp);
      await waitUntil(() => embedded.queries.vacuums >= 1, { message: "a vacuum after the first job" });
      await embedded.queries.enqueue(embeddedEp);
      await waitUntil(() => embedded.queries.vacuums >= 2, { message: "another vacuum after the second job" });
      expect(ran).toBe(2);
      expect(embedded.queries.vacuums).toBe(2);
      expect(idle.queries.vacuums).toBe(0); // its timer fired as often, but no job finished
      expect(server.queries.vacuums).toBe(0); // a server vacuums itself
    } finally {
      for (const worker of [idle, server, embedded]) worker.qm.stop();
      await Promise.all(running);
    }
  });

  it("logs the repository's maintenance warnings at start, and runs on when the check fails", async () => {
    const logged: { level: string; message: string }[] = [];
    const record = (level: string) => (object: object | string, message?: string): void => void logged.push({ level, message: typeof object === "string" ? object : (message ?? "") });
    const logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
    const queries = new InstrumentedQueries(db().driver, db().settings);
    queries.maintenance = async () => ["autovacuum is off (test)", "another problem (test)"];
    const ep = uniqueName("maintenance");
    const first = new QueueManager({ repository: queries, driver: db().driver, logger });
    first.entrypoint(ep, {}, async () => undefined);
    await within(first.run({ mode: "drain" }), 10_000, "drain with warnings");
    await waitUntil(() => logged.filter((entry) => entry.level === "warn").length >= 2, { message: "both warnings logged" });
    expect(logged.filter((entry) => entry.level === "warn").map((entry) => entry.message)).toEqual(["autovacuum is off (test)", "another problem (test)"]);

    logged.length = 0;
    queries.maintenance = () => Promise.reject(new Error("catalog unreadable (test)"));
    const second = new QueueManager({ repository: queries, driver: db().driver, logger });
    second.entrypoint(ep, {}, async () => undefined);
    const id = await queries.enqueue(ep);
    await within(second.run({ mode: "drain" }), 10_000, "drain despite the failed check");
    expect(await queries.jobStatus([id])).toEqual([expect.objectContaining({ status: "successful" })]);
    await waitUntil(() => logged.some((entry) => entry.level === "debug" && entry.message.includes("autovacuum")), { message: "the failed check noted" });
    expect(logged.filter((entry) => entry.level === "warn")).toEqual([]);
  });
});
