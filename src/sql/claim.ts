/**
 * The claim (CATALOGUE §5.1): which jobs a worker takes next, in one statement that also
 * writes their `picked` log rows, and the advisory lock that serializes claims of limited
 * entrypoints. Two shapes: the general claim (several entrypoints, limits, rates, stale
 * re-claims, a budget) planned per execution, and the lean claim for the most common request
 * (one unlimited entrypoint, no stale part), prepared once per connection.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { jobColumns, jobColumnsWithEpochTimes, lockKeyName } from "./queue.js";
import { jsonList, memoizeBySettings, millisecondsInterval, statementName, type SqlStatement } from "./statement.js";

/** One entrypoint of a claim, as it travels in the JSON parameter. */
export interface ClaimEntrypoint {
  readonly name: string;
  /** Global cap on owned jobs of this entrypoint; 0 = unlimited. */
  readonly limit: number;
  /** Global cap on picks per `ratePer` ms; 0 or absent = no rate limit. */
  readonly rateCount?: number;
  /** The rate limit's window in milliseconds. */
  readonly ratePer?: number;
}

/** Arguments of {@link claimStatement}. */
export interface ClaimArguments {
  readonly batchSize: number;
  readonly entrypoints: readonly ClaimEntrypoint[];
  readonly queueManagerId: string;
  readonly workerLimit: number | null;
  /** Milliseconds; `picked` jobs with an older heartbeat are claimable again. */
  readonly heartbeatTimeout: number;
  /** Re-claim stale jobs in this claim (selects the statement's variant, see {@link ClaimVariant.stale}). */
  readonly includeStale?: boolean;
}

/**
 * Variants of the claim. Each flag adds a clause only when needed, so the plain claim (a
 * PgQueuer-only database, no rate limits) is exactly the statement the plan tests measure.
 */
export interface ClaimVariant {
  /**
   * Skip entrypoints paused in the extension state table (one primary-key probe per requested
   * entrypoint). Only when that table exists: decided once at worker start.
   */
  readonly pauseFilter: boolean;
  /**
   * Some requested entrypoint has a rate limit: cap its claims by the `picked` log rows of the
   * last `ratePer` ms (stale re-picks included). Like concurrency limits, this needs the
   * per-entrypoint advisory lock taken first in the same transaction.
   */
  readonly rateLimit?: boolean;
  /**
   * Also re-claim `picked` jobs whose heartbeat is older than the timeout (DEQ-18, DEQ-19);
   * default true. Our runtime asks for it about once a second instead of in every claim: the
   * scan walks the `picked` index, which holds every in-flight job and, until vacuum, the
   * entries of every job finished since, so it is the part of a claim that grows with load.
   */
  readonly stale?: boolean;
}

const claimTexts = memoizeBySettings((settings: Settings) => {
  const cache = new Map<string, string>();
  return (variant: ClaimVariant, entrypointCount: number): string => {
    const key = `${variant.pauseFilter}:${variant.rateLimit === true}:${variant.stale !== false}:${entrypointCount}`;
    let text = cache.get(key);
    if (text === undefined) {
      text = buildClaimText(settings, variant, entrypointCount);
      cache.set(key, text);
    }
    return text;
  };
});

/**
 * `entrypointCount` is the number of entries in the JSON parameter, written into the text as
 * the `requested` part's LIMIT (it never cuts anything off). Without it the planner assumes a
 * set-returning function yields 100 rows and multiplies every per-entrypoint cost by 100: on a
 * large or never-analyzed queue table that pushed the claim's estimate past `jit_above_cost`,
 * and compiling it with JIT cost about 100 ms per claim (the 100 000-job load suite's claims
 * took 150-500 ms instead of ~20).
 */
