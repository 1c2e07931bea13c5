/**
 * The jobs browser and the job detail screen (CATALOGUE WEB-6, WEB-7, WEB-14, WEB-15).
 *
 * @module
 */
import type { Job } from "../../domain/types.js";
import { formatDateTime, formatJson, previewPayload } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { DashboardInsights, JobDetail, JobsStatusFilter } from "../insights.js";
import { choiceParameter, integerParameter, textParameter } from "../request.js";
import { actionButton, exceptionPanel, href, numeric, pager, statusBadge, table, type PageContext, type Screen } from "./components.js";

const STATUS_FILTERS: readonly JobsStatusFilter[] = ["active", "queued", "picked", "failed"];
const STATUS_LABELS: Readonly<Record<JobsStatusFilter, string>> = { active: "queued + picked", queued: "queued", picked: "picked", failed: "failed (held)" };

/** Render a page of the jobs browser. */
export async function jobsScreen(insights: DashboardInsights, context: PageContext, query: URLSearchParams): Promise<Screen> {
  const status = choiceParameter(query, "status", STATUS_FILTERS, "active");
  const page = integerParameter(query, "page", 1);
  const entrypoint = textParameter(query, "entrypoint");
  const result = await insights.jobs({ status, page, entrypoint });
  const entrypoints = entrypoint !== null && !result.entrypoints.includes(entrypoint) ? [entrypoint, ...result.entrypoints] : result.entrypoints;
  const filters = html`<form class="filters" method="get" action="${href(context, "/jobs")}" data-autosubmit>
<label>Entrypoint<select name="entrypoint"><option value="">all</option>${entrypoints.map(
    (name) => html`<option value="${name}"${name === entrypoint ? html` selected` : ""}>${name}</option>`,
  )}</select></label>
<label>Status<select name="status">${STATUS_FILTERS.map((value) => html`<option value="${value}"${value === status ? html` selected` : ""}>${STATUS_LABELS[value]}</option>`)}</select></label>
<noscript><button type="submit">Filter</button></noscript>
</form>`;
  const rows = result.jobs.map((job) => jobRow(job, context));
  const list = table(
    [numeric("Id"), "Entrypoint", "Status", numeric("Priority"), numeric("Attempts"), "Created", "Execute after", "Worker", ""],
    rows,
    entrypoint === null && status === "active" ? "No queued or running jobs." : "No jobs match this filter.",
  );
  const body = html`${filters}${list}${pager(context, "/jobs", { status: status === "active" ? null : status, entrypoint }, page, result.hasMore)}`;
  return { name: "jobs", title: "Jobs", body, live: true, refresh: null };
}

function jobRow(job: Job, context: PageContext): SafeHtml {
  const actions =
    job.status === "failed"
      ? actionButton(context, { path: "/jobs/requeue", label: "Requeue", ids: [job.id], name: "requeue" })
      : actionButton(context, { path: "/jobs/cancel", label: "Cancel", ids: [job.id], name: "cancel", danger: true });
  return html`<tr id="job-${job.id}"><td class="num"><a href="${href(context, `/jobs/${job.id}`)}">${job.id}</a></td><td>${job.entrypoint}</td><td>${statusBadge(job.status)}</td><td class="num">${
    job.priority
  }</td><td class="num">${job.attempts}</td><td>${formatDateTime(job.created)}</td><td>${formatDateTime(job.executeAfter)}</td><td><code>${job.queueManagerId ?? ""}</code></td><td>${actions}</td></tr>`;
}

/** Render one job, or null when it is unknown (a 404). */
export async function jobDetailScreen(insights: DashboardInsights, context: PageContext, id: number): Promise<Screen | null> {
  const detail = await insights.job(id);
  if (detail === null) return null;
  return { name: "jobs", title: `Job ${id}`, body: jobDetailBody(id, detail, context), live: true, refresh: null };
}

function jobDetailBody(id: number, detail: JobDetail, context: PageContext): SafeHtml {
  const { job, history } = detail;
  const last = history.at(-1);
  const summary =
    job === null
      ? html`<p class="muted">This job has left the queue${last === undefined ? "" : html` (last logged status ${statusBadge(last.status)} at ${formatDateTime(last.created)})`}; only its history remains.</p>`
      : jobSummary(job, context);
  const panels = history.filter((entry) => entry.traceback !== null).map((entry) => (entry.traceback === null ? html`` : exceptionPanel(entry.traceback)));
  const log = table(
    [numeric("Log id"), "Time", "Status", numeric("Priority")],
    history.map(
      (entry) => html`<tr><td class="num">${entry.id}</td><td>${formatDateTime(entry.created)}</td><td>${statusBadge(entry.status)}</td><td class="num">${entry.priority}</td></tr>`,
    ),
    "No log rows for this job.",
  );
  return html`<div id="job-detail" data-job-id="${id}">${summary}${panels.length === 0 ? "" : html`<h2>Errors</h2>${panels}`}<h2>History</h2>${log}</div>`;
}

function jobSummary(job: Job, context: PageContext): SafeHtml {
  const payload = previewPayload(job.payload);
  const actions = [
    job.status === "failed" ? actionButton(context, { path: "/jobs/requeue", label: "Requeue", ids: [job.id], name: "requeue" }) : "",
    job.status === "failed" ? actionButton(context, { path: "/jobs/delete", label: "Delete", ids: [job.id], name: "delete", danger: true }) : "",
    job.status === "queued" || job.status === "picked" ? actionButton(context, { path: "/jobs/cancel", label: "Cancel", ids: [job.id], name: "cancel", danger: true }) : "",
  ];
  return html`<div class="toolbar">${actions}</div>
<div class="panel"><dl class="meta">
<dt>Entrypoint</dt><dd id="job-entrypoint">${job.entrypoint}</dd>
<dt>Status</dt><dd>${statusBadge(job.status)}</dd>
<dt>Priority</dt><dd>${job.priority}</dd>
<dt>Attempts</dt><dd>${job.attempts}</dd>
<dt>Created</dt><dd>${formatDateTime(job.created)}</dd>
<dt>Updated</dt><dd>${formatDateTime(job.updated)}</dd>
<dt>Execute after</dt><dd>${formatDateTime(job.executeAfter)}</dd>
<dt>Heartbeat</dt><dd>${formatDateTime(job.heartbeat)}</dd>
<dt>Worker</dt><dd><code>${job.queueManagerId ?? "–"}</code></dd>
<dt>Dedupe key</dt><dd>${job.dedupeKey ?? "–"}</dd>
</dl></div>
<h2>Payload <span class="muted">(${payload.kind}, ${payload.size} bytes)</span></h2>
${payload.kind === "empty" ? html`<p class="empty">No payload.</p>` : html`<pre id="payload" data-kind="${payload.kind}">${payload.text}</pre>`}
<h2>Headers</h2>
${job.headers === null ? html`<p class="empty">No headers.</p>` : html`<pre id="headers">${formatJson(job.headers)}</pre>`}`;
}
