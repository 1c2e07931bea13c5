/**
 * What every screen shares: the rendering context (links under the mount point, the CSRF
 * token, read-only mode) and small widgets (status badges, action forms, pagers, tracebacks).
 *
 * @module
 */
import type { JobId, TracebackRecord } from "../../domain/types.js";
import { formatJson } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { CSRF_FIELD } from "../security.js";

/** The screens, as named in the navigation. */
export type ScreenName = "overview" | "entrypoints" | "jobs" | "failures" | "workers" | "schedules" | "system";

/** Query values for links; null/undefined/"" are left out. */
export type LinkQuery = Readonly<Record<string, string | number | null | undefined>>;

/** What a screen renders with. */
export interface PageContext {
  /** The mount prefix (`""` or `/pgq`). */
  readonly base: string;
  /** The token mutating forms carry. */
  readonly csrfToken: string;
  /** No action buttons, and the server refuses mutations. */
  readonly readOnly: boolean;
  /** The request's path below the mount point, with its query (where actions return to). */
  readonly current: string;
}

/** A link under the mount point: `href(context, "/jobs", { page: 2 })` → `/pgq/jobs?page=2`. */
export function href(context: PageContext, path: string, query: LinkQuery = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return `${context.base}${path}${text === "" ? "" : `?${text}`}`;
}

/** What one screen produced. */
export interface Screen {
  readonly name: ScreenName;
  readonly title: string;
  /** The fragment: the part live updates replace. */
  readonly body: SafeHtml;
  /** Re-fetch the fragment when the queue changes. */
  readonly live: boolean;
  /** Re-fetch the fragment every this many seconds (statistics), or null. */
  readonly refresh: number | null;
}

/** A status badge. */
export function statusBadge(status: string | null): SafeHtml {
  return status === null ? html`<span class="muted">–</span>` : html`<span class="status ${status}">${status}</span>`;
}

/** A POST form with one button, carrying the CSRF token and where to return; nothing in read-only mode. */
export function actionButton(
  context: PageContext,
  action: { readonly path: string; readonly label: string; readonly ids: readonly JobId[]; readonly danger?: boolean; readonly name: string },
): SafeHtml {
  if (context.readOnly) return html``;
  return html`<form class="inline" method="post" action="${href(context, action.path)}">${hiddenFields(context)}${action.ids.map(
    (id) => html`<input type="hidden" name="ids" value="${id}">`,
  )}<button type="submit" name="action" value="${action.name}" class="${action.danger === true ? "danger" : ""}">${action.label}</button></form>`;
}

/** The token and the return path, for every mutating form. */
export function hiddenFields(context: PageContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken}"><input type="hidden" name="return_to" value="${context.current}">`;
}

/** "« newer" / "older »" links for a paged list. */
export function pager(context: PageContext, path: string, query: LinkQuery, page: number, hasMore: boolean): SafeHtml {
  if (page <= 1 && !hasMore) return html``;
  return html`<div class="pager">${page > 1 ? html`<a href="${href(context, path, { ...query, page: page - 1 })}" rel="prev">« newer</a>` : ""}<span class="muted">page ${page}</span>${
    hasMore ? html`<a href="${href(context, path, { ...query, page: page + 1 })}" rel="next">older »</a>` : ""
  }</div>`;
}

/** A table, or the `empty` message when there are no rows. */
export function table(headers: readonly (string | { readonly label: string; readonly numeric: boolean })[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  const head = headers.map((header) => (typeof header === "string" ? html`<th>${header}</th>` : html`<th class="${header.numeric ? "num" : ""}">${header.label}</th>`));
  return html`<div class="panel"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** A numeric column header. */
export function numeric(label: string): { readonly label: string; readonly numeric: true } {
  return { label, numeric: true };
}

/** An exception panel: `<Type>: <message>`, the traceback and any additional context. */
export function exceptionPanel(record: TracebackRecord, options: { readonly collapsed?: boolean } = {}): SafeHtml {
  const what = html`<div class="what">${record.exceptionType || "Error"}: ${record.exceptionMessage}</div>`;
  const details = html`<pre>${record.traceback}</pre>${
    record.additionalContext === null ? "" : html`<div class="muted">additional context</div><pre>${formatJson(record.additionalContext)}</pre>`
  }`;
  if (options.collapsed === true) return html`<div class="exc">${what}<details><summary>traceback</summary>${details}</details></div>`;
  return html`<div class="exc">${what}${details}</div>`;
}
