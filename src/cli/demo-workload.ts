/**
 * What `pgq demo` runs: a small, deterministic workload that shows the main features in a few
 * seconds — a custom executor (the `NotificationExecutor` of the Custom Executors guide),
 * in-process retries with backoff, a held failure, a deferred job, priorities and a cron
 * schedule. Everything it "sends" goes to an in-memory outbox shared through `resources`.
 *
 * @module
 */
import { AbstractEntrypointExecutor } from "../core/executors/abstract.js";
import { RetryWithBackoffEntrypointExecutor } from "../core/executors/retry-with-backoff.js";
import type { Context } from "../core/context.js";
import type { EnqueueJob } from "../adapters/persistence/queries.js";
import type { Job } from "../domain/types.js";
import type { PgQueuer } from "../pgqueuer.js";

/** What the demo's handlers record, shared through `resources`. */
export interface DemoOutbox {
  emails: number;
  sms: number;
  /** The latest message sent, for the closing line. */
  lastMessage: string;
  /** Runs of the scheduled task. */
  scheduledRuns: number;
  /** Failed attempts the retry executor absorbed. */
  retriedAttempts: number;
  imagesResized: number;
}

/** The resources of the demo's PgQueuer. */
export interface DemoResources extends Record<string, unknown> {
  readonly outbox: DemoOutbox;
}

/** A fresh, empty outbox. */
export function createOutbox(): DemoOutbox {
  return { emails: 0, sms: 0, lastMessage: "", scheduledRuns: 0, retriedAttempts: 0, imagesResized: 0 };
}

/** The entrypoints and schedule of the demo, by name. */
export const DEMO = Object.freeze({
  notification: "user_notification",
  report: "generate_report",
  inventory: "sync_inventory",
  digest: "send_digest",
  image: "resize_image",
  cleanup: "cleanup_sessions",
  /** Every 2 seconds (six fields: the seconds field comes last, as in PgQueuer). */
  cleanupExpression: "* * * * * */2",
});

/** How long the deferred job waits: it keeps the drain alive long enough for the schedule to fire. */
export const DIGEST_DELAY = 3_000;

/**
 * The executor from PgQueuer's "Custom Executors" page: one entrypoint, dispatching on the
 * payload `"<channel>|<message>"` to e-mail or SMS.
 */
export class NotificationExecutor extends AbstractEntrypointExecutor<DemoResources> {
  async execute(job: Job, context: Context<DemoResources>): Promise<void> {
    const [type, message = ""] = (job.payload?.toString("utf8") ?? "").split("|");
    if (type === "email") await this.sendEmail(message, context.resources.outbox);
    else if (type === "sms") await this.sendSms(message, context.resources.outbox);
    else throw new Error(`unknown notification type ${JSON.stringify(type)}`);
  }

  async sendEmail(message: string, outbox: DemoOutbox): Promise<void> {
    outbox.emails += 1;
    outbox.lastMessage = `email: ${message}`;
  }

  async sendSms(message: string, outbox: DemoOutbox): Promise<void> {
    outbox.sms += 1;
    outbox.lastMessage = `sms: ${message}`;
  }
}

/** Give the event loop a turn, like real I/O would. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Register the demo's entrypoints and schedule on `pgq`. */
export function registerDemoWorkload(pgq: PgQueuer<DemoResources>): void {
  pgq.entrypoint(DEMO.notification, { executorFactory: NotificationExecutor }, async () => undefined);

  // Flaky: report-N fails its first N % 3 attempts; every 20th report never succeeds and ends
  // as `exception` once the retry executor gives up after 4 attempts. The report service takes
  // at most 5 jobs at a time, across every worker (concurrencyLimit is global).
  const failuresSoFar = new Map<number, number>();
  pgq.entrypoint(
    DEMO.report,
    {
      concurrencyLimit: 5,
      executorFactory: (parameters) =>
        new RetryWithBackoffEntrypointExecutor(parameters, { maxAttempts: 4, initialDelay: 10, maxDelay: 80, maxTime: 30_000 }),
    },
    async (job, context) => {
      const index = Number(job.payload?.toString("utf8").replace(/^report-/, "") ?? 0);
      const failed = failuresSoFar.get(job.id) ?? 0;
      if (index % 20 === 19 || failed < index % 3) {
        failuresSoFar.set(job.id, failed + 1);
        (context.resources as DemoResources).outbox.retriedAttempts += 1;
        throw new Error(`report service timed out (attempt ${failed + 1})`);
      }
      await pause(2);
    },
  );

  // Held failure: the job stays in the queue as `failed` for `pgq failed` / `pgq requeue`.
  pgq.entrypoint(DEMO.inventory, { onFailure: "hold" }, async (job) => {
    throw new Error(`warehouse API answered 503 for ${job.payload?.toString("utf8") ?? "?"}`);
  });

  pgq.entrypoint(DEMO.digest, async (_job, context) => {
    (context.resources as DemoResources).outbox.emails += 1;
  });

  pgq.entrypoint(DEMO.image, { concurrencyLimit: 4 }, async (_job, context) => {
    await pause(3);
    (context.resources as DemoResources).outbox.imagesResized += 1;
  });

  pgq.schedule(DEMO.cleanup, DEMO.cleanupExpression, async (_schedule, context) => {
    (context.resources as DemoResources).outbox.scheduledRuns += 1;
  });
}

/** The jobs the demo enqueues (a few hundred), in one batch. */
export function demoJobs(notifications: number): EnqueueJob[] {
  const jobs: EnqueueJob[] = [];
  for (let index = 0; index < notifications; index += 1) {
    const payload = index % 2 === 0 ? `email|Welcome aboard, user ${index}!` : `sms|Your login code is ${String(100_000 + index * 7919).slice(-6)}`;
    jobs.push({ entrypoint: DEMO.notification, payload });
  }
  for (let index = 0; index < 60; index += 1) jobs.push({ entrypoint: DEMO.report, payload: `report-${index}` });
  for (let index = 0; index < 40; index += 1) jobs.push({ entrypoint: DEMO.image, payload: `image-${index}.png`, priority: index % 10 });
  for (const sku of ["SKU-1042", "SKU-2077", "SKU-3190"]) jobs.push({ entrypoint: DEMO.inventory, payload: sku });
  jobs.push({ entrypoint: DEMO.digest, payload: "daily digest", executeAfter: DIGEST_DELAY });
  return jobs;
}
