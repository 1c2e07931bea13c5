/**
 * The operational screens: workers and stale jobs (CATALOGUE WEB-18), schedules and the
 * system screen (WEB-19).
 *
 * @module
 */
import { formatAge, formatCount, formatDateTime } from "../format.js";
import { html } from "../html.js";
import type { DashboardInsights } from "../insights.js";
import { integerParameter } from "../request.js";
import { href, numeric, statusBadge, table, type PageContext, type Screen } from "./components.js";

/** Un-aggregated log rows above this many are flagged: statistics are falling behind. */
export const UNAGGREGATED_ALERT = 1_000_000;

/** The longest `stale_after`, in seconds (ten years): beyond it no heartbeat is "recent". */
const MAX_STALE_AFTER = 10 * 365 * 86_400;

/** Render the workers screen; `stale_after` is in seconds. */
export async function workersScreen(insights: DashboardInsights, context: PageContext, query: URLSearchParams): Promise<Screen> {
  const staleAfterSeconds = integerParameter(query, "stale_after", 300, 1, MAX_STALE_AFTER);
  const view = await insights.workers(staleAfterSeconds * 1000);
  const workers = table(
    ["Worker", numeric("Jobs held"), "Oldest heartbeat", "Newest heartbeat", "Entrypoints"],
    view.workers.map(
      (worker) => html`<tr><td><code>${worker.queueManagerId}</code></td><td class="num">${formatCount(worker.activeJobs)}</td><td>${formatDateTime(worker.oldestHeartbeat)}</td><td>${formatDateTime(
        worker.newestHeartbeat,
      )}</td><td>${worker.entrypoints.join(", ")}</td></tr>`,
    ),
    "No worker holds a job right now.",
  );
  const stale = table(
    [numeric("Id"), "Entrypoint", "Worker", "Heartbeat", numeric("Silent for")],
    view.staleJobs.map(
      (job) => html`<tr><td class="num"><a href="${href(context, `/jobs/${job.id}`)}">${job.id}</a></td><td>${job.entrypoint}</td><td><code>${job.queueManagerId ?? "–"}</code></td><td>${formatDateTime(
        job.heartbeat,
      )}</td><td class="num alert">${formatAge(job.sinceHeartbeat)}</td></tr>`,
    ),
    `No picked job has been silent for more than ${formatAge(view.staleAfter)}.`,
  );
  const form = html`<form class="filters" method="get" action="${href(context, "/workers")}"><label>Stale after (seconds)<input name="stale_after" type="number" min="1" value="${staleAfterSeconds}"></label><button type="submit">Apply</button></form>`;
  return { name: "workers", title: "Workers", body: html`<h2>Active workers</h2>${workers}<h2>Stale jobs</h2>${form}${stale}`, live: true, refresh: 30 };
}

/** Render the schedules screen. */
export async function schedulesScreen(insights: DashboardInsights): Promise<Screen> {
  const { schedules, databaseTime } = await insights.schedules();
  const rows = schedules.map((schedule) => {
    const overdue = schedule.nextRun.getTime() < databaseTime.getTime() && schedule.status !== "picked";
    return html`<tr class="${overdue ? "overdue" : ""}"><td class="num">${schedule.id}</td><td>${schedule.entrypoint}</td><td><code>${schedule.expression}</code></td><td>${statusBadge(
      schedule.status,
    )}</td><td>${formatDateTime(schedule.nextRun)}${overdue ? html` <span class="alert">overdue</span>` : ""}</td><td>${formatDateTime(schedule.lastRun)}</td><td>${formatDateTime(
      schedule.heartbeat,
    )}</td></tr>`;
  });
  const body = table([numeric("Id"), "Entrypoint", "Expression", "Status", "Next run (UTC)", "Last run (UTC)", "Heartbeat"], rows, "No schedules registered.");
  return { name: "schedules", title: "Schedules", body, live: false, refresh: 30 };
}

/** Render the system screen. */
export async function systemScreen(insights: DashboardInsights): Promise<Screen> {
  const view = await insights.system();
  const { settings, report } = view;
  const tables = table(
    ["Table", "Persistence", numeric("Rows (estimate)"), numeric("Size")],
    view.tables.map(
      (row) => html`<tr><td><code>${row.tableName}</code></td><td>${row.persistence}</td><td class="num">${formatCount(row.estimatedRows)}</td><td class="num">${row.totalSize}</td></tr>`,
    ),
    "No PgQueuer tables found in this schema.",
  );
  const backlogAlert = view.unaggregatedLogs > UNAGGREGATED_ALERT;
  const schema =
    report === null
      ? html``
      : report.ok && report.unexpected.length === 0
        ? html`<p>Schema: <strong>complete</strong>${report.enqueueFunction ? " (SQL enqueue function installed)" : ""}.</p>`
        : html`<div class="problem"><strong>Schema needs attention</strong><ul>${report.missing.map((item) => html`<li>missing ${item}</li>`)}${report.unexpected.map(
            (item) => html`<li>${item}</li>`,
          )}</ul></div>`;
  const body = html`<div class="panel"><dl class="meta">
<dt>Durability</dt><dd id="durability">${view.durability}</dd>
<dt>Schema</dt><dd><code>${settings.schema ?? "(search_path)"}</code></dd>
<dt>Queue table</dt><dd><code>${settings.names.queueTable}</code></dd>
<dt>Channel</dt><dd><code>${settings.names.channel}</code></dd>
<dt>Un-aggregated log rows</dt><dd class="${backlogAlert ? "alert" : ""}">${formatCount(view.unaggregatedLogs)}${backlogAlert ? " — statistics are falling behind" : ""}</dd>
<dt>Database time</dt><dd>${formatDateTime(view.databaseTime)} UTC</dd>
</dl></div>
${schema}
<h2>Tables</h2>${tables}`;
  return { name: "system", title: "System", body, live: false, refresh: 30 };
}
