/**
 * Plain JSON for tool results: instants as ISO-8601 strings (through `JSON.stringify`),
 * durations in milliseconds, payloads as a preview (text, pretty JSON, or hex), never raw
 * bytes.
 *
 * @module
 */
import type { Job, LogEntry, TracebackRecord } from "../domain/types.js";
import { previewPayload } from "../web/format.js";

/** Payload bytes shown to an assistant at most. */
const PAYLOAD_TEXT_BYTES = 4_096;

/** A job as tool output. */
export function jobJson(job: Job): Record<string, unknown> {
  const payload = previewPayload(job.payload, { textBytes: PAYLOAD_TEXT_BYTES, hexBytes: 256 });
  return {
    id: job.id,
    entrypoint: job.entrypoint,
    status: job.status,
    priority: job.priority,
    attempts: job.attempts,
    created: job.created,
    updated: job.updated,
    executeAfter: job.executeAfter,
    heartbeat: job.heartbeat,
    dedupeKey: job.dedupeKey,
    queueManagerId: job.queueManagerId,
    headers: job.headers,
    payload: { kind: payload.kind, size: payload.size, truncated: payload.truncated, preview: payload.text },
  };
}

/** A traceback as tool output. */
export function tracebackJson(record: TracebackRecord | null): Record<string, unknown> | null {
  if (record === null) return null;
  return {
    exceptionType: record.exceptionType,
    exceptionMessage: record.exceptionMessage,
    traceback: record.traceback,
    additionalContext: record.additionalContext,
    timestamp: record.timestamp,
  };
}

/** A log row as tool output. */
export function logEntryJson(entry: LogEntry): Record<string, unknown> {
  return {
    id: entry.id,
    jobId: entry.jobId,
    created: entry.created,
    status: entry.status,
    entrypoint: entry.entrypoint,
    priority: entry.priority,
    traceback: tracebackJson(entry.traceback),
  };
}

/** The tool result carrying `value` as indented JSON text. */
export function jsonResult(value: unknown): { content: { type: "text"; text: string }[] } {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
}
