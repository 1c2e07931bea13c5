/**
 * The writes of the in-memory queue: enqueue, claim, outcomes, heartbeats, statistics folding,
 * cancel, requeue and clear. Each function mirrors one statement of `src/sql/` and keeps its
 * semantics (CATALOGUE §4, §5, LIFE, HOLD, CAN, STAT), including the notifications PostgreSQL
 * sends: the trigger's one `insert`/`delete`/`truncate` event per statement (also when no row
 * matched: the trigger is statement-level) and the explicit `update` wake-up events.
 *
 * Every function validates nothing: `InMemoryQueries` validates with the same checks as
 * `Queries` before calling in, and each function finishes its change before it notifies.
 *
 * @module
 */
import { DatabaseError, DuplicateJobError } from "../../domain/errors.js";
import { serializeEvent, type TableChangedEvent } from "../../domain/events.js";
import type { Settings } from "../../domain/settings.js";
import type { JobStatus, OnConflict } from "../../domain/types.js";
import { sqlNames } from "../../sql/identifiers.js";
import type { ClaimArguments } from "../../sql/claim.js";
import { dedupeIndexName, type EnqueueRecord } from "../../sql/queue.js";
import type { OutcomeWrite } from "../../sql/queue-outcomes.js";
import type { InMemoryDriver } from "./driver.js";
import { byPriorityThenId, type InMemoryStore, type JobRow } from "./store.js";

/** The store, the driver that delivers its notifications, and the names of the events. */
export interface QueueTarget {
  readonly driver: InMemoryDriver;
  readonly settings: Settings;
}

const TERMINAL: ReadonlySet<OutcomeWrite["kind"]> = new Set(["successful", "exception", "canceled"]);

/** Send a `table_changed_event` as the trigger (or the wake-up expression) formats it. */
export function emitTableChanged(target: QueueTarget, operation: TableChangedEvent["operation"]): void {
  const channel = target.settings.names.channel;
  const table = sqlNames(target.settings).bare.queueTable;
  target.driver.deliver(channel, serializeEvent({ type: "table_changed_event", channel, sentAt: target.driver.store.now(), operation, table }));
}

function uniqueViolation(target: QueueTarget, key: string): DatabaseError {
  const constraint = dedupeIndexName(target.settings);
  return new DatabaseError(`duplicate key value violates unique constraint "${constraint}"`, {
    code: "23505",
    constraint,
    detail: `Key (dedupe_key)=(${key}) already exists.`,
  });
}

/**
 * Insert jobs and their `queued` log rows (ENQ-1..ENQ-22). Ids are drawn for every input row in
 * input order, so skipped rows leave gaps as the sequence does. Under `raise` any conflict
 * (with an active job, or a key repeated in the batch) inserts nothing.
 */
export function insertJobs(target: QueueTarget, records: readonly EnqueueRecord[], onConflict: OnConflict): (number | null)[] {
  const store = target.driver.store;
  const now = store.now();
  const batchKeys = new Set<string>();
  const conflicts = records.map((record) => {
    const key = record.dedupeKey;
    if (key === null) return false;
    const taken = store.activeDedupeKeys.has(key) || batchKeys.has(key);
    batchKeys.add(key);
    return taken;
  });
  if (onConflict === "raise" && conflicts.some(Boolean)) {
    const key = records.find((_, index) => conflicts[index])?.dedupeKey ?? "";
    throw new DuplicateJobError(
      records.map((record) => record.dedupeKey),
      { cause: uniqueViolation(target, key) },
    );
  }
  const ids = records.map((record, index) => {
    const id = store.nextJobId();
    if (conflicts[index]) return null;
    const executeAfter = record.executeAt === null ? new Date(now.getTime() + record.delay) : new Date(record.executeAt);
    const job: JobRow = {
      id,
      priority: record.priority,
      created: now,
      updated: now,
      heartbeat: now,
      execute_after: executeAfter,
      status: "queued",
      entrypoint: record.entrypoint,
      payload: record.payload === null ? null : Buffer.from(record.payload, "base64"),
      headers: record.headers === null ? null : structuredClone(record.headers),
      attempts: 0,
      dedupe_key: record.dedupeKey,
      queue_manager_id: null,
    };
    store.insertJob(job);
    store.appendLog(job, "queued", now);
    return id;
  });
  emitTableChanged(target, "insert");
  return ids;
}

function ownedCount(store: InMemoryStore, predicate: (job: JobRow) => boolean): number {
  let count = 0;
  for (const job of store.jobs.values()) if (predicate(job)) count += 1;
  return count;
}

