/**
 * The failures screen (CATALOGUE WEB-16): held jobs with the error that held each, requeue or
 * delete one or many, and the newest exceptions.
 *
 * @module
 */
import type { Job, TracebackRecord } from "../../domain/types.js";
import { formatDateTime } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { DashboardInsights } from "../insights.js";
import { integerParameter } from "../request.js";
import { exceptionPanel, hiddenFields, href, numeric, pager, statusBadge, table, type PageContext, type Screen } from "./components.js";

/** Render the failures screen. */
export async function failuresScreen(insights: DashboardInsights, context: PageContext, query: URLSearchParams): Promise<Screen> {
  const page = integerParameter(query, "page", 1);
  const result = await insights.failures({ page });
  const held = heldTable(result.jobs, result.tracebacks, context);
  const exceptions = table(
    [numeric("Job"), "Time", "Entrypoint", "Error"],
    result.exceptions.map(
      (entry) => html`<tr><td class="num"><a href="${href(context, `/jobs/${entry.jobId}`)}">${entry.jobId}</a></td><td>${formatDateTime(entry.created)}</td><td>${entry.entrypoint}</td><td>${
        entry.traceback === null ? "" : exceptionPanel(entry.traceback, { collapsed: true })
      }</td></tr>`,
    ),
    "No exceptions logged.",
  );
  const body = html`<h2>Held failed jobs</h2>${held}${pager(context, "/failures", {}, page, result.hasMore)}<h2>Exception log</h2>${exceptions}`;
  return { name: "failures", title: "Failures", body, live: true, refresh: 30 };
}

function heldTable(jobs: readonly Job[], tracebacks: ReadonlyMap<number, TracebackRecord>, context: PageContext): SafeHtml {
  if (jobs.length === 0) return html`<p class="empty">No held jobs. Jobs of entrypoints registered with <code>onFailure: "hold"</code> land here when they fail.</p>`;
  const selectable = !context.readOnly;
  const rows = jobs.map((job) => {
    const record = tracebacks.get(job.id);
    return html`<tr id="job-${job.id}">${
      selectable ? html`<td><input type="checkbox" name="ids" value="${job.id}" aria-label="${`Select job ${job.id}`}"></td>` : ""
    }<td class="num"><a href="${href(context, `/jobs/${job.id}`)}">${job.id}</a></td><td>${job.entrypoint}</td><td>${statusBadge(job.status)}</td><td class="num">${job.attempts}</td><td>${formatDateTime(
      job.updated,
    )}</td><td>${record === undefined ? html`<span class="muted">–</span>` : html`${record.exceptionType}: ${record.exceptionMessage}`}</td></tr>`;
  });
  const headers = [
    ...(selectable ? [html`<input type="checkbox" data-select-all aria-label="Select all">`] : []),
    numeric("Id"),
    "Entrypoint",
    "Status",
    numeric("Attempts"),
    "Held since",
    "Error",
  ];
  const head = headers.map((header) => (typeof header === "object" && "numeric" in header ? html`<th class="num">${header.label}</th>` : html`<th>${header}</th>`));
  const tableHtml = html`<div class="panel"><table id="held-jobs"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
  if (!selectable) return tableHtml;
  return html`<form method="post" action="${href(context, "/jobs/requeue")}" id="held-form">${hiddenFields(context)}
<div class="toolbar"><button type="submit" class="primary" name="action" value="requeue">Requeue selected</button><button type="submit" class="danger" name="action" value="delete" formaction="${href(
    context,
    "/jobs/delete",
  )}">Delete selected</button></div>
${tableHtml}</form>`;
}
