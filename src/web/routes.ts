/**
 * Which screen a GET path shows, and the actions a POST path performs. The paths are relative
 * to the mount point; a fragment of any screen is served under `/partials` + its path.
 *
 * | path | what |
 * |---|---|
 * | `/` | overview |
 * | `/entrypoints?window=1h\|6h\|24h` | per-entrypoint statistics |
 * | `/jobs?entrypoint=&status=active\|queued\|picked\|failed&page=` | jobs browser |
 * | `/jobs/goto?id=` | redirect to a job |
 * | `/jobs/<id>` | job detail |
 * | `/failures?page=` | held jobs and exceptions |
 * | `/workers?stale_after=<seconds>` | workers and stale jobs |
 * | `/schedules`, `/system` | schedules; tables and durability |
 * | `/events` | server-sent events |
 * | `/healthz` | health probe (JSON) |
 * | POST `/jobs/requeue`, `/jobs/cancel`, `/jobs/delete` | actions on the form's `ids` |
 *
 * @module
 */
import type { JobId } from "../domain/types.js";
import type { DashboardInsights } from "./insights.js";
import type { PageContext, Screen } from "./pages/components.js";
import { entrypointsScreen } from "./pages/entrypoints.js";
import { failuresScreen } from "./pages/failures.js";
import { jobDetailScreen, jobsScreen } from "./pages/jobs.js";
import { overviewScreen } from "./pages/overview.js";
import { schedulesScreen, systemScreen, workersScreen } from "./pages/operations.js";
import { parseJobId } from "./request.js";

/** Renders a screen; null means "no such thing" (404). */
type ScreenRenderer = (insights: DashboardInsights, context: PageContext, query: URLSearchParams) => Promise<Screen | null>;

const SCREENS: Readonly<Record<string, ScreenRenderer>> = {
  "/": (insights, context) => overviewScreen(insights, context),
  "/entrypoints": entrypointsScreen,
  "/jobs": jobsScreen,
  "/failures": failuresScreen,
  "/workers": workersScreen,
  "/schedules": (insights) => schedulesScreen(insights),
  "/system": (insights) => systemScreen(insights),
};

/**
 * The renderer of a screen path, or null for an unknown path.
 * @throws InvalidArgumentError for `/jobs/<not an id>` (a 400).
 */
export function findScreen(path: string): ScreenRenderer | null {
  const known = SCREENS[path];
  if (known !== undefined) return known;
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job?.[1] === undefined || job[1] === "goto") return null;
  const id = parseJobId(job[1]);
  return (insights, context) => jobDetailScreen(insights, context, id);
}

/** The actions, by POST path. */
export type ActionName = "requeue" | "cancel" | "delete";

const ACTIONS: Readonly<Record<string, ActionName>> = { "/jobs/requeue": "requeue", "/jobs/cancel": "cancel", "/jobs/delete": "delete" };

/** The action a POST path names, or null. */
export function findAction(path: string): ActionName | null {
  return ACTIONS[path] ?? null;
}

/** Perform an action; resolves to the ids it affected. */
export function performAction(insights: DashboardInsights, action: ActionName, ids: readonly JobId[]): Promise<JobId[]> {
  switch (action) {
    case "requeue":
      return insights.requeue(ids);
    case "cancel":
      return insights.cancel(ids);
    case "delete":
      return insights.deleteHeld(ids);
  }
}

const PAST_TENSE: Readonly<Record<ActionName, string>> = { requeue: "requeued", cancel: "canceled", delete: "deleted" };

/** The `notice` query value reporting an action's result (`requeued-3`). */
export function noticeValue(action: ActionName, count: number): string {
  return `${PAST_TENSE[action]}-${count}`;
}

/** The sentence for a `notice` value, or null when it is not one of ours. */
export function noticeText(value: string | null): string | null {
  const match = value === null ? null : /^(requeued|canceled|deleted)-(\d{1,9})$/.exec(value);
  if (match === null) return null;
  const count = Number(match[2]);
  if (count === 0) return `No job was ${match[1]} (it may have changed meanwhile).`;
  return `${match[1]?.[0]?.toUpperCase()}${match[1]?.slice(1)} ${count} job${count === 1 ? "" : "s"}.`;
}
