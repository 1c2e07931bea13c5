/**
 * Routes NOTIFY payloads on the queue channel to the worker: table changes wake the loop,
 * cancellation events abort running jobs, health-check echoes resolve pending probes.
 * Unparsable payloads and handler errors are logged and dropped, never fatal.
 *
 * @module
 */
import { coerceError } from "../domain/errors.js";
import { parseEvent, type CancellationEvent, type HealthCheckEvent, type TableChangedEvent } from "../domain/events.js";
import type { Logger } from "../domain/logger.js";

/** Handlers, one per event type. */
export interface EventHandlers {
  readonly tableChanged: (event: TableChangedEvent) => void;
  readonly cancellation: (event: CancellationEvent) => void;
  readonly healthCheck: (event: HealthCheckEvent) => void;
}

/** Build the `onNotification` callback for a subscription. */
export function createEventRouter(handlers: EventHandlers, logger: Logger): (payload: string) => void {
  return (payload) => {
    const event = parseEvent(payload);
    if (event === null) {
      logger.warn({ payload: payload.slice(0, 200) }, "ignoring an unrecognised notification on the queue channel");
      return;
    }
    try {
      switch (event.type) {
        case "table_changed_event":
          handlers.tableChanged(event);
          break;
        case "cancellation_event":
          handlers.cancellation(event);
          break;
        case "health_check_event":
          handlers.healthCheck(event);
          break;
      }
    } catch (error) {
      logger.error({ err: coerceError(error), eventType: event.type }, "notification handler failed");
    }
  };
}

/**
 * Whether a table change should wake an idle worker to claim. Inserts and updates can bring
 * claimable work. A DELETE (jobs finished or canceled) brings none; it matters only when it
 * can free a slot of a concurrency-limited entrypoint, and in drain mode, where the last jobs
 * finishing elsewhere is what ends the drain. Every worker's outcome write sends one, so in
 * steady traffic waking on all of them doubled the idle claims.
 */
export function wakesWorker(event: Pick<TableChangedEvent, "operation">, worker: { readonly draining: boolean; readonly hasConcurrencyLimits: boolean }): boolean {
  return event.operation !== "delete" || worker.draining || worker.hasConcurrencyLimits;
}
