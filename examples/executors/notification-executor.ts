/**
 * The executor from the "Custom executors" guide: it reads `"<channel>|<text>"` from the
 * payload and dispatches to one method per channel. The registered handler is never called.
 *
 * Run: npx tsx examples/executors/notification-executor.ts
 *
 * Prints:
 *   Sending Email: Welcome aboard!
 *   Sending SMS: Your code is 1234
 *   job 1: successful
 *   job 2: successful
 */
import { PGlite } from "@electric-sql/pglite";
import { AbstractEntrypointExecutor, PgQueuer, type Context, type Job } from "../../src/index.js";

class NotificationExecutor extends AbstractEntrypointExecutor {
  async execute(job: Job, _context: Context): Promise<void> {
    const [type, message] = job.payload!.toString().split("|");
    if (type === "email") await this.sendEmail(message!);
    else if (type === "sms") await this.sendSms(message!);
  }

  async sendEmail(message: string): Promise<void> {
    console.log(`Sending Email: ${message}`);
  }

  async sendSms(message: string): Promise<void> {
    console.log(`Sending SMS: ${message}`);
  }
}

const db = new PGlite();
const pgq = PgQueuer.fromPGlite(db);

// executorFactory takes the class itself; the worker builds it as new NotificationExecutor(parameters)
pgq.entrypoint("user_notification", { executorFactory: NotificationExecutor }, async () => {});

await pgq.queries.install();
const ids = [await pgq.queries.enqueue("user_notification", "email|Welcome aboard!"), await pgq.queries.enqueue("user_notification", "sms|Your code is 1234")];
await pgq.run({ mode: "drain" });

for (const { id, status } of await pgq.queries.jobStatus(ids)) console.log(`job ${id}: ${status}`);
await db.close();
