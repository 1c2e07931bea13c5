/**
 * A multi-step dispatch executor: the payload names a kind of order, and the executor runs
 * that kind's pipeline of steps in sequence, checking for cancellation between steps. An
 * unknown kind fails the job.
 *
 * Run: npx tsx examples/executors/multi-step-dispatch.ts
 *
 * Prints:
 *   order-1: step 1/3 reserveStock done
 *   order-1: step 2/3 chargeCard done
 *   order-1: step 3/3 sendReceipt done
 *   order-2: step 1/3 refundCard done
 *   order-2: step 2/3 restock done
 *   order-2: step 3/3 sendReceipt done
 *   job 1 (purchase order-1): successful
 *   job 2 (refund order-2): successful
 *   job 3 (gift order-3): exception (Error: unknown order kind "gift")
 */
import { PGlite } from "@electric-sql/pglite";
import { AbstractEntrypointExecutor, PgQueuer, type Context, type Job } from "../../src/index.js";

type Step = (order: string, context: Context) => Promise<void>;

const progress = new Map<string, string[]>();
const record = (order: string, line: string): void => {
  progress.set(order, [...(progress.get(order) ?? []), line]);
};

// The steps would call real services; here they only need to be asynchronous.
const reserveStock: Step = async () => undefined;
const chargeCard: Step = async () => undefined;
const refundCard: Step = async () => undefined;
const restock: Step = async () => undefined;
const sendReceipt: Step = async () => undefined;

class OrderExecutor extends AbstractEntrypointExecutor {
  private readonly pipelines: Record<string, Step[]> = {
    purchase: [reserveStock, chargeCard, sendReceipt],
    refund: [refundCard, restock, sendReceipt],
  };

  async execute(job: Job, context: Context): Promise<void> {
    const { kind, order } = JSON.parse(job.payload!.toString()) as { kind: string; order: string };
    const steps = this.pipelines[kind];
    if (steps === undefined) throw new Error(`unknown order kind ${JSON.stringify(kind)}`);
    for (const [index, step] of steps.entries()) {
      context.signal.throwIfAborted(); // canceled between two steps: stop here
      await step(order, context);
      record(order, `step ${index + 1}/${steps.length} ${step.name} done`);
    }
  }
}

const db = new PGlite();
const pgq = PgQueuer.fromPGlite(db);
pgq.entrypoint("process_order", { executorFactory: OrderExecutor }, async () => {});

await pgq.queries.install();
const orders = [
  { kind: "purchase", order: "order-1" },
  { kind: "refund", order: "order-2" },
  { kind: "gift", order: "order-3" },
];
const ids: number[] = [];
for (const order of orders) ids.push(await pgq.queries.enqueue("process_order", JSON.stringify(order)));
await pgq.run({ mode: "drain" });

for (const { order } of orders) for (const line of progress.get(order) ?? []) console.log(`${order}: ${line}`);
const log = await pgq.queries.queueLog();
for (const [index, id] of ids.entries()) {
  const last = log.filter((row) => row.jobId === id).at(-1)!;
  const why = last.traceback === null ? "" : ` (${last.traceback.exceptionType}: ${last.traceback.exceptionMessage})`;
  console.log(`job ${id} (${orders[index]!.kind} ${orders[index]!.order}): ${last.status}${why}`);
}
await db.close();
