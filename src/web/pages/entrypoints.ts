/**
 * The entrypoints screen (CATALOGUE WEB-17): per entrypoint, its queue, duration percentiles,
 * failure rate and a sparkline of outcomes over a selectable window.
 *
 * @module
 */
import { sparklineSvg } from "../charts.js";
import { formatAge, formatCount, formatDuration, formatRate } from "../format.js";
import { html } from "../html.js";
import { HOUR, type DashboardInsights } from "../insights.js";
import { choiceParameter } from "../request.js";
import { href, numeric, table, type PageContext, type Screen } from "./components.js";

/** The windows offered, by their query value. */
export const WINDOWS = { "1h": HOUR, "6h": 6 * HOUR, "24h": 24 * HOUR } as const;

/** Render the entrypoints screen. */
export async function entrypointsScreen(insights: DashboardInsights, context: PageContext, query: URLSearchParams): Promise<Screen> {
  const window = choiceParameter(query, "window", Object.keys(WINDOWS) as (keyof typeof WINDOWS)[], "1h");
  const rows = await insights.entrypointStats(WINDOWS[window]);
  const selector = html`<form class="filters" method="get" action="${href(context, "/entrypoints")}" data-autosubmit><label>Window<select name="window">${Object.keys(WINDOWS).map(
    (key) => html`<option value="${key}"${key === window ? html` selected` : ""}>${key}</option>`,
  )}</select></label><noscript><button type="submit">Show</button></noscript></form>`;
  const body = table(
    ["Entrypoint", numeric("Queued"), numeric("In flight"), numeric("Held"), numeric("Oldest"), numeric("p50"), numeric("p95"), numeric("p99"), numeric("Completed"), numeric("Failure rate"), `Outcomes (${window})`],
    rows.map(
      (row) => html`<tr><td><a href="${href(context, "/jobs", { entrypoint: row.entrypoint })}">${row.entrypoint}</a></td><td class="num">${formatCount(row.queued)}</td><td class="num">${formatCount(
        row.picked,
      )}</td><td class="num">${formatCount(row.failed)}</td><td class="num">${formatAge(row.oldestAge)}</td><td class="num">${formatDuration(row.p50)}</td><td class="num">${formatDuration(
        row.p95,
      )}</td><td class="num">${formatDuration(row.p99)}</td><td class="num">${formatCount(row.completed)}</td><td class="num${
        row.failureRate !== null && row.failureRate > 0 ? " alert" : ""
      }">${formatRate(row.failureRate)}</td><td>${sparklineSvg(row.sparkline)}</td></tr>`,
    ),
    "No entrypoints have jobs or history in this window.",
  );
  return { name: "entrypoints", title: "Entrypoints", body: html`${selector}${body}`, live: false, refresh: 30 };
}
