/**
 * The dashboard's stylesheet and its one small script, inlined into every page under the
 * page's CSP nonce. No build step, no framework.
 *
 * The script only enhances: pages are complete server-rendered HTML, forms post and redirect
 * without it. With it, each `[data-region]` re-fetches its fragment (`data-src`) when the
 * server-sent events say the queue changed (`data-live`) and/or on a timer (`data-refresh`,
 * seconds), filter forms submit on change, and "select all" checkboxes work.
 *
 * @module
 */

/** The stylesheet (light and dark follow the system preference). */
export const STYLESHEET = `
:root { --bg:#f7f7f8; --panel:#fff; --text:#1d1d1f; --muted:#6b6b73; --line:#e2e2e6; --accent:#2f6fdb;
  --ok:#2e9d5b; --err:#d64541; --cancel:#a0a0a8; --warn:#b7791f; --code:#f1f1f4; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --bg:#141417; --panel:#1d1d21; --text:#e8e8ec; --muted:#9a9aa4;
  --line:#303036; --accent:#6d9eff; --code:#26262b; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; flex-wrap:wrap; gap:.5rem 1.25rem; align-items:center; padding:.6rem 1.25rem; background:var(--panel); border-bottom:1px solid var(--line); }
header .brand { font-weight:700; color:var(--text); text-decoration:none; }
nav { display:flex; flex-wrap:wrap; gap:.25rem; }
nav a { color:var(--muted); text-decoration:none; padding:.25rem .55rem; border-radius:6px; }
nav a[aria-current=page] { color:var(--text); background:var(--code); }
nav a:hover { color:var(--text); }
header form { margin-left:auto; display:flex; gap:.35rem; }
#live-status { font-size:12px; color:var(--muted); }
main { padding:1rem 1.25rem 3rem; max-width:1400px; }
h1 { font-size:1.3rem; margin:.2rem 0 1rem; }
h2 { font-size:1.05rem; margin:1.5rem 0 .6rem; }
a { color:var(--accent); }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(150px,1fr)); gap:.75rem; }
.card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:.7rem .9rem; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
.card .value { font-size:1.5rem; font-weight:600; font-variant-numeric:tabular-nums; }
.card.alert .value, .alert { color:var(--err); }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:.8rem; overflow-x:auto; }
table { border-collapse:collapse; width:100%; background:var(--panel); }
th, td { text-align:left; padding:.4rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.overdue td { background:color-mix(in srgb, var(--warn) 12%, transparent); }
.empty { color:var(--muted); padding:.6rem 0; }
.status { display:inline-block; padding:0 .45rem; border-radius:10px; font-size:12px; background:var(--code); }
.status.successful { color:var(--ok); } .status.exception, .status.failed { color:var(--err); } .status.picked { color:var(--accent); }
pre, code { font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace; }
pre { background:var(--code); padding:.7rem; border-radius:6px; overflow:auto; max-height:28rem; white-space:pre-wrap; word-break:break-all; }
.exc { border-left:3px solid var(--err); padding-left:.7rem; margin:.6rem 0; }
.exc .what { font-weight:600; }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1rem; margin:0; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; }
form.inline { display:inline; }
button { font:inherit; padding:.3rem .7rem; border-radius:6px; border:1px solid var(--line); background:var(--panel); color:var(--text); cursor:pointer; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button.danger { color:var(--err); }
input, select { font:inherit; padding:.28rem .45rem; border-radius:6px; border:1px solid var(--line); background:var(--panel); color:var(--text); }
.filters { display:flex; flex-wrap:wrap; gap:.6rem; align-items:end; margin-bottom:.8rem; }
.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:.15rem; }
.toolbar { display:flex; gap:.5rem; margin:.6rem 0; align-items:center; }
.pager { display:flex; gap:1rem; margin-top:.7rem; }
.notice { background:color-mix(in srgb, var(--ok) 14%, var(--panel)); border:1px solid var(--line); padding:.5rem .8rem; border-radius:6px; margin-bottom:1rem; }
.problem { background:color-mix(in srgb, var(--err) 12%, var(--panel)); border:1px solid var(--line); padding:.5rem .8rem; border-radius:6px; }
svg.tchart { width:100%; height:160px; display:block; background:var(--panel); }
svg.tchart rect.hit { fill:transparent; } svg.tchart g:hover rect.hit { fill:var(--code); }
rect.successful { fill:var(--ok); } rect.errors { fill:var(--err); } rect.canceled { fill:var(--cancel); }
svg.sparkline { width:90px; height:20px; } svg.sparkline rect { fill:var(--accent); }
.legend { display:flex; gap:1rem; font-size:12px; color:var(--muted); margin-top:.35rem; }
.legend .dot { display:inline-block; width:.7rem; height:.7rem; border-radius:2px; margin-right:.3rem; vertical-align:middle; }
.dot.successful { background:var(--ok); } .dot.errors { background:var(--err); } .dot.canceled { background:var(--cancel); }
.muted { color:var(--muted); }
`;