function buildClaimText(settings: Settings, variant: ClaimVariant, entrypointCount: number): string {
  const n = sqlNames(settings);
  const pauseFilter = variant.pauseFilter
    ? `
    -- Paused entrypoints (pauseEntrypoint) are not claimed by any worker.
    WHERE NOT EXISTS (SELECT 1 FROM ${n.entrypointStateTable} AS state WHERE state.entrypoint = e.name AND state.paused)`
    : "";
  const rate = variant.rateLimit === true;
  const stale = variant.stale !== false;
  const rateColumns = rate ? `, e."rateCount" AS rate_count, e."ratePer" AS rate_per` : "";
  const rateRecord = rate ? `, "rateCount" int, "ratePer" double precision` : "";
  return `WITH requested AS (
    SELECT e.name AS entrypoint, e."limit" AS concurrency_limit${rateColumns}
    FROM jsonb_to_recordset($2::jsonb) AS e(name text, "limit" int${rateRecord})${pauseFilter}
    -- The true row count, for the planner's estimate (see buildClaimText).
    LIMIT ${entrypointCount}
),
relaxed_commit AS MATERIALIZED (
    -- This transaction's commit does not wait for its WAL to reach disk. Losing a claim in a
    -- server crash only puts its jobs back to 'queued' (the log loses their 'picked' rows), and
    -- a job whose handler ran meanwhile runs again: what a crash before the outcome write does
    -- anyway (at-least-once). Enqueues and outcomes keep the server's setting.
    SELECT set_config('synchronous_commit', 'off', true) AS setting
),
budget AS (
    -- Free slots of this worker's budget among the requested entrypoints (DEQ-16, DEQ-17).
    SELECT CASE WHEN $4::int IS NULL THEN $1::int
                ELSE GREATEST(0, LEAST($1::int, $4::int - (
                    SELECT count(*) FROM ${n.queueTable} AS owned
                    WHERE owned.queue_manager_id = $3::uuid
                      AND owned.entrypoint IN (SELECT entrypoint FROM requested))::int))
           END AS slots
    FROM relaxed_commit
),
${rate ? "limits" : "available"} AS (
    -- Remaining global slots per limited entrypoint (NULL = unlimited). The count only runs
    -- for limited entrypoints: CASE evaluates its branch lazily.
    SELECT r.entrypoint,
           CASE WHEN r.concurrency_limit > 0 THEN GREATEST(0, r.concurrency_limit - (
               SELECT count(*) FROM ${n.queueTable} AS owned
               WHERE owned.entrypoint = r.entrypoint AND owned.queue_manager_id IS NOT NULL)::int)
           END AS remaining${
             rate
               ? `,
           -- Picks left in the sliding window: rate_count minus the picked log rows of the last
           -- rate_per ms (the log's created index). NOW() is the transaction start, the same
           -- time the picked_log rows below get, so every window of created times is bounded.
           CASE WHEN r.rate_count > 0 THEN GREATEST(0, r.rate_count - (
               SELECT count(*) FROM ${n.queueTableLog} AS log
               WHERE log.created > NOW() - ${millisecondsInterval("r.rate_per")}
                 AND log.entrypoint = r.entrypoint AND log.status = 'picked')::int)
           END AS rate_remaining`
               : ""
           }
    FROM requested AS r
),${
    rate
      ? `
available AS (
    SELECT limits.entrypoint, LEAST(limits.remaining, limits.rate_remaining) AS remaining, limits.rate_remaining
    FROM limits
),`
      : ""
  }
next_queued AS (
    -- One index range scan per entrypoint on (entrypoint, priority DESC, id ASC) WHERE queued;
    -- a saturated entrypoint gets LIMIT 0 and is never scanned (DEQ-13, DEQ-23).
    SELECT candidate.id, candidate.priority, available.entrypoint
    FROM available CROSS JOIN budget
    CROSS JOIN LATERAL (
        SELECT job.id, job.priority
        FROM ${n.queueTable} AS job
        WHERE job.entrypoint = available.entrypoint
          AND job.status = 'queued'
          -- Due means "not in the future" (PgQueuer writes < NOW()): the idle probe uses the
          -- same bound, so it never reports work this claim would skip.
          AND job.execute_after <= NOW()
        ORDER BY job.priority DESC, job.id ASC
        LIMIT LEAST(budget.slots, COALESCE(available.remaining, budget.slots))
        FOR UPDATE OF job SKIP LOCKED
    ) AS candidate
),
${stale ? `next_stale AS (
    -- Jobs whose worker stopped heart-beating. Re-picking only moves ownership, so the
    -- per-entrypoint gate does not apply (DEQ-18, DEQ-19).
    SELECT job.id, job.priority, job.entrypoint
    FROM ${n.queueTable} AS job
    WHERE job.entrypoint IN (SELECT entrypoint FROM requested)
      AND job.status = 'picked'
      AND job.heartbeat < NOW() - ${millisecondsInterval("$5")}
      AND job.execute_after <= NOW()
      AND (SELECT slots FROM budget) > 0
    ORDER BY job.priority DESC, job.id ASC
    LIMIT (SELECT slots FROM budget)
    FOR UPDATE OF job SKIP LOCKED
),
` : ""}eligible AS (${
    rate
      ? `
    -- Stale re-picks bypass the concurrency gate but count against the rate: keep at most
    -- rate_remaining candidates per rate-limited entrypoint, best first.
    SELECT ranked.id
    FROM (
        SELECT candidate.id, candidate.priority, available.rate_remaining,
               row_number() OVER (PARTITION BY candidate.entrypoint ORDER BY candidate.priority DESC, candidate.id ASC) AS rank
        FROM (SELECT id, priority, entrypoint FROM next_queued${stale ? " UNION ALL SELECT id, priority, entrypoint FROM next_stale" : ""}) AS candidate
        JOIN available ON available.entrypoint = candidate.entrypoint
    ) AS ranked
    WHERE ranked.rate_remaining IS NULL OR ranked.rank <= ranked.rate_remaining
    ORDER BY ranked.priority DESC, ranked.id ASC`
      : `
    SELECT candidate.id
    FROM (SELECT id, priority FROM next_queued${stale ? " UNION ALL SELECT id, priority FROM next_stale" : ""}) AS candidate
    ORDER BY candidate.priority DESC, candidate.id ASC`
  }
    LIMIT (SELECT slots FROM budget)
),
claimed AS (
    UPDATE ${n.queueTable} AS job
    SET status = 'picked', updated = NOW(), heartbeat = NOW(), queue_manager_id = $3::uuid
    -- An id array, not a join: the planner cannot estimate the CTE's few rows and would hash
    -- the whole table for a join; = ANY (array) is a primary-key lookup per id.
    WHERE job.id = ANY (ARRAY(SELECT id FROM eligible))
    RETURNING ${jobColumns("job")}
),
picked_log AS (
    INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority)
    SELECT id, 'picked', entrypoint, priority FROM claimed
)
SELECT ${jobColumnsWithEpochTimes("claimed")} FROM claimed ORDER BY claimed.priority DESC, claimed.id ASC`;
}

/**
 * Claim up to `batchSize` jobs and write their `picked` log rows in one statement (CATALOGUE
 * §5.1 semantics, our own SQL). Deliberately unnamed: a prepared dequeue drifts to a generic
 * plan whose row estimates ignore the batch size and the entrypoint list, and throughput
 * collapses (PERFORMANCE.md). Unnamed, every execution is planned with its values.
 *
 * The per-entrypoint limits count owned rows in this statement's snapshot, so two concurrent
 * claims could both see a free slot. Callers with limited entrypoints must run
 * {@link entrypointTryLockStatement} first in the same transaction and request only the
 * limited entrypoints whose lock they got (see `Queries.dequeue`).
 * `variant` adds the pause filter and the rate limit, or leaves out the stale re-claim (see
 * {@link ClaimVariant}). The claim's transaction commits without waiting for its WAL flush
 * (see the `relaxed_commit` part).
 */
export function claimStatement(settings: Settings, args: ClaimArguments, variant: ClaimVariant = { pauseFilter: false }): SqlStatement {
  const stale = variant.stale ?? args.includeStale ?? true;
  const [only, ...others] = args.entrypoints;
  if (only !== undefined && others.length === 0 && only.limit === 0 && (only.rateCount ?? 0) === 0 && args.workerLimit === null && !stale) {
    return leanClaimStatement(settings, args.batchSize, only.name, args.queueManagerId, variant.pauseFilter);
  }
  const values = [args.batchSize, jsonList(args.entrypoints), args.queueManagerId, args.workerLimit];
  return {
    text: claimTexts(settings)({ ...variant, stale }, args.entrypoints.length),
    // $5 (the heartbeat timeout) appears only in the stale part; an unreferenced parameter
    // has no type and PostgreSQL would refuse the statement.
    values: stale ? [...values, args.heartbeatTimeout] : values,
  };
}

const tryLockText = `WITH no_jit AS MATERIALIZED (
    -- For the rest of this transaction: the claim that follows is planned without JIT.
    SELECT set_config('jit', 'off', true) AS setting
)
SELECT limited.name
FROM no_jit, (SELECT jsonb_array_elements_text($2::jsonb) AS name) AS limited
WHERE pg_try_advisory_xact_lock(hashtext($1), hashtext(limited.name))`;

/**
 * Try to take one transaction-scoped advisory lock per limited entrypoint, keyed on (queue
 * table, entrypoint); returns the names whose lock this transaction now holds. Held until
 * commit, a lock serializes the claims of its entrypoint: the next claim of it starts after
 * the previous one committed, and READ COMMITTED gives it a snapshot that sees it.
 *
 * It also turns JIT compilation off for the rest of the transaction. The limited claim's
 * per-entrypoint counts make it the costliest claim to plan, and on a large, bloated or
 * never-analyzed table its estimate can pass `jit_above_cost`: compiling then took ~100 ms, far
 * more than the claim itself, and every claim of the limited entrypoints paid it while holding
 * their lock (measured in the load suite, see docs/reliability.md).
 *
 * Try, not wait: while another worker is claiming an entrypoint, this claim leaves it out and
 * takes the rest of its request, instead of queuing behind that claim (with one limited
 * entrypoint among many, waiting serialized every claim of every worker). Never waiting also
 * means no lock order to keep and no deadlock.
 */
export function entrypointTryLockStatement(settings: Settings, entrypoints: readonly string[]): SqlStatement {
  return { text: tryLockText, values: [lockKeyName(settings, "queueTable"), jsonList(entrypoints)] };
}

const leanClaimTexts = memoizeBySettings((settings: Settings) => ({ plain: buildLeanClaimText(settings, false), pauseFilter: buildLeanClaimText(settings, true) }));

/**
 * The general claim's semantics for one unlimited entrypoint, no worker budget and no stale
 * part: what a worker with one entrypoint sends many times a second. Its plan does not depend
 * on the values (one range scan of the (entrypoint, priority DESC, id ASC) WHERE queued
 * index, whatever the limit), so it is prepared once per connection: an idle worker's pickup
 * skips parsing and planning the general statement (about a third of its claim's time).
 */
function buildLeanClaimText(settings: Settings, pauseFilter: boolean): string {
  const n = sqlNames(settings);
  const paused = pauseFilter
    ? `
      AND NOT EXISTS (SELECT 1 FROM ${n.entrypointStateTable} AS state WHERE state.entrypoint = $2::text AND state.paused)`
    : "";
  return `WITH relaxed_commit AS MATERIALIZED (
    -- As in the general claim: this commit does not wait for its WAL flush.
    SELECT set_config('synchronous_commit', 'off', true) AS setting
),
next_queued AS (
    SELECT job.id
    FROM ${n.queueTable} AS job, relaxed_commit
    WHERE job.entrypoint = $2::text
      AND job.status = 'queued'
      AND job.execute_after <= NOW()${paused}
    ORDER BY job.priority DESC, job.id ASC
    LIMIT $1::int
    FOR UPDATE OF job SKIP LOCKED
),
claimed AS (
    UPDATE ${n.queueTable} AS job
    SET status = 'picked', updated = NOW(), heartbeat = NOW(), queue_manager_id = $3::uuid
    WHERE job.id = ANY (ARRAY(SELECT id FROM next_queued))
    RETURNING ${jobColumns("job")}
),
picked_log AS (
    INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority)
    SELECT id, 'picked', entrypoint, priority FROM claimed
)
SELECT ${jobColumnsWithEpochTimes("claimed")} FROM claimed ORDER BY claimed.priority DESC, claimed.id ASC`;
}

function leanClaimStatement(settings: Settings, batchSize: number, entrypoint: string, queueManagerId: string, pauseFilter: boolean): SqlStatement {
  const text = leanClaimTexts(settings)[pauseFilter ? "pauseFilter" : "plain"];
  return { text, values: [batchSize, entrypoint, queueManagerId], name: statementName("claim_one", text) };
}