/** Keep the `limit` best jobs (priority DESC, id ASC) of `jobs`, without sorting them all. */
function best(jobs: Iterable<JobRow>, limit: number): JobRow[] {
  const kept: JobRow[] = [];
  if (limit <= 0) return kept;
  for (const job of jobs) {
    if (kept.length === limit && byPriorityThenId(job, kept[limit - 1]!) >= 0) continue;
    let index = kept.length;
    while (index > 0 && byPriorityThenId(job, kept[index - 1]!) < 0) index -= 1;
    kept.splice(index, 0, job);
    if (kept.length > limit) kept.pop();
  }
  return kept;
}

function* matching(store: InMemoryStore, predicate: (job: JobRow) => boolean): Generator<JobRow> {
  for (const job of store.jobs.values()) if (predicate(job)) yield job;
}

/**
 * Claim up to `batchSize` jobs (CATALOGUE §5.1, the claim statement's semantics): the worker's
 * budget among the requested entrypoints, each limited entrypoint's free global slots, queued
 * and due jobs by priority then id, merged with stale `picked` jobs (heartbeat strictly older
 * than the timeout), which move owner without the per-entrypoint gate. No notification: the
 * claim is an UPDATE.
 */
export function claimJobs(target: QueueTarget, args: ClaimArguments): JobRow[] {
  const store = target.driver.store;
  const now = store.now();
  // Paused entrypoints drop out of the request entirely, as the claim's pause filter does.
  const entrypoints = args.entrypoints.filter((entrypoint) => !store.paused.has(entrypoint.name));
  const requested = new Set(entrypoints.map((entrypoint) => entrypoint.name));
  const owner = args.queueManagerId.toLowerCase();
  const slots =
    args.workerLimit === null
      ? args.batchSize
      : Math.max(0, Math.min(args.batchSize, args.workerLimit - ownedCount(store, (job) => job.queue_manager_id === owner && requested.has(job.entrypoint))));
  const due = (job: JobRow): boolean => job.execute_after.getTime() <= now.getTime();
  const candidates: JobRow[] = [];
  for (const entrypoint of entrypoints) {
    const remaining = entrypoint.limit > 0 ? Math.max(0, entrypoint.limit - ownedCount(store, (job) => job.entrypoint === entrypoint.name && job.queue_manager_id !== null)) : slots;
    const limit = Math.min(slots, remaining);
    candidates.push(...best(matching(store, (job) => job.entrypoint === entrypoint.name && job.status === "queued" && due(job)), limit));
  }
  const staleBefore = now.getTime() - args.heartbeatTimeout;
  if (slots > 0 && args.includeStale !== false) {
    candidates.push(
      ...best(
        matching(store, (job) => requested.has(job.entrypoint) && job.status === "picked" && job.heartbeat.getTime() < staleBefore && due(job)),
        slots,
      ),
    );
  }
  const claimed = best(candidates, slots);
  for (const job of claimed) {
    store.setStatus(job, "picked");
    job.updated = now;
    job.heartbeat = now;
    job.queue_manager_id = owner;
    store.appendLog(job, "picked", now);
  }
  return claimed;
}

/**
 * Write outcomes, each guarded by owner and status (LIFE-3, LIFE-4, HOLD-2, RTY-1). Sends the
 * `update` wake-up event when a job is queued again and eligible now (release, retry without
 * delay), then the `delete` event the outcome statement's DELETE always triggers.
 */
export function writeOutcomes(target: QueueTarget, queueManagerId: string, writes: readonly OutcomeWrite[]): number {
  const store = target.driver.store;
  const now = store.now();
  const owner = queueManagerId.toLowerCase();
  const owned = (id: number): JobRow | undefined => {
    const job = store.jobs.get(id);
    return job && job.status === "picked" && job.queue_manager_id === owner ? job : undefined;
  };
  let written = 0;
  let wake = false;
  // Terminal rows first, then kept rows: the log rows come out in the statement's order.
  for (const write of writes.filter((item) => TERMINAL.has(item.kind))) {
    const job = owned(write.id);
    if (!job) continue;
    store.deleteJob(job);
    store.appendLog(job, write.kind as JobStatus, now, write.traceback);
    // The results table row, as the outcome statement's stored_results CTE writes it.
    if (write.kind === "successful" && write.result !== undefined) {
      store.results.set(job.id, { job_id: job.id, entrypoint: job.entrypoint, status: "successful", result: write.result, created: now });
    }
    written += 1;
  }
  for (const write of writes.filter((item) => !TERMINAL.has(item.kind))) {
    const job = owned(write.id);
    if (!job) continue;
    store.setStatus(job, write.kind === "failed" ? "failed" : "queued");
    job.updated = now;
    job.queue_manager_id = null;
    if (write.kind === "retry") {
      job.execute_after = new Date(now.getTime() + write.delay);
      job.attempts += 1;
    }
    store.appendLog(job, job.status, now, write.traceback);
    written += 1;
    if (write.kind === "released" || (write.kind === "retry" && write.delay <= 0)) wake = true;
  }
  if (wake) emitTableChanged(target, "update");
  emitTableChanged(target, "delete");
  return written;
}