/** The enhancement script (plain ES2017, no modules; runs once per page). */
export const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var root = document.documentElement;
  var status = document.getElementById("live-status");
  function setStatus(state, text) { document.body.setAttribute("data-live", state); if (status) status.textContent = text; }
  function regions() { return Array.prototype.slice.call(document.querySelectorAll("[data-region]")); }
  // One fetch per region at a time, and at most one start per MIN_GAP ms: on a busy queue the
  // server pushes a change every debounce period, and each re-read runs several queries.
  var MIN_GAP = 1000;
  function refresh(region) {
    if (region.getAttribute("data-busy")) { region.setAttribute("data-again", "1"); return; }
    var wait = Number(region.getAttribute("data-started") || 0) + MIN_GAP - Date.now();
    if (wait > 0) {
      region.setAttribute("data-busy", "1");
      setTimeout(function () { region.removeAttribute("data-busy"); refresh(region); }, wait);
      return;
    }
    region.setAttribute("data-busy", "1");
    region.setAttribute("data-started", String(Date.now()));
    fetch(region.getAttribute("data-src"), { credentials: "same-origin", headers: { "x-pgq-fragment": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var checked = {};
        region.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) { checked[box.name + "=" + box.value] = true; });
        region.innerHTML = text;
        region.querySelectorAll("input[type=checkbox]").forEach(function (box) { if (checked[box.name + "=" + box.value]) box.checked = true; });
        region.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        region.removeAttribute("data-busy");
        if (region.getAttribute("data-again")) { region.removeAttribute("data-again"); refresh(region); }
      });
  }
  var events = root.getAttribute("data-events");
  var live = Boolean(events && window.EventSource && regions().some(function (r) { return r.hasAttribute("data-live"); }));
  if (live) {
    setStatus("connecting", "connecting…");
    var source = new EventSource(events);
    source.addEventListener("open", function () {
      // Catch up on whatever changed before (or while) the stream was down.
      regions().forEach(function (r) { if (r.hasAttribute("data-live")) refresh(r); });
      setStatus("connected", "live");
    });
    source.addEventListener("error", function () { setStatus("reconnecting", "reconnecting…"); });
    source.addEventListener("queue-change", function () {
      regions().forEach(function (r) { if (r.hasAttribute("data-live")) refresh(r); });
    });
  }
  regions().forEach(function (r) {
    var seconds = Number(r.getAttribute("data-refresh"));
    if (seconds > 0) {
      setInterval(function () { if (!document.hidden) refresh(r); }, seconds * 1000);
      if (!live) setStatus("timer", "refreshes every " + seconds + "s");
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) && !(target instanceof HTMLSelectElement)) return;
    if (target.hasAttribute("data-select-all") && target.form) {
      target.form.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = target.checked; });
      return;
    }
    var form = target.form;
    if (form && form.hasAttribute("data-autosubmit")) form.submit();
  });
})();
`;
