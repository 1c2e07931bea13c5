/**
 * NOTIFY events on the channel, compatible with Python PgQueuer's payloads (CATALOGUE
 * DOM-12, SQL-10..SQL-13). Parsing never throws: unknown payloads return `null`.
 *
 * @module
 */
import type { JobId } from "./types.js";

/** The trigger's event: the queue table changed. */
export interface TableChangedEvent {
  readonly type: "table_changed_event";
  readonly channel: string;
  readonly sentAt: Date;
  readonly operation: "insert" | "update" | "delete" | "truncate";
  readonly table: string;
}

/** Cancel these running jobs. */
export interface CancellationEvent {
  readonly type: "cancellation_event";
  readonly channel: string;
  readonly sentAt: Date;
  readonly ids: readonly JobId[];
}

/** A worker's listener round-trip probe. */
export interface HealthCheckEvent {
  readonly type: "health_check_event";
  readonly channel: string;
  readonly sentAt: Date;
  readonly id: string;
}

/** Any event on the channel. */
export type QueueEvent = TableChangedEvent | CancellationEvent | HealthCheckEvent;

const OPERATIONS = new Set(["insert", "update", "delete", "truncate"]);

/** Parse a NOTIFY payload; `null` when it is not one of ours. */
export function parseEvent(payload: string): QueueEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const record = raw as Record<string, unknown>;
  const channel = typeof record.channel === "string" ? record.channel : "";
  const sentAt = typeof record.sent_at === "string" ? new Date(record.sent_at) : new Date(Number.NaN);
  switch (record.type) {
    case "table_changed_event":
      if (typeof record.operation !== "string" || !OPERATIONS.has(record.operation)) return null;
      return { type: "table_changed_event", channel, sentAt, operation: record.operation as TableChangedEvent["operation"], table: String(record.table ?? "") };
    case "cancellation_event":
      if (!Array.isArray(record.ids) || !record.ids.every((id) => Number.isSafeInteger(id))) return null;
      return { type: "cancellation_event", channel, sentAt, ids: record.ids as JobId[] };
    case "health_check_event":
      if (typeof record.id !== "string") return null;
      return { type: "health_check_event", channel, sentAt, id: record.id };
    default:
      return null;
  }
}

/** Serialize a client-sent event the way PgQueuer does (compact JSON, ISO-8601 `Z` times). */
export function serializeEvent(event: CancellationEvent | HealthCheckEvent | TableChangedEvent): string {
  const now = new Date().toISOString();
  const common = { channel: event.channel, sent_at: event.sentAt.toISOString(), type: event.type, received_at: now };
  switch (event.type) {
    case "cancellation_event":
      return JSON.stringify({ ...common, ids: event.ids });
    case "health_check_event":
      return JSON.stringify({ ...common, id: event.id });
    case "table_changed_event":
      return JSON.stringify({ channel: event.channel, operation: event.operation, sent_at: common.sent_at, table: event.table, type: event.type });
  }
}
