/**
 * Formatting for the dashboard (CATALOGUE WEB-15, WEB-22): ages, durations, instants, rates and
 * payload previews. Everything returns plain text; escaping happens when it is put into HTML.
 * Durations are milliseconds, as everywhere in the library.
 *
 * @module
 */

/** Shown where there is no value. */
export const NONE = "–";

/** An age such as `5s`, `1m 5s`, `1h 1m` or `1d 1h`; {@link NONE} for null. */
export function formatAge(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined || !Number.isFinite(milliseconds)) return NONE;
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A duration: `250ms` below a second, `5.50s` below a minute, else as {@link formatAge}. */
export function formatDuration(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined || !Number.isFinite(milliseconds)) return NONE;
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(2)}s`;
  return formatAge(milliseconds);
}

/** An instant in UTC, `YYYY-MM-DD HH:MM:SS`; {@link NONE} for null. */
export function formatDateTime(instant: Date | null | undefined): string {
  if (instant === null || instant === undefined || Number.isNaN(instant.getTime())) return NONE;
  return instant.toISOString().slice(0, 19).replace("T", " ");
}

/** A ratio as a percentage with one decimal (`0.123` → `12.3%`); {@link NONE} for null. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return NONE;
  return `${(rate * 100).toFixed(1)}%`;
}

/** A count with thousands separators (`1234567` → `1,234,567`). */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString("en-US");
}

/** How a payload is shown. */
export type PayloadKind = "empty" | "json" | "text" | "binary";

/** A payload made presentable. */
export interface PayloadPreview {
  readonly kind: PayloadKind;
  /** The text to show (pretty JSON, text, or hex bytes), possibly truncated. */
  readonly text: string;
  /** Whether `text` shows only the beginning of the payload. */
  readonly truncated: boolean;
  /** Payload size in bytes. */
  readonly size: number;
}

/** Limits of {@link previewPayload}. */
export interface PreviewLimits {
  /** Most bytes of text shown (default 16 KiB). */
  readonly textBytes?: number;
  /** Most bytes shown as hex (default 512). */
  readonly hexBytes?: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Preview a payload: valid UTF-8 is shown as text (pretty-printed with two-space indent when
 * it is JSON), anything else as space-separated hex of its first bytes; long payloads are
 * truncated, with the total size noted (`… (<n> bytes total)`).
 */
export function previewPayload(payload: Uint8Array | null | undefined, limits: PreviewLimits = {}): PayloadPreview {
  const size = payload?.byteLength ?? 0;
  if (payload === null || payload === undefined || size === 0) return { kind: "empty", text: "", truncated: false, size: 0 };
  const textBytes = limits.textBytes ?? 16_384;
  const hexBytes = limits.hexBytes ?? 512;
  const head = size > textBytes ? withoutPartialCharacter(payload.subarray(0, textBytes)) : payload;
  const text = decodeUtf8(head);
  if (text !== null) {
    if (head.byteLength === size) {
      const pretty = prettyJson(text);
      if (pretty !== null) return { kind: "json", text: pretty, truncated: false, size };
      return { kind: "text", text, truncated: false, size };
    }
    return { kind: "text", text: `${text} … (${size} bytes total)`, truncated: true, size };
  }
  const hex = Array.from(payload.subarray(0, hexBytes), (byte) => byte.toString(16).padStart(2, "0")).join(" ");
  return size > hexBytes ? { kind: "binary", text: `${hex} … (${size} bytes total)`, truncated: true, size } : { kind: "binary", text: hex, truncated: false, size };
}

/** Indented JSON of any value (headers, tracebacks' context). */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function prettyJson(text: string): string | null {
  const trimmed = text.trim();
  // Only objects and arrays: a bare number or quoted string reads better as the text it is.
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return null;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return null;
  }
}

/**
 * Drop an incomplete UTF-8 sequence at the end of a cut, so a truncated text payload is not
 * mistaken for binary because the cut fell inside a multi-byte character.
 */
function withoutPartialCharacter(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.byteLength); back += 1) {
    const byte = bytes[bytes.byteLength - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.byteLength - back) : bytes;
  }
  return bytes;
}
