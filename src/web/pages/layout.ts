/**
 * The document around every screen: header with navigation and the jump-to-job form, an
 * optional notice, and the screen's fragment inside its live region.
 *
 * @module
 */
import { CLIENT_SCRIPT, STYLESHEET } from "../assets.js";
import { html, trustedHtml, type SafeHtml } from "../html.js";
import { href, type PageContext, type Screen, type ScreenName } from "./components.js";

const NAVIGATION: readonly (readonly [ScreenName, string, string])[] = [
  ["overview", "Overview", "/"],
  ["entrypoints", "Entrypoints", "/entrypoints"],
  ["jobs", "Jobs", "/jobs"],
  ["failures", "Failures", "/failures"],
  ["workers", "Workers", "/workers"],
  ["schedules", "Schedules", "/schedules"],
  ["system", "System", "/system"],
];

/** What the layout needs besides the screen. */
export interface LayoutOptions {
  readonly context: PageContext;
  /** The nonce of this response's CSP. */
  readonly nonce: string;
  /** The fragment URL of this screen (what live updates fetch). */
  readonly fragmentUrl: string;
  /** The SSE endpoint, or null when live updates are off. */
  readonly eventsUrl: string | null;
  /** A one-line confirmation of the last action. */
  readonly notice: string | null;
}

/** A complete HTML document. */
export function renderDocument(screen: Screen, options: LayoutOptions): SafeHtml {
  const { context, nonce } = options;
  const navigation = NAVIGATION.map(
    ([name, label, path]) => html`<a href="${href(context, path)}"${name === screen.name ? html` aria-current="page"` : ""}>${label}</a>`,
  );
  const region = html`<div id="region" data-region data-src="${options.fragmentUrl}"${screen.live && options.eventsUrl !== null ? html` data-live` : ""}${
    screen.refresh === null ? "" : html` data-refresh="${screen.refresh}"`
  }>${screen.body}</div>`;
  return html`<!doctype html>
<html lang="en"${options.eventsUrl === null ? "" : html` data-events="${options.eventsUrl}"`}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="csrf-token" content="${context.csrfToken}">
<link rel="icon" href="data:,">
<title>${screen.title} · pgqueuer</title>
<style nonce="${nonce}">${trustedHtml(STYLESHEET)}</style>
</head>
<body>
<header>
<a class="brand" href="${href(context, "/")}">pgqueuer</a>
<nav aria-label="Screens">${navigation}</nav>
<form method="get" action="${href(context, "/jobs/goto")}" role="search"><input name="id" inputmode="numeric" placeholder="job id" aria-label="Go to job id" size="9"><button type="submit">Go</button></form>
<span id="live-status" role="status"></span>
</header>
<main>
<h1>${screen.title}</h1>
${options.notice === null ? "" : html`<p class="notice" role="status">${options.notice}</p>`}
${region}
</main>
<script nonce="${nonce}">${trustedHtml(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}

/** A complete document for an error (400, 403, 404, 500). */
export function renderErrorDocument(context: PageContext | null, nonce: string, status: number, message: string): SafeHtml {
  const home = context === null ? "" : html`<p><a href="${href(context, "/")}">Back to the overview</a></p>`;
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${status} · pgqueuer</title><style nonce="${nonce}">${trustedHtml(STYLESHEET)}</style></head>
<body><main><h1>${status}</h1><p class="problem">${message}</p>${home}</main></body>
</html>
`;
}