/** Refresh the heartbeat of jobs still `picked` by the worker (no notification). */
export function touchHeartbeats(target: QueueTarget, queueManagerId: string, ids: readonly number[]): void {
  const store = target.driver.store;
  const now = store.now();
  const owner = queueManagerId.toLowerCase();
  for (const id of ids) {
    const job = store.jobs.get(id);
    if (job && job.status === "picked" && job.queue_manager_id === owner) job.heartbeat = now;
  }
}

/** Fold every un-aggregated log row into per-second statistics (STAT-1..STAT-3). */
export function foldLog(store: InMemoryStore): void {
  const groups = new Map<string, { created: Date; entrypoint: string; priority: number; status: JobStatus; count: number }>();
  for (const row of store.log) {
    if (row.aggregated) continue;
    row.aggregated = true;
    const second = Math.floor(row.created.getTime() / 1000) * 1000;
    const key = JSON.stringify([second, row.entrypoint, row.priority, row.status]);
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { created: new Date(second), entrypoint: row.entrypoint, priority: row.priority, status: row.status, count: 1 });
  }
  for (const group of groups.values()) {
    const existing = store.statistics.find(
      (row) => row.priority === group.priority && row.status === group.status && row.entrypoint === group.entrypoint && row.created.getTime() === group.created.getTime(),
    );
    if (existing) existing.count += group.count;
    else store.insertStatistics(group);
  }
}

/** Delete the jobs (any status), log `canceled`, then the cancellation event and the `delete` event (CAN-1). */
export function cancelJobs(target: QueueTarget, ids: readonly number[], eventPayload: string): number[] {
  const store = target.driver.store;
  const now = store.now();
  const removed: number[] = [];
  for (const id of ids) {
    const job = store.jobs.get(id);
    if (!job) continue;
    store.deleteJob(job);
    store.appendLog(job, "canceled", now);
    removed.push(id);
  }
  target.driver.deliver(target.settings.names.channel, eventPayload);
  emitTableChanged(target, "delete");
  return removed.sort((left, right) => left - right);
}

/**
 * Requeue held jobs (HOLD-7, HOLD-8). Atomic like the statement: when a requeued job's dedupe
 * key is held meanwhile (HOLD-12), nothing changes and the unique violation is thrown.
 */
export function requeueHeld(target: QueueTarget, ids: readonly number[]): number[] {
  const store = target.driver.store;
  const now = store.now();
  const held = ids.map((id) => store.jobs.get(id)).filter((job): job is JobRow => job?.status === "failed");
  const keys = new Set<string>();
  for (const job of held) {
    const key = job.dedupe_key;
    if (key === null) continue;
    if (store.activeDedupeKeys.has(key) || keys.has(key)) throw uniqueViolation(target, key);
    keys.add(key);
  }
  for (const job of held) {
    store.setStatus(job, "queued");
    job.execute_after = now;
    job.updated = now;
    job.attempts = 0;
    job.queue_manager_id = null;
    store.appendLog(job, "queued", now);
  }
  if (held.length > 0) emitTableChanged(target, "update");
  return held.map((job) => job.id).sort((left, right) => left - right);
}

/** Delete the jobs of the entrypoints, logging `deleted`; or, with null, truncate without log rows (LIFE-12). */
export function clearJobs(target: QueueTarget, entrypoints: readonly string[] | null): void {
  const store = target.driver.store;
  if (entrypoints === null) {
    store.clearJobs();
    emitTableChanged(target, "truncate");
    return;
  }
  const now = store.now();
  const names = new Set(entrypoints);
  for (const job of [...store.jobs.values()]) {
    if (!names.has(job.entrypoint)) continue;
    store.deleteJob(job);
    store.appendLog(job, "deleted", now);
  }
  emitTableChanged(target, "delete");
}
