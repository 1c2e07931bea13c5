/**
 * The overview screen (CATALOGUE WEB-13): totals, the last hour's throughput, and the backlog
 * per entrypoint.
 *
 * @module
 */
import { throughputChartSvg } from "../charts.js";
import { formatAge, formatCount } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { DashboardInsights, Overview } from "../insights.js";
import { foldThroughput, slotTotal } from "../series.js";
import { href, numeric, table, type PageContext, type Screen } from "./components.js";

/** Render the overview. */
export async function overviewScreen(insights: DashboardInsights, context: PageContext): Promise<Screen> {
  const overview = await insights.overview();
  return { name: "overview", title: "Overview", body: overviewBody(overview, context), live: true, refresh: 30 };
}

function card(label: string, value: string, options: { readonly alert?: boolean; readonly id: string; readonly link?: string }): SafeHtml {
  const inner = html`<div class="label">${label}</div><div class="value" id="${options.id}">${value}</div>`;
  return html`<div class="card${options.alert === true ? " alert" : ""}">${options.link === undefined ? inner : html`<a href="${options.link}">${inner}</a>`}</div>`;
}

function overviewBody(overview: Overview, context: PageContext): SafeHtml {
  const cards = html`<div class="cards">
${card("Queued", formatCount(overview.queued), { id: "total-queued", link: href(context, "/jobs", { status: "queued" }) })}
${card("In flight", formatCount(overview.picked), { id: "total-picked", link: href(context, "/jobs", { status: "picked" }) })}
${card("Held failed", formatCount(overview.failed), { id: "total-failed", alert: overview.failed > 0, link: href(context, "/failures") })}
${card("Workers", formatCount(overview.activeWorkers), { id: "total-workers", link: href(context, "/workers") })}
${card("Oldest queued", formatAge(overview.oldestQueuedAge), { id: "oldest-queued" })}
${card("Exceptions (1h)", formatCount(overview.exceptionsRecent), { id: "recent-exceptions", alert: overview.exceptionsRecent > 0 })}
</div>`;
  const slots = foldThroughput(overview.throughput, { end: overview.databaseTime, window: overview.window, slots: 60 });
  const totals = slots.reduce(
    (sum, slot) => ({ successful: sum.successful + slot.successful, errors: sum.errors + slot.errors, canceled: sum.canceled + slot.canceled }),
    { successful: 0, errors: 0, canceled: 0 },
  );
  const chart = slots.some((slot) => slotTotal(slot) > 0)
    ? html`<div class="panel">${throughputChartSvg(slots)}<div class="legend"><span><span class="dot successful"></span>successful ${totals.successful}</span><span><span class="dot errors"></span>errors ${totals.errors}</span><span><span class="dot canceled"></span>canceled ${totals.canceled}</span></div></div>`
    : html`<p class="empty">No jobs finished in the last hour.</p>`;
  const backlog = table(
    ["Entrypoint", numeric("Queued"), numeric("In flight"), numeric("Held"), numeric("Oldest"), numeric("Average age")],
    overview.backlog.map(
      (row) => html`<tr><td><a href="${href(context, "/jobs", { entrypoint: row.entrypoint })}">${row.entrypoint}</a></td><td class="num">${formatCount(row.queued)}</td><td class="num">${formatCount(
        row.picked,
      )}</td><td class="num">${formatCount(row.failed)}</td><td class="num">${formatAge(row.oldestAge)}</td><td class="num">${formatAge(row.averageAge)}</td></tr>`,
    ),
    "No queued jobs — the backlog is empty.",
  );
  return html`${cards}<h2>Throughput, last hour</h2>${chart}<h2>Backlog by entrypoint</h2>${backlog}`;
}
