/**
 * Helpers for the schema tests: a scratch Postgres schema per test (dropped afterwards), a
 * notification recorder, and small catalog readers.
 */
import { afterEach } from "vitest";
import { resolveSettings, type Settings, type SettingsOptions } from "../../../src/domain/settings.js";
import type { Driver, Subscription } from "../../../src/ports/driver.js";
import { uniqueName, type TestDatabase } from "../../support/backends.js";

/**
 * Returns a factory of settings that each point at a new, not-yet-created schema with its own
 * NOTIFY channel. Every schema handed out is dropped after the test.
 */
export function scratchSettings(db: () => TestDatabase): (options?: SettingsOptions) => Settings {
  const created: string[] = [];
  afterEach(async () => {
    for (const schema of created.splice(0)) await db().driver.execute({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` });
  });
  return (options = {}) => {
    const schema = uniqueName("pgqs");
    created.push(schema);
    return resolveSettings({ schema, channel: `${schema}_ch`, ...options }, {});
  };
}

/** Records the payloads of one channel; `next()` awaits the next one (or fails after a deadline). */
export class NotificationRecorder {
  readonly received: string[] = [];
  #waiters: ((payload: string) => void)[] = [];
  #subscription: Subscription | undefined;
  #consumed = 0;

  static async start(driver: Driver, channel: string): Promise<NotificationRecorder> {
    const recorder = new NotificationRecorder();
    recorder.#subscription = await driver.listen({
      channel,
      onNotification: (payload) => {
        recorder.received.push(payload);
        recorder.#waiters.shift()?.(payload);
      },
    });
    return recorder;
  }

  /** The next payload not yet returned by `next()`. */
  async next(deadline = 10_000): Promise<string> {
    const index = this.#consumed++;
    const ready = this.received[index];
    if (ready !== undefined) return ready;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no notification #${index + 1} within ${deadline} ms`)), deadline);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(this.received[index]!);
      });
    });
  }

  async close(): Promise<void> {
    await this.#subscription?.close();
  }
}

/** `pg_class.reloptions` of a (schema-qualified, quoted) relation, sorted. */
export async function reloptions(driver: Driver, relation: string): Promise<string[]> {
  const rows = await driver.query<{ options: string | null }>({ text: `SELECT array_to_string(reloptions, ',') AS options FROM pg_class WHERE oid = $1::regclass`, values: [relation] });
  const options = rows[0]?.options;
  return options ? options.split(",").sort() : [];
}

/** Row count of a (quoted) table. */
export async function countRows(driver: Driver, table: string): Promise<number> {
  const rows = await driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${table}` });
  return rows[0]!.count;
}
