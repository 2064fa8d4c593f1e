// EnterpriseML dashboard: plain JS over the public HTTP API (the same routes curl users call).
"use strict";

const KEY_STORAGE = "eml.apiKey";
const $ = sel => document.querySelector(sel);
const view = () => $("#view");
let liveStream = null; // AbortController of the current server-sent-events reader
let signedIn = null; // GET /api/me of the key in use: its tenant, role and key id

// ---------- API ----------
class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The API answered HTTP ${status} without details.`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, options = {}) {
  const headers = { "X-Api-Key": sessionStorage.getItem(KEY_STORAGE) || "", ...(options.headers || {}) };
  let body = options.body;
  if (body && !(body instanceof FormData) && typeof body !== "string") {
    body = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response, text;
  try {
    response = await fetch(path, { ...options, headers, body });
    text = await response.text();
  } catch (e) {
    // fetch rejects with a bare TypeError ("Failed to fetch") when no answer arrives: say what could not be reached.
    throw new Error(`Could not reach the API (${options.method || "GET"} ${path.split("?")[0]}): ${e.message || e}. Check the connection, then retry.`);
  }
  const data = text ? tryJson(text) : null;
  if (response.status === 401) {
    // The API says why (missing, unknown or revoked key): the sign-in page repeats it.
    const why = data?.detail || data?.title;
    signOut(why ? `Your API key was not accepted: ${why}` : "Your API key was not accepted.");
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A body that is not JSON (a proxy's error page, say) is kept as the detail, unless it is markup, which says nothing
// readable: the status line stands in for it.
function tryJson(text) {
  try { return JSON.parse(text); } catch { return /^\s*</.test(text) ? null : { detail: text.trim() }; }
}

function problemText(err) {
  if (!(err instanceof ApiError)) return String(err.message || err);
  const p = err.problem || {};
  let text = p.detail || p.title || err.message;
  // The API often repeats a single field error as the detail: say it once, after its field. Other field errors
  // follow unless the detail already says them.
  const fieldErrors = Object.entries(p.errors || {}).map(([k, v]) => [k, [].concat(v).join(" ")]);
  const repeated = fieldErrors.find(([, v]) => v === text);
  if (repeated) text = `${repeated[0]}: ${text}`;
  const extra = fieldErrors.filter(e => e !== repeated && !String(text).includes(e[1]));
  if (extra.length) text += " " + extra.map(([k, v]) => `${k}: ${v}`).join("; ");
  return text;
}

// Reads text/event-stream with fetch so the API key can travel in a header (EventSource cannot send headers).
// Resolves with how the stream ended: "ended" (the server closed it after its last event), "dropped" (the connection
// failed or broke, or the server answered 5xx: worth reconnecting), "refused" (a 4xx: reconnecting would not help; the
// problem is in .problem) or "aborted" (the page stopped it). onOpen runs once the server has accepted the stream.
async function streamEvents(path, onEvent, onOpen) {
  stopStream();
  const controller = new AbortController();
  liveStream = controller;
  let sawEnd = false;
  try {
    const response = await fetch(path, { headers: { "X-Api-Key": sessionStorage.getItem(KEY_STORAGE) || "", Accept: "text/event-stream" }, signal: controller.signal });
    if (response.status === 401) { signOut("Your API key was not accepted."); return { outcome: "aborted" }; }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      const problem = text ? tryJson(text) : null;
      return { outcome: response.status >= 500 ? "dropped" : "refused", problem: new ApiError(response.status, problem) };
    }
    if (onOpen) onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let type = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) type = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (type === "end") sawEnd = true;
        onEvent(type, data ? tryJson(data) : null);
      }
    }
    // A stream that closes without its "end" event was cut (a proxy, a restarted node), not finished.
    return { outcome: sawEnd ? "ended" : "dropped" };
  } catch (e) {
    if (e.name === "AbortError" || controller.signal.aborted) return { outcome: "aborted" };
    console.warn("event stream dropped", e);
    return { outcome: sawEnd ? "ended" : "dropped" };
  } finally {
    if (liveStream === controller) liveStream = null;
  }
}

function stopStream() { if (liveStream) { liveStream.abort(); liveStream = null; } }

// ---------- helpers ----------
/**
 * An element with attributes (on… are listeners) and children; strings become text nodes, never markup, so nothing a
 * user or the API wrote can run as HTML. There is deliberately no way to set innerHTML through it.
 */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const num = (v, digits = 4) => (v === null || v === undefined || Number.isNaN(v)) ? "—" : Number(v).toFixed(digits).replace(/\.?0+$/, m => m.startsWith(".") ? "" : m);
const fixed = (v, digits) => (v === null || v === undefined || !Number.isFinite(Number(v))) ? "—" : Number(v).toFixed(digits);
const int = v => (v === null || v === undefined) ? "—" : Number(v).toLocaleString("en-US");
const bytes = v => v === null || v === undefined ? "—" : v < 1024 ? `${v} B` : v < 1048576 ? `${(v / 1024).toFixed(1)} KB` : `${(v / 1048576).toFixed(1)} MB`;
const when = v => v ? new Date(v).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
// A schedule's next run in the schedule's own time zone, as its cron reads, with the zone named; the browser's time
// when the browser does not know the zone.
const whenIn = (v, zone) => {
  if (!v) return "—";
  try { return `${new Date(v).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: zone })} ${zone}`; }
  catch { return `${when(v)} (your time)`; }
};
const badge = (text, kind) => h("span", { class: `badge ${kind || text}` }, text);
const items = data => Array.isArray(data) ? data : (data?.items || []);

// A confirmation fades after a few seconds; an error stays until dismissed, replaced by the next message or left
// behind with its page, since one that vanished while the user looked elsewhere would be as good as swallowed.
// Errors are announced as alerts.
function toast(message, bad = false) {
  const t = $("#toast");
  $("#toast-text").textContent = message;
  t.className = "toast" + (bad ? " bad" : "");
  t.setAttribute("role", bad ? "alert" : "status");
  $("#toast-close").hidden = !bad;
  t.hidden = false;
  clearTimeout(toast.timer);
  if (!bad) toast.timer = setTimeout(() => { t.hidden = true; }, 3500);
}

$("#toast-close").addEventListener("click", () => { clearTimeout(toast.timer); $("#toast").hidden = true; });

function confirmAction(title, text, { reason = true } = {}) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-reason").value = "";
  // A delete takes no reason (its audit entry says who deleted what): the field is not offered for one.
  $("#confirm-reason").hidden = !reason;
  $("label[for=confirm-reason]").hidden = !reason;
  // Each dialog starts unanswered: Escape closes it without a value, and must never count as the last dialog's "ok".
  dialog.returnValue = "";
  return new Promise(resolve => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? { reason: $("#confirm-reason").value || null } : null), { once: true });
    dialog.showModal();
  });
}

// Cancel is not a submit button: Enter in the reason field submits with Confirm, the form's only submit button (as the
// first one in the form, Cancel took that Enter and dropped the reason just typed).
$("#confirm-cancel").addEventListener("click", () => $("#confirm").close("cancel"));

/** A bar for an experiment's status: green and full when it succeeded, red or amber where a failed or cancelled sweep stopped. */
function progressBar(fraction, status) {
  const pct = Math.max(0, Math.min(1, fraction || 0)) * 100;
  const kind = status === "succeeded" ? " done" : status === "failed" || status === "cancelled" ? ` ${status}` : "";
  return h("div", { class: "progress" + kind, role: "progressbar", "aria-valuenow": pct.toFixed(0), "aria-valuemin": 0, "aria-valuemax": 100 },
    h("div", { style: `width:${pct.toFixed(1)}%` }));
}

function table(columns, rows, onClick, opts = {}) {
  if (rows.length === 0) return h("p", { class: "empty", id: opts.id }, opts.empty || "Nothing here yet.");
  return h("div", { class: "table-wrap" }, h("table", { id: opts.id },
    h("thead", {}, h("tr", {}, columns.map(c => h("th", { class: c.num ? "num" : "" }, c.title)))),
    // Cells stay on one line, except columns of free text (c.wrap), which wrap so the table fits its card.
    h("tbody", {}, rows.map(r => h("tr", { class: (onClick ? "clickable " : "") + (r.__class || ""), onclick: onClick ? () => onClick(r) : null },
      columns.map(c => h("td", { class: c.num ? "num" : c.wrap ? "wrap" : "" }, c.render ? c.render(r) : (r[c.key] ?? "—"))))))));
}

// Lists are served a page at a time (newest first); the page number travels in the hash: #/datasets?page=2.
const PAGE_SIZE = 50;
const pageOf = params => Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);

/**
 * What an empty page of a list says: the list's own empty state on its first page, but past the last page (an old
 * link, or rows deleted since) that the page is past the end, with a link to the last one.
 */
function emptyPage(section, data, params, noun, emptyText) {
  const total = data?.total ?? 0;
  const current = data?.pageNumber || pageOf(params);
  if (total === 0 || current <= 1) return emptyText;
  const pages = Math.max(1, Math.ceil(total / (data?.pageSize || PAGE_SIZE)));
  const query = new URLSearchParams(params);
  query.set("page", pages);
  return [`No ${noun} on page ${int(current)}: the list has ${int(total)} in ${int(pages)} page${pages > 1 ? "s" : ""}. `,
    h("a", { href: `#/${section}?${query}`, id: `${section}-last-page` }, `Go to page ${int(pages)}`)];
}

function pager(section, data, params) {
  const total = data?.total ?? 0;
  const size = data?.pageSize || PAGE_SIZE;
  const current = data?.pageNumber || 1;
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1 && current <= 1) return null;
  const link = (number, text) => {
    const query = new URLSearchParams(params);
    query.set("page", number);
    return h("a", { class: "page-link", href: `#/${section}?${query}` }, text);
  };
  return h("nav", { class: "pager", id: `${section}-pager`, "aria-label": "Pages" },
    current > 1 ? link(Math.min(current - 1, pages), "← Newer") : null,
    h("span", { class: "muted" }, `Page ${int(current)} of ${int(pages)} (${int(total)} in all)`),
    current < pages ? link(current + 1, "Older →") : null);
}

// ---------- login ----------
function signOut(message) {
  stopStream();
  sessionStorage.removeItem(KEY_STORAGE);
  // The admin's tab goes with the admin's key; a key shown once goes with the session that created it, even hidden.
  signedIn = null;
  $("a[data-tab=tenants]").hidden = true;
  document.querySelectorAll(".key-secret").forEach(n => n.remove());
  $("#app").hidden = true;
  $("#login").hidden = false;
  const e = $("#login-error");
  e.hidden = !message;
  e.textContent = message || "";
}

$("#login-form").addEventListener("submit", async event => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $("#api-key").value.trim());
  try {
    await api("/api/datasets?pageSize=1");
    start();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) signOut(problemText(e));
  }
});

// Signing out leaves nothing of the session in the page: neither the key in the sign-in field nor the last page's data.
$("#logout").addEventListener("click", () => {
  signOut();
  $("#api-key").value = "";
  navigation++;
  view().replaceChildren();
});

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  try {
    const me = await api("/api/me");
    signedIn = me;
    $("#who").textContent = me ? `${me.tenant ?? me.tenantName ?? ""} · ${me.role ?? ""}` : "";
  } catch { $("#who").textContent = ""; }
  // Only an admin key may call /api/tenants: other keys are not offered the page (a typed #/tenants gets the API's 403).
  $("a[data-tab=tenants]").hidden = signedIn?.role !== "admin";
  // Setting the hash fires hashchange, which routes; routing here as well would render the page twice, and the
  // second render would replace a form the user may already be filling in.
  if (!location.hash || location.hash === "#") location.hash = "#/datasets";
  else route();
}

// ---------- routing ----------
window.addEventListener("hashchange", route);
// A tab for the page already shown changes no hash, so it would do nothing: it reloads that page instead (the way back
// from an error once the API answers again).
document.querySelectorAll(".tabs a").forEach(a => a.addEventListener("click", e => {
  if (a.getAttribute("href") === location.hash) { e.preventDefault(); route(); }
}));

// Each navigation gets a number; a page renders only while its number is the latest, so a slow answer for a page
// the user already left never replaces the page they are on.
let navigation = 0;

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [section = "datasets", id = ""] = path.split("/");
  return { section: section || "datasets", id: decodeURIComponent(id), params: new URLSearchParams(query) };
}

async function route() {
  if ($("#app").hidden) return;
  stopStream();
  if ($("#toast").classList.contains("bad")) $("#toast").hidden = true;
  // A confirmation belongs to the page that asked: leaving it (Back, a link, a typed address) answers it "cancel", or
  // its Confirm would act on a page no longer shown.
  if ($("#confirm").open) $("#confirm").close("cancel");
  const ticket = ++navigation;
  // A page drawn again with fresh data (an experiment's live updates) gives the keyboard focus back to the control of
  // the same id, so a keyboard user on the Cancel button is still on it after the next trial.
  const mount = (...nodes) => {
    if (ticket !== navigation) return;
    const focused = view().contains(document.activeElement) ? document.activeElement.id : "";
    view().replaceChildren(...nodes.filter(n => n !== null && n !== undefined));
    if (focused) document.getElementById(focused)?.focus();
  };
  mount.current = () => ticket === navigation;
  const { section, id, params } = parseHash();
  document.querySelectorAll(".tabs a").forEach(a => a.classList.toggle("active", a.dataset.tab === section));
  mount(h("p", { class: "muted" }, "Loading…"));
  try {
    const pages = { datasets: id ? datasetPage : datasetsPage, experiments: id ? experimentPage : experimentsPage, models: id ? modelPage : modelsPage, schedules: schedulesPage,
      tenants: id ? tenantPage : tenantsPage };
    await (pages[section] || datasetsPage)({ id, params, mount });
  } catch (e) {
    // The API's problem as it gave it (title, detail, status), and a way to try again without reloading the tab.
    if (!(e instanceof ApiError && e.status === 401)) {
      mount(h("section", { class: "card", id: "page-error" }, problemBox("page-problem", e),
        h("div", { class: "row", style: "margin-top:.8rem" }, h("button", { id: "page-retry", class: "primary", onclick: () => route() }, "Retry"))));
    }
  }
}

// ---------- datasets ----------
async function datasetsPage({ params, mount }) {
  const data = await api(`/api/datasets?page=${pageOf(params)}&pageSize=${PAGE_SIZE}`);
  const list = items(data);
  const form = h("form", { class: "inline", id: "upload-form" },
    h("div", {}, h("label", { for: "upload-file" }, "CSV file"), h("input", { id: "upload-file", type: "file", name: "file", accept: ".csv,.tsv,.txt,text/csv", required: true })),
    h("div", {}, h("label", { for: "upload-name" }, "Name (optional)"), h("input", { id: "upload-name", name: "name", placeholder: "e.g. transactions-weekly" })),
    // The file's text encoding; the default sends no field: UTF-8, or UTF-16 when the file starts with its byte-order mark.
    h("div", {}, h("label", { for: "upload-encoding" }, "Encoding"), h("select", { id: "upload-encoding", name: "encoding" },
      h("option", { value: "" }, "UTF-8 (default)"),
      h("option", { value: "windows-1252" }, "Windows-1252 (Excel on Windows)"),
      h("option", { value: "iso-8859-1" }, "ISO-8859-1 (Latin-1)"),
      h("option", { value: "utf-16" }, "UTF-16"))),
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Upload")));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = "Uploading…";
    try {
      const body = new FormData(form);
      if (!body.get("encoding")) body.delete("encoding");
      const created = await api("/api/datasets", { method: "POST", body });
      toast(`Uploaded ${created.name}: ${int(created.rowCount)} rows, ${created.columns.length} columns`);
      location.hash = `#/datasets/${created.id}`;
    } catch (err) {
      toast(problemText(err), true);
      button.disabled = false;
      button.textContent = "Upload";
    }
  });
  mount(
    h("section", { class: "card" }, h("h2", {}, "Upload a dataset"),
      h("p", { class: "muted hint" }, "A CSV with a header row, in UTF-8 unless you choose its encoding (Excel on Windows often saves Windows-1252). Each column is profiled on upload; the same file uploaded twice is stored once."), form),
    h("section", { class: "card" }, h("h2", {}, "Datasets ", h("span", { class: "count" }, int(data?.total ?? list.length))),
      table([
        { title: "Name", render: d => h("a", { href: `#/datasets/${encodeURIComponent(d.id)}`, class: "row-link" }, h("strong", { class: "clip", title: d.name }, d.name)) },
        { title: "Rows", num: true, render: d => int(d.rowCount) },
        { title: "Columns", num: true, render: d => d.columns?.length ?? d.columnCount ?? "—" },
        { title: "SHA-256", render: d => h("code", { title: d.sha256 }, (d.sha256 || "").slice(0, 12)) },
        { title: "Uploaded", render: d => when(d.createdAt) },
      ], list, d => { location.hash = `#/datasets/${d.id}`; }, { id: "datasets-table", empty: emptyPage("datasets", data, params, "dataset", "No dataset yet: upload a CSV above.") }),
      pager("datasets", data, params)));
}

async function datasetPage({ id, mount }) {
  const d = await api(`/api/datasets/${encodeURIComponent(id)}`);
  const columns = d.columns || [];
  mount(
    h("section", { class: "card" },
      h("div", { class: "head" }, h("h2", {}, d.name),
        h("div", { class: "row" },
          h("button", { class: "primary", id: "new-experiment", onclick: () => { location.hash = `#/experiments?dataset=${d.id}`; } }, "New experiment"),
          h("button", { class: "danger", onclick: async () => {
            if (!await confirmAction("Delete dataset", `Delete ${d.name}? Experiments keep their recorded results.`, { reason: false })) return;
            try { await api(`/api/datasets/${d.id}`, { method: "DELETE" }); toast("Dataset deleted"); location.hash = "#/datasets"; } catch (e) { toast(problemText(e), true); }
          } }, "Delete"))),
      h("dl", { class: "kv" },
        h("dt", {}, "Rows"), h("dd", {}, int(d.rowCount)),
        h("dt", {}, "Columns"), h("dd", {}, columns.length),
        h("dt", {}, "SHA-256"), h("dd", {}, h("code", {}, d.sha256)),
        h("dt", {}, "Encoding"), h("dd", { id: "dataset-encoding" }, d.encoding === "utf-8" || !d.encoding ? "UTF-8" : `${d.encoding} (stored as UTF-8)`),
        h("dt", {}, "Uploaded"), h("dd", {}, when(d.createdAt)))),
    h("section", { class: "card" }, h("h2", {}, "Column profile"),
      table([
        { title: "Column", render: c => h("strong", { class: "clip", title: c.name }, c.name) },
        { title: "Type", render: c => [badge(String(c.type).toLowerCase(), "type"), c.note ? h("span", { class: "type-note", title: c.note }, " ⚠") : null] },
        { title: "Missing", num: true, render: c => int(c.missingCount) },
        { title: "Distinct", num: true, render: c => int(c.distinctCount) },
        { title: "Min", num: true, render: c => num(c.min, 3) },
        { title: "Mean", num: true, render: c => num(c.mean, 3) },
        { title: "Max", num: true, render: c => num(c.max, 3) },
        { title: "Top values", render: c => h("span", { class: "clip", title: (c.topValues || []).map(v => `${v.value} (${v.count})`).join(", ") },
            (c.topValues || []).slice(0, 4).map(v => `${v.value} (${int(v.count)})`).join(", ") || "—") },
      ], columns, null, { id: "profile-table" }),
      // The reader's notes: a column whose type may not be what the file meant (numbers with a few stray values).
      columns.some(c => c.note)
        ? h("div", { id: "profile-notes" }, columns.filter(c => c.note).map(c => h("p", { class: "type-note" }, "⚠ ", c.note, ". Fix those values and upload again, or ignore the column in the experiment.")))
        : null));
}

// ---------- experiments ----------
/** Display name of a metric key: "auc" → "AUC", "ndcgAt10" → "NDCG@10", "precisionAt5" → "PRECISION@5". */
function metricName(metric) {
  if (!metric) return "validation score";
  return metric.replace(/At(\d+)$/, "@$1").toUpperCase();
}

const SCENARIOS = ["auto", "credit", "fraud", "sentiment", "recommendation"];

/**
 * The fields of an experiment request (used by the new-experiment form and the new-schedule form). Scheduled
 * refreshes do not cover recommendation, so the schedule form passes scenarios without it.
 */
function experimentFields(datasets, preselect, prefix, scenarios = SCENARIOS) {
  const datasetSelect = h("select", { id: `${prefix}-dataset`, required: true },
    datasets.map(d => h("option", { value: d.id, selected: String(d.id) === String(preselect) }, `${d.name} (${int(d.rowCount)} rows)`)));
  const labelSelect = h("select", { id: `${prefix}-label`, required: true });
  const positiveSelect = h("select", { id: `${prefix}-positive` });
  // Columns not to learn from (an identifier, a leak, a column the dataset page warns about): the API's ignoreColumns.
  const ignoreSelect = h("select", { id: `${prefix}-ignore`, multiple: true, size: 3, title: "Ctrl- or Cmd-click to pick several" });
  const fillIgnore = () => {
    const d = datasets.find(x => String(x.id) === datasetSelect.value);
    const kept = new Set([...ignoreSelect.selectedOptions].map(o => o.value));
    ignoreSelect.replaceChildren(...(d?.columns || []).filter(c => c.name !== labelSelect.value)
      .map(c => h("option", { value: c.name, selected: kept.has(c.name) }, c.note ? `${c.name} ⚠` : c.name)));
  };
  const fillPositive = () => {
    fillIgnore();
    const d = datasets.find(x => String(x.id) === datasetSelect.value);
    const column = d?.columns?.find(c => c.name === labelSelect.value);
    const values = column && column.distinctCount <= 20 ? (column.topValues || []).map(v => v.value) : [];
    positiveSelect.replaceChildren(h("option", { value: "" }, values.length ? "(automatic)" : "(not a class label)"), ...values.map(v => h("option", { value: v }, v)));
    positiveSelect.disabled = values.length === 0;
  };
  const fillLabels = () => {
    const d = datasets.find(x => String(x.id) === datasetSelect.value);
    labelSelect.replaceChildren(...(d?.columns || []).map(c => h("option", { value: c.name }, `${c.name} · ${String(c.type).toLowerCase()}`)));
    const last = d?.columns?.[d.columns.length - 1];
    if (last) labelSelect.value = last.name;
    fillPositive();
  };
  datasetSelect.addEventListener("change", fillLabels);
  labelSelect.addEventListener("change", fillPositive);
  fillLabels();
  const scenario = h("select", { id: `${prefix}-scenario` }, scenarios.map(s => h("option", { value: s }, s)));
  const budget = h("input", { id: `${prefix}-budget`, type: "number", min: 5, max: 86400, value: 60, required: true });
  // Optional: the sweep then ends after that many trials if its budget has not ended it first (the API's maxTrials).
  const maxTrials = h("input", { id: `${prefix}-max-trials`, type: "number", min: 1, max: 100000, step: 1, placeholder: "until the budget ends" });
  // Optional: the metric the sweep ranks by instead of the scenario's (the API's metric; it refuses one the task cannot use).
  const metricInput = h("input", { id: `${prefix}-metric`, list: `${prefix}-metrics`, placeholder: "the scenario's",
    title: "binary: auc, auprc, accuracy, f1, logLoss, ks, gini; multiclass: accuracy, macroAccuracy, logLoss, macroF1; regression: rmse, mae, r2" });
  const metricList = h("datalist", { id: `${prefix}-metrics` }, ["auc", "auprc", "accuracy", "f1", "logLoss", "ks", "gini", "macroAccuracy", "macroF1", "rmse", "mae", "r2"].map(m => h("option", { value: m })));
  // One-off experiments only: the share of rows held out of the sweep to test its winner on (the API's holdoutFraction).
  // A schedule's holdoutFraction is its promotion holdout, which its own form does not ask for.
  const holdout = prefix === "exp" ? h("input", { id: `${prefix}-holdout`, type: "number", min: 0.05, max: 0.5, step: 0.05, placeholder: "none" }) : null;
  const model = h("input", { id: `${prefix}-model`, required: true, pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}", placeholder: "e.g. credit-risk", title: "Letters, digits, dot, dash and underscore; up to 64 characters." });
  // Recommendation needs the user and item columns; its label is the optional rating column.
  const userSelect = h("select", { id: `${prefix}-user` });
  const itemSelect = h("select", { id: `${prefix}-item` });
  const field = (label, control) => h("div", {}, h("label", { for: control.id }, label), control);
  const labelField = field("Label column", labelSelect);
  const positiveField = field("Positive class", positiveSelect);
  const userField = field("User column", userSelect);
  const itemField = field("Item column", itemSelect);
  // The task is inferred from the label (whole numbers with few values are classes) unless picked here.
  const taskSelect = h("select", { id: `${prefix}-task` },
    [h("option", { value: "" }, "(infer from the label)"), ...["binary", "multiclass", "regression"].map(t => h("option", { value: t }, t))]);
  const taskField = field("Task", taskSelect);
  const ignoreField = field("Ignore columns", ignoreSelect);
  const metricField = h("div", {}, h("label", { for: metricInput.id }, "Metric (optional)"), metricInput, metricList);
  const holdoutField = holdout ? field("Test holdout share (optional)", holdout) : null;
  const isRecommendation = () => scenario.value === "recommendation";
  const pick = (columns, pattern, fallbackIndex) => (columns.find(c => pattern.test(c.name)) || columns[fallbackIndex] || {}).name || "";
  let wasRecommendation = false;
  const fillRecommendation = () => {
    const recommendation = isRecommendation();
    const switched = recommendation !== wasRecommendation;
    wasRecommendation = recommendation;
    const d = datasets.find(x => String(x.id) === datasetSelect.value);
    const columns = d?.columns || [];
    userField.hidden = itemField.hidden = !recommendation;
    positiveField.hidden = taskField.hidden = ignoreField.hidden = metricField.hidden = recommendation;
    if (holdoutField) holdoutField.hidden = recommendation;
    userSelect.required = itemSelect.required = recommendation;
    labelSelect.required = !recommendation;
    labelField.querySelector("label").textContent = recommendation ? "Rating column (optional)" : "Label column";
    if (!recommendation) { if (switched) fillLabels(); return; }
    const options = () => columns.map(c => h("option", { value: c.name }, `${c.name} · ${String(c.type).toLowerCase()}`));
    userSelect.replaceChildren(...options());
    itemSelect.replaceChildren(...options());
    userSelect.value = pick(columns, /user|customer|visitor|member/i, 0);
    itemSelect.value = pick(columns, /item|product|movie|sku|article|brand/i, 1);
    const numeric = columns.filter(c => ["numeric", "boolean"].includes(String(c.type).toLowerCase()));
    labelSelect.replaceChildren(h("option", { value: "" }, "(none: implicit feedback)"), ...numeric.map(c => h("option", { value: c.name }, c.name)));
    labelSelect.value = pick(numeric, /rating|score|stars/i, -1);
    positiveSelect.replaceChildren();
  };
  scenario.addEventListener("change", fillRecommendation);
  datasetSelect.addEventListener("change", () => { if (isRecommendation()) fillRecommendation(); });
  fillRecommendation();
  // Fraud validates on the latest rows by a time column: found automatically unless one is picked here.
  const timeSelect = h("select", { id: `${prefix}-time` });
  const timeField = field("Time column (fraud)", timeSelect);
  // Fraud's alert threshold: for a share of the positives to catch, or a number of alerts per 1,000 rows (the API's
  // targetRecall and alertBudget; one of the two, else the scenario's 80 % recall).
  const targetRecall = h("input", { id: `${prefix}-target-recall`, type: "number", min: 0.01, max: 1, step: 0.01, placeholder: "0.8" });
  const alertBudget = h("input", { id: `${prefix}-alert-budget`, type: "number", min: 0.1, max: 1000, step: 0.1, placeholder: "instead of a recall" });
  const recallField = field("Alert threshold: target recall (fraud)", targetRecall);
  const budgetField = field("Alert threshold: alerts per 1,000 rows (fraud)", alertBudget);
  const fillTime = () => {
    const fraud = scenario.value === "fraud";
    timeField.hidden = recallField.hidden = budgetField.hidden = !fraud;
    if (!fraud) return;
    const d = datasets.find(x => String(x.id) === datasetSelect.value);
    const times = (d?.columns || []).filter(c => ["datetime", "numeric"].includes(String(c.type).toLowerCase()) && c.name !== labelSelect.value);
    timeSelect.replaceChildren(h("option", { value: "" }, "(detect: the first date-time column)"),
      ...times.map(c => h("option", { value: c.name }, `${c.name} · ${String(c.type).toLowerCase()}`)));
  };
  for (const control of [scenario, datasetSelect, labelSelect]) control.addEventListener("change", fillTime);
  fillTime();
  return {
    nodes: [field("Dataset", datasetSelect), field("Scenario", scenario), labelField, positiveField, taskField, ignoreField, timeField, recallField, budgetField, userField, itemField,
      field("Budget (seconds)", budget), field("Max trials (optional)", maxTrials), metricField, holdoutField, field("Model name", model)].filter(Boolean),
    read: () => {
      const body = { datasetId: datasetSelect.value, label: labelSelect.value, scenario: scenario.value, budgetSeconds: Number(budget.value), modelName: model.value.trim() };
      if (isRecommendation()) {
        body.userColumn = userSelect.value;
        body.itemColumn = itemSelect.value;
        if (!body.label) delete body.label;
      } else {
        if (positiveSelect.value) body.positiveClass = positiveSelect.value;
        const ignored = [...ignoreSelect.selectedOptions].map(o => o.value);
        if (ignored.length) body.ignoreColumns = ignored;
        if (taskSelect.value) body.task = taskSelect.value;
        if (metricInput.value.trim()) body.metric = metricInput.value.trim();
        if (holdout?.value.trim()) body.holdoutFraction = Number(holdout.value);
      }
      if (scenario.value === "fraud" && timeSelect.value) body.timestampColumn = timeSelect.value;
      if (scenario.value === "fraud" && targetRecall.value.trim()) body.targetRecall = Number(targetRecall.value);
      if (scenario.value === "fraud" && alertBudget.value.trim()) body.alertBudget = Number(alertBudget.value);
      if (maxTrials.value.trim()) body.maxTrials = Number(maxTrials.value);
      return body;
    },
  };
}

function experimentsTable(list, empty = "No experiment yet.") {
  return table([
    { title: "Model", render: x => h("a", { href: `#/experiments/${encodeURIComponent(x.id)}`, class: "row-link" }, h("strong", {}, x.modelName || x.id)) },
    { title: "Scenario", render: x => x.scenario || "—" },
    { title: "Status", render: x => badge(x.status) },
    { title: "Progress", render: x => progressBar(progressFraction(x), x.status) },
    { title: "Trials", num: true, render: x => int(x.progress?.trialsCompleted) },
    { title: "Best score", num: true, render: x => num(x.progress?.bestScore) },
    { title: "Created", render: x => when(x.createdAt) },
  ], list, x => { location.hash = `#/experiments/${x.id}`; }, { id: "experiments-table", empty });
}

async function experimentsPage({ params, mount }) {
  const listPath = `/api/experiments?page=${pageOf(params)}&pageSize=${PAGE_SIZE}`;
  const [experiments, datasets] = await Promise.all([api(listPath), api(`/api/datasets?pageSize=${DATASET_PICKER_PAGE}`)]);
  const dsList = items(datasets);
  // The form lists the newest 500 datasets, and its picker pages through older ones; one named by the link (a dataset
  // page's "New experiment") is read on its own when older, so the form starts on it rather than silently on the
  // newest. One that is gone is said.
  const wanted = params.get("dataset");
  let wantedProblem = null;
  if (wanted && !dsList.some(d => String(d.id) === wanted)) {
    try { dsList.unshift(await api(`/api/datasets/${encodeURIComponent(wanted)}`)); } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      wantedProblem = problemBox("exp-dataset-problem", e);
    }
  }
  const fields = experimentFields(dsList, wanted, "exp");
  const datasetField = fields.nodes[0];
  datasetField.append(...datasetPicker(datasetField.querySelector("select"), dsList, datasets?.total ?? dsList.length, "exp"));
  const form = h("form", { class: "inline", id: "experiment-form" }, ...fields.nodes,
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Start experiment")));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const created = await api("/api/experiments", { method: "POST", body: fields.read() });
      toast("Experiment queued");
      location.hash = `#/experiments/${created.id}`;
    } catch (err) { toast(problemText(err), true); button.disabled = false; }
  });

  let page = experiments;
  let list = items(page);
  let refreshProblem = null;
  const listContent = () => [h("h2", {}, "Experiments ", h("span", { class: "count" }, int(page?.total ?? list.length))),
    refreshProblem ? h("p", { class: "error", id: "experiments-refresh", role: "alert" }, refreshProblem) : null,
    experimentsTable(list, emptyPage("experiments", page, params, "experiment", "No experiment yet.")), pager("experiments", page, params)];
  const listCard = h("section", { class: "card", id: "experiments-list" }, ...listContent());
  mount(
    h("section", { class: "card" }, h("h2", {}, "New experiment"),
      dsList.length
        ? [h("p", { class: "muted hint" }, "The sweep compares general-purpose and scenario-specialised candidates on the same validation rows within the budget; the winner becomes a new version of the model."), wantedProblem, form]
        : h("p", { class: "muted" }, "Upload a dataset first.")),
    listCard);
  // While sweeps run, refresh the list only: the form above keeps what the user typed, and a link that has the
  // keyboard focus has it again after the refresh. A failed refresh (the network, a 5xx) is said above the table and
  // retried, backing off to 30 s, rather than ending the updates for good.
  const active = () => list.some(x => x.status === "queued" || x.status === "running");
  await followList(mount, () => (active() ? 2000 : null), async () => { page = await api(listPath); list = items(page); }, problem => {
    refreshProblem = problem;
    const focused = listCard.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    listCard.replaceChildren(...listContent().filter(n => n !== null));
    if (focused) [...listCard.querySelectorAll("a[href]")].find(a => a.getAttribute("href") === focused)?.focus();
  });
}

/**
 * Keeps a page's list following the API while the page is shown: waits interval() ms (null ends the updates), runs
 * load(), then draw(problem). A failed load (the network, a 5xx) is passed to draw as "Updates paused: …" and retried
 * after 4, 8, 16, then every 30 s, rather than ending the updates for good; a refused key (401) ends them.
 */
async function followList(mount, interval, load, draw) {
  let failures = 0;
  for (let every = interval(); every !== null && mount.current(); every = interval()) {
    await new Promise(r => setTimeout(r, failures === 0 ? every : Math.min(30000, 2000 * 2 ** failures)));
    if (!mount.current()) break;
    let problem = null;
    try {
      await load();
      failures = 0;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) break;
      failures++;
      problem = `Updates paused: ${problemText(e).replace(/[\s.]*$/, ".")} Retrying in ${Math.min(30, 2 * 2 ** failures)} s.`;
    }
    if (!mount.current()) break;
    draw(problem);
  }
}

function progressFraction(x) {
  // A sweep that succeeded is done whatever budget it used; one that failed or was cancelled shows where it stopped.
  if (x.status === "succeeded") return 1;
  const p = x.progress || {};
  const byTime = p.budgetSeconds ? (p.elapsedSeconds || 0) / p.budgetSeconds : 0;
  // A sweep capped by its trial count ends when they are done, whatever the budget; the last trials are followed by
  // the selection and the refit, so the bar waits at 95 % for them.
  const byTrials = p.maxTrials ? Math.min(0.95, (p.trialsCompleted || 0) / p.maxTrials) : 0;
  return Math.max(byTime, byTrials);
}

async function experimentPage({ id, mount }) {
  let metric = null;
  const render = x => {
    const running = x.status === "queued" || x.status === "running";
    const leaderboard = x.leaderboard || [];
    const winner = x.winner;
    const p = x.progress || {};
    // The sweep's progress names its metric and direction from the first trial on; older rows leave it to the model.
    const scoreName = metricName(p.metric || metric);
    const higherIsBetter = p.higherIsBetter ?? !LOWER_IS_BETTER.has(p.metric || metric);
    const perUser = x.scenario === "recommendation";
    const elapsed = Math.min(p.elapsedSeconds || 0, p.budgetSeconds || Infinity);
    mount(
      h("section", { class: "card" },
        h("div", { class: "head" },
          h("h2", {}, `${x.modelName || "Experiment"} `, h("span", { id: "exp-status" }, badge(x.status)), " ", h("span", { class: "muted small" }, `${x.scenario} scenario`)),
          running ? h("button", { class: "danger", id: "exp-cancel", onclick: async () => {
            if (!await confirmAction("Cancel experiment", "Stop this sweep? Finished trials are kept.", { reason: false })) return;
            try { await api(`/api/experiments/${x.id}/cancel`, { method: "POST" }); toast("Cancellation requested"); } catch (e) { toast(problemText(e), true); }
          } }, "Cancel") : null),
        h("div", { class: "progress-line" },
          h("div", { id: "exp-progress-wrap" }, progressBar(progressFraction(x), x.status)),
          h("span", { class: "muted", id: "exp-progress-text" }, x.status === "queued" ? "waiting for a worker…"
            : `${int(p.trialsCompleted)}${p.maxTrials ? ` of ${int(p.maxTrials)}` : ""} trials · ${num(elapsed, 1)} s of ${num(p.budgetSeconds, 0)} s`, running ? [" · ", liveIndicator()] : null)),
        h("dl", { class: "kv wide", style: "margin-top:.8rem" },
          h("dt", {}, "Best trial"), h("dd", {}, p.bestScore == null ? "—" : `${num(p.bestScore)} ${scoreName}` + (p.bestCandidate ? ` (${p.bestCandidate})` : "")),
          h("dt", {}, "Runs on"), h("dd", {}, (x.attempts || []).map(a => `${a.node} (${a.outcome || "running"})`).join(", ") || "—"),
          winner ? [h("dt", {}, "Winner"), h("dd", { id: "winner" }, h("strong", {}, winner.candidate), " ", badge(winner.kind), " → ",
            winner.modelName ? h("a", { href: `#/models/${encodeURIComponent(winner.modelName)}` }, `${winner.modelName} v${winner.modelVersion}`) : "—")] : null,
          winner?.reason ? [h("dt", {}, "Why"), h("dd", {}, winner.reason)] : null,
          // With a test dataset or a holdout, every metric of the winner on rows the sweep never saw.
          x.test ? [h("dt", {}, "Test"), h("dd", { id: "exp-test" }, Object.entries(x.test).filter(([k]) => k !== "predictMicrosecondsPerRow")
            .map(([k, v]) => `${metricName(k)} ${fixed(v, 4)}`).join(" · "))] : null,
          // What the sweep noticed about the data (an id-like column, classes too rare for some folds, rows left out).
          x.notes?.length ? [h("dt", {}, "Notes"), h("dd", { id: "exp-notes" }, h("ul", {}, x.notes.map(n => h("li", {}, n))))] : null,
          // The stored model is the refit on all training rows, or, when the budget had no time for it, the model of
          // the validation folds (a smaller training set): users should know which one they serve.
          winner && typeof winner.refittedOnAllData === "boolean" ? [h("dt", {}, "Model"), h("dd", { id: "winner-refit" }, winner.refittedOnAllData
            ? "refitted on all training rows"
            : "the validation-fold model: the budget left no time to refit it on all training rows")] : null,
          // A cancellation is what someone asked for, not an error.
          x.error ? [h("dt", {}, x.status === "cancelled" ? "Cancelled" : "Error"), h("dd", { class: x.status === "cancelled" ? "" : "error", id: "exp-error" }, x.error)] : null)),
      h("section", { class: "card" },
        h("div", { class: "head" }, h("h2", {}, "Leaderboard ", h("span", { class: "count" }, int(leaderboard.length))),
          h("div", { class: "legend" }, badge("general"), h("span", {}, "general-purpose trainer"), badge("specialised"), h("span", {}, "built for this scenario"))),
        table([
          { title: "#", num: true, render: r => r.rank },
          { title: "Candidate", render: r => [h("strong", {}, r.candidate), winner && r.rank === winner.rank ? [" ", badge("winner")] : null] },
          { title: "Kind", render: r => badge(r.kind) },
          { title: "Trainer", render: r => r.trainer },
          { title: scoreName, num: true, render: r => fixed(r.validationScore, 4) },
          { title: "± spread", num: true, render: r => fixed(r.validationSpread, 3) },
          { title: "Re-evaluated", num: true, render: r => fixed(r.selectionScore, 4) },
          ...(x.test ? [{ title: `Test ${scoreName}`, num: true, render: r => fixed(r.testScore, 4) }] : []),
          { title: "Fit CPU s", num: true, render: r => fixed(r.fitSeconds, 2) },
          { title: perUser ? "µs/user" : "µs/row", num: true, render: r => fixed(r.predictMicrosecondsPerRow, 2) },
          { title: "Size", num: true, render: r => bytes(r.modelBytes) },
          { title: "Parameters", render: r => h("code", { class: "clip params", title: fullParams(r.parameters) }, compactParams(r.parameters)) },
        ], leaderboard.map(r => ({ ...r, __class: winner && r.rank === winner.rank ? "winner" : "" })), null,
          { id: "leaderboard", empty: running ? "The leaderboard appears when the sweep finishes: every candidate is then scored on the same validation rows." : "No candidate finished." })),
      h("div", { class: "grid2" },
        h("section", { class: "card", id: "chart-score" }, h("h3", {}, "Score vs elapsed time"), scoreVsTime(x, scoreName, higherIsBetter)),
        h("section", { class: "card", id: "chart-cost" }, h("h3", {}, "Cost vs quality"),
          leaderboard.length ? costVsQuality(leaderboard, scoreName, perUser) : h("p", { class: "empty" }, running ? "Appears with the leaderboard when the sweep finishes." : "No candidate finished.")),
        ...curves(x)),
      unscoredTrials(x.trials || []));
  };

  let x = await api(`/api/experiments/${encodeURIComponent(id)}`);
  const learnMetric = async () => {
    if (metric || !x.winner?.modelName) return;
    try {
      const m = await api(`/api/models/${encodeURIComponent(x.winner.modelName)}`);
      metric = (m.versions || []).find(v => v.version === x.winner.modelVersion)?.metrics?.metric || null;
    } catch { /* the label stays generic */ }
  };
  await learnMetric();

  // The live stream's state, said truthfully: "connecting…", "live" while events can arrive, "reconnecting…" after
  // a drop (retries back off: 1, 2, 4, 8 s), then "offline" with a Retry button. Each reconnection re-reads the
  // experiment, since events sent while the page was cut off are lost.
  let live = { state: "connecting" };
  const liveIndicator = () => h("span", { id: "exp-live", class: `live ${live.state}` },
    live.state === "connecting" ? "connecting…"
      : live.state === "live" ? "live"
      : live.state === "reconnecting" ? `reconnecting… (attempt ${live.attempt} of ${RECONNECT_DELAYS_MS.length})`
      : [`offline: ${live.why} `, h("button", { id: "exp-retry", class: "small", onclick: () => follow() }, "Retry")]);
  const setLive = next => {
    live = next;
    const node = document.getElementById("exp-live");
    if (node && mount.current()) node.replaceWith(liveIndicator());
  };

  render(x);
  const isRunning = () => x.status === "queued" || x.status === "running";
  // One re-read at a time; an event arriving meanwhile asks for one more, so the last state is never skipped.
  let pending = null, again = false;
  const refresh = () => {
    if (!mount.current()) return Promise.resolve(false);
    if (pending) { again = true; return pending; }
    pending = (async () => {
      try {
        do {
          again = false;
          x = await api(`/api/experiments/${encodeURIComponent(id)}`);
          await learnMetric();
          render(x);
        } while (again && mount.current());
        return true;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) console.warn("could not re-read the experiment", e);
        return false;
      } finally { pending = null; }
    })();
    return pending;
  };

  let following = false, connections = 0;
  const follow = async () => {
    if (following) return;
    following = true;
    try {
      let failures = 0;
      setLive({ state: "connecting" });
      while (mount.current() && isRunning()) {
        const { outcome, problem } = await streamEvents(`/api/experiments/${encodeURIComponent(id)}/events`, () => refresh(), () => {
          failures = 0;
          setLive({ state: "live" });
          if (connections++ > 0) refresh();
        });
        if (outcome === "aborted" || !mount.current()) return;
        // Whatever ended the stream, the experiment itself says whether there is anything left to follow.
        await refresh();
        if (!isRunning()) return;
        if (outcome === "refused") {
          setLive({ state: "offline", why: problemText(problem) });
          return;
        }
        if (failures >= RECONNECT_DELAYS_MS.length) {
          setLive({ state: "offline", why: "the live stream dropped and did not come back; updates stopped." });
          return;
        }
        const delay = RECONNECT_DELAYS_MS[failures++];
        setLive({ state: "reconnecting", attempt: failures });
        await new Promise(r => setTimeout(r, delay));
      }
    } finally { following = false; }
  };
  if (isRunning()) follow();
}

/** Waits before each reconnection of a dropped live stream; after the last, the page says it is offline. */
const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000];

function paramText(k, v) { return `${k}=${typeof v === "number" ? num(v, 4) : v}`; }
function fullParams(p) { return p ? Object.entries(p).map(([k, v]) => paramText(k, v)).join("\n") : ""; }
function compactParams(p) {
  if (!p) return "—";
  return Object.entries(p).map(([k, v]) => paramText(k, v)).join("  ") || "—";
}

const KIND_COLOR = { general: "#4b5fa8", specialised: "#c46a00" };

/** Metrics where a smaller value is the better model (the rest: larger is better). */
const LOWER_IS_BETTER = new Set(["rmse", "mae", "logLoss"]);

function scoreVsTime(x, scoreName, higherIsBetter) {
  const trials = (x.trials || []).filter(t => Number.isFinite(t.score));
  const points = trials.map(t => [t.elapsedSeconds ?? 0, t.score]).sort((a, b) => a[0] - b[0]);
  const best = [];
  let b = null;
  for (const p of points) { if (b === null || (higherIsBetter ? p[1] > b : p[1] < b)) b = p[1]; best.push([p[0], b]); }
  const failed = (x.trials || []).length - trials.length;
  return [
    Charts.line("Score vs elapsed time", [
      { name: "trial", color: "#9fb3cf", points, dots: true, noLine: true },
      { name: "best so far", color: "#1f6feb", points: best, step: true },
    ], "elapsed time (s)", scoreName),
    h("div", { class: "legend" }, h("span", {}, h("i", { style: "background:#9fb3cf" }), "one trial"), h("span", {}, h("i", { class: "bar", style: "background:#1f6feb" }), "best so far"),
      failed > 0 ? h("span", {}, `${failed} trial${failed > 1 ? "s" : ""} without a score (failed or stopped by the budget)`) : null),
  ];
}

/**
 * The trials that ended without a score (failed, pruned by a constraint, or stopped by a time cap), each with its
 * candidate and the reason recorded for it: a failed trial does not stop a sweep, but its user should see why it failed.
 */
function unscoredTrials(trials) {
  const unscored = trials.filter(t => t.status && t.status !== "succeeded");
  if (!unscored.length) return null;
  const how = { failed: "failed", pruned: "pruned", timedout: "timed out" };
  return h("section", { class: "card", id: "unscored-trials" },
    h("h3", {}, "Trials without a score ", h("span", { class: "count" }, int(unscored.length))),
    table([
      { title: "#", num: true, render: t => t.trial },
      { title: "Candidate", render: t => [t.candidate, " ", badge(t.kind)] },
      { title: "Ended", render: t => how[t.status] || t.status },
      { title: "Why", wrap: true, render: t => h("span", { class: t.status === "failed" ? "error" : "" }, t.error || "—") },
    ], unscored, null, { id: "unscored-trials-table" }));
}

function costVsQuality(leaderboard, scoreName, perUser) {
  // A recommender's cost is timed per user's top-10 request, a tabular model's per scored row.
  const unit = perUser ? "µs per user top-10" : "µs per row";
  const rows = leaderboard.filter(r => Number.isFinite(r.validationScore));
  return [
    Charts.scatter("Cost vs quality", rows.map(r => ({
      x: Math.max(r.predictMicrosecondsPerRow || 0.01, 0.01), y: r.validationScore,
      color: KIND_COLOR[r.kind] || "#666", text: r.candidate,
      r: 4 + Math.min(5, Math.log10(Math.max(r.modelBytes || 1, 1))),
      label: `${r.candidate} (${r.kind}): ${num(r.validationScore)} at ${num(r.predictMicrosecondsPerRow, 2)} ${unit}, ${bytes(r.modelBytes)}`,
    })), `prediction cost (${unit}, log scale)`, scoreName, { logX: true }),
    h("div", { class: "legend" }, h("span", {}, h("i", { style: `background:${KIND_COLOR.general}` }), "general"), h("span", {}, h("i", { style: `background:${KIND_COLOR.specialised}` }), "specialised"),
      h("span", {}, "dot size grows with model size")),
  ];
}

function auc(points) {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += (points[i][0] - points[i - 1][0]) * (points[i][1] + points[i - 1][1]) / 2;
  return Math.abs(area);
}

function curves(x) {
  const c = x.winner?.curves;
  const who = x.winner ? `${x.winner.candidate}` : "the winner";
  if (!c?.roc?.length && !c?.pr?.length) {
    const why = x.winner ? "ROC and precision-recall curves are drawn for binary classification winners." : "Curves appear when the sweep has a winner.";
    return [h("section", { class: "card", id: "chart-roc" }, h("h3", {}, "ROC and precision-recall"), h("p", { class: "empty" }, why))];
  }
  return [
    h("section", { class: "card", id: "chart-roc" }, h("h3", {}, `ROC curve of ${who} `, h("span", { class: "muted small" }, `area ${num(auc(c.roc), 3)}`)),
      Charts.line("ROC curve", [{ color: "#1f6feb", points: c.roc }], "false positive rate", "true positive rate", { xDomain: [0, 1], yDomain: [0, 1], diagonal: true })),
    h("section", { class: "card", id: "chart-pr" }, h("h3", {}, `Precision-recall curve of ${who}`),
      Charts.line("Precision-recall curve", [{ color: "#c46a00", points: c.pr }], "recall", "precision", { xDomain: [0, 1], yDomain: [0, 1] })),
  ];
}

// ---------- models ----------
async function modelsPage({ mount }) {
  const list = items(await api("/api/models"));
  mount(h("section", { class: "card" }, h("h2", {}, "Models ", h("span", { class: "count" }, int(list.length))),
    h("p", { class: "muted hint" }, "Each successful experiment adds a version. The first version of a model becomes champion; later ones are candidates until promoted."),
    table([
      { title: "Model", render: m => h("a", { href: `#/models/${encodeURIComponent(m.name)}`, class: "row-link" }, h("strong", {}, m.name)) },
      { title: "Champion", render: m => m.champion ? badge(`v${m.champion}`, "champion") : "—" },
      { title: "Versions", num: true, render: m => int(m.versions) },
    ], list, m => { location.hash = `#/models/${encodeURIComponent(m.name)}`; }, { id: "models-table", empty: "No model yet: a successful experiment creates one." })));
}

async function modelPage({ id: name, mount }, carried = null) {
  const m = await api(`/api/models/${encodeURIComponent(name)}`);
  const tryIt = await tryItPanel(m, carried);
  // After a promote, roll back or version delete the page is drawn again from the API, and "Try it" keeps what the
  // user typed in it (the version picked, while it still exists, and every field by its column or id).
  const redraw = async () => {
    try { await modelPage({ id: name, mount }, tryItState(tryIt)); } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast(problemText(e), true);
    }
  };
  const versions = [...(m.versions || [])].sort((a, b) => b.version - a.version);
  const history = [...(m.history || [])].sort((a, b) => b.when - a.when);
  const path = `/api/models/${encodeURIComponent(m.name)}`;
  const act = async (title, text, url) => {
    const answer = await confirmAction(title, text);
    if (!answer) return;
    try { await api(url, { method: "POST", body: answer }); toast(`${title}: done`); await redraw(); } catch (e) { toast(problemText(e), true); }
  };
  // A refused delete (409: the champion, a schedule or an experiment still using the model) stays on the page as the
  // API said it, above the versions, until the next action.
  const problem = h("div", { id: "model-problem", "aria-live": "polite" });
  const remove = async (title, text, url, done) => {
    problem.replaceChildren();
    if (!await confirmAction(title, text, { reason: false })) return;
    try { await api(url, { method: "DELETE" }); toast(`${title}: done`); done(); } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) problem.replaceChildren(problemBox("delete-error", e));
    }
  };
  const champions = history.filter(e => e.to === "champion").length;
  mount(
    h("section", { class: "card" },
      h("div", { class: "head" }, h("h2", {}, m.name, " ", m.champion ? h("span", { class: "muted small" }, `champion v${m.champion}`) : null),
        h("div", { class: "row nowrap" },
          h("button", { id: "rollback", disabled: champions < 2, title: champions < 2 ? "There is no earlier champion to restore." : null,
            onclick: () => act("Roll back", `Restore the previous champion of ${m.name}? The current champion is archived; predictions switch at once.`, `${path}/rollback`) }, "Roll back"),
          h("button", { id: "delete-model", class: "danger",
            onclick: () => remove("Delete model", `Delete ${m.name} with its ${versions.length} version(s), their artifacts and the stage history? Predictions answer 404 at once; a model stored later under this name starts again at v1.`,
              path, () => { location.hash = "#/models"; }) }, "Delete model"))),
      problem,
      table([
        { title: "Version", render: v => h("strong", {}, `v${v.version}`) },
        { title: "Stage", render: v => badge(v.stage) },
        { title: "Score", num: true, render: v => v.metrics ? `${num(v.metrics.validationScore)} ${v.metrics.metric || ""}` : "—" },
        { title: "Candidate", render: v => v.lineage?.candidate || "—" },
        { title: "Trained on", render: v => v.lineage ? h("code", { title: v.lineage.datasetSha256 }, (v.lineage.datasetSha256 || "").slice(0, 10)) : "—" },
        { title: "Experiment", render: v => v.lineage?.experimentId ? h("a", { href: `#/experiments/${v.lineage.experimentId}` }, v.lineage.experimentId.slice(0, 8)) : "—" },
        { title: "Created", render: v => when(v.createdAt) },
        { title: "", render: v => v.stage === "champion" ? "" : h("div", { class: "row nowrap" },
            h("button", { class: "primary small", "data-version": v.version, onclick: e => { e.stopPropagation(); act("Promote", `Make v${v.version} the champion of ${m.name}? v${m.champion ?? "—"} is archived; predictions switch at once.`, `${path}/versions/${v.version}/promote`); } }, "Promote"),
            h("button", { class: "danger small", "data-delete-version": v.version, onclick: e => { e.stopPropagation(); remove("Delete version", `Delete v${v.version} of ${m.name} and its artifact? Its history stays; its number is never given to another version.`, `${path}/versions/${v.version}`, redraw); } }, "Delete")) },
      ], versions.map(v => ({ ...v, __class: `stage-${v.stage}` })), null, { id: "versions-table" })),
    h("section", { class: "card" }, h("h2", {}, "Stage history"),
      table([
        { title: "When", render: e => when(e.when) },
        { title: "Version", render: e => `v${e.version}` },
        { title: "Change", render: e => [e.from ? badge(e.from) : h("span", { class: "muted" }, "new"), " → ", badge(e.to)] },
        { title: "Who", render: e => h("code", {}, e.who || "—") },
        { title: "Why", render: e => e.why || "—" },
      ], history, null, { id: "history-table", empty: "No stage change yet." })),
    tryIt);
}

// ---------- try a served model ----------
/**
 * The "Try it" card of a model's page: a one-row predict form for a tabular model (one field per input column, from
 * GET /api/models/{name}/schema), or top-N recommendations and similar items for a recommender. By default it calls
 * the champion, without ?version, so it answers exactly what the model's callers get; the version picker calls one
 * version instead (?version=N on the schema and on every call).
 */
async function tryItPanel(m, carried = null) {
  const card = h("section", { class: "card", id: "try-it" }, h("h2", {}, "Try it ", m.champion ? h("span", { class: "muted small" }, `champion v${m.champion}`) : null));
  if (!m.champion) {
    card.append(h("p", { class: "empty" }, "No champion to try: promote a version first."));
    return card;
  }
  const picker = h("select", { id: "try-version" },
    h("option", { value: "" }, `champion (v${m.champion})`),
    [...(m.versions || [])].sort((a, b) => b.version - a.version).map(v => h("option", { value: v.version }, `v${v.version} (${v.stage})`)));
  const body = h("div", { id: "try-body" });
  // A slow answer for a version picked earlier must not replace the form of the one picked since.
  let current = 0;
  const load = async () => {
    const ticket = ++current;
    const version = picker.value ? Number(picker.value) : null;
    let parts;
    try {
      const schema = await api(`/api/models/${encodeURIComponent(m.name)}/schema${version ? `?version=${version}` : ""}`);
      const lineage = (m.versions || []).find(v => v.version === schema.version)?.lineage;
      parts = schema.kind === "recommender" ? recommenderTry(m.name, schema, version) : await tabularTry(m.name, schema, lineage, version);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      parts = [h("p", { class: "error", id: "try-load-error", role: "alert" }, problemText(e))];
    }
    if (ticket === current) body.replaceChildren(...parts);
  };
  picker.addEventListener("change", () => { load().catch(() => { /* 401: already signed out */ }); });
  card.append(h("div", { class: "row nowrap" }, h("label", { for: "try-version" }, "Version"), picker), body);
  if (carried?.version && [...picker.options].some(o => o.value === carried.version)) picker.value = carried.version;
  await load();
  if (carried) {
    for (const input of body.querySelectorAll("input")) {
      const value = carried.values.get(input.dataset.column ? `column:${input.dataset.column}` : `id:${input.id}`);
      if (value !== undefined) input.value = value;
    }
  }
  return card;
}

/** What the user has typed in a "Try it" card: the version picked and each field's value. */
function tryItState(card) {
  const values = new Map();
  for (const input of card.querySelectorAll("#try-body input")) {
    values.set(input.dataset.column ? `column:${input.dataset.column}` : `id:${input.id}`, input.value);
  }
  return { version: card.querySelector("#try-version")?.value || "", values };
}

/** The query string that pins a call to one version, or nothing for the champion. */
const versionQuery = (version, sep) => version ? `${sep}version=${version}` : "";

/** The problem details of a failed call, with the fields it names; inputs named by a field error are marked. */
function problemBox(id, err, inputsByColumn) {
  const p = err instanceof ApiError ? (err.problem || {}) : {};
  const fieldErrors = Object.entries(p.errors || {}).map(([k, v]) => [k.replace(/^rows\[0\]\.?/, "") || "row", [].concat(v).join(" ")]);
  for (const [column] of fieldErrors) inputsByColumn?.get(column)?.setAttribute("aria-invalid", "true");
  const head = err instanceof ApiError
    ? [p.title ? h("strong", {}, p.title) : null, p.title ? " " : null, p.detail || (p.title ? "" : "The API gave no details."), err.status ? h("span", { class: "muted small" }, ` (HTTP ${err.status})`) : null]
    : [String(err.message || err)];
  return h("div", { class: "problem", id, role: "alert" }, h("p", {}, head),
    fieldErrors.length ? h("ul", {}, fieldErrors.map(([k, v]) => h("li", {}, h("code", {}, k), ": ", v))) : null);
}

async function tabularTry(name, schema, lineage, version) {
  // The training dataset's profile, when it is still there, suggests values: its top values for a categorical
  // column, the mean of a numeric one.
  let profile = null;
  if (lineage?.datasetId) {
    try { profile = await api(`/api/datasets/${encodeURIComponent(lineage.datasetId)}`); } catch { /* no suggestions */ }
  }
  const columnProfile = column => profile?.columns?.find(c => c.name === column);
  const inputs = new Map();
  const fields = (schema.inputs || []).map((input, i) => {
    const p = columnProfile(input.name);
    const listId = `try-values-${i}`;
    const values = (p?.topValues || []).map(v => v.value);
    const control = h("input", { id: `try-col-${i}`, name: input.name, "data-column": input.name, autocomplete: "off",
      list: values.length && input.type !== "numeric" ? listId : null,
      placeholder: input.type === "numeric" && p?.mean != null ? `e.g. ${num(p.mean, 2)}` : values[0] ? `e.g. ${values[0]}` : input.type });
    control.addEventListener("input", () => control.removeAttribute("aria-invalid"));
    inputs.set(input.name, control);
    return h("div", {}, h("label", { for: control.id }, input.name, " ", h("span", { class: "muted small" }, input.type)), control,
      values.length && input.type !== "numeric" ? h("datalist", { id: listId }, values.map(v => h("option", { value: v }))) : null);
  });
  const typical = () => {
    for (const [column, control] of inputs) {
      const p = columnProfile(column);
      const value = p?.type === "numeric" && p.mean != null ? num(p.mean, 2) : p?.topValues?.[0]?.value;
      if (value !== undefined) { control.value = value; control.removeAttribute("aria-invalid"); }
    }
  };
  const result = h("div", { id: "try-result", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary" }, "Predict");
  const form = h("form", { class: "inline", id: "try-form", novalidate: true }, ...fields,
    h("div", { class: "row nowrap" }, button,
      profile ? h("button", { type: "button", id: "try-typical", onclick: typical, title: "Top value of each categorical column and mean of each numeric one, from the training dataset's profile" }, "Typical values") : null));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    // Every field is sent as typed (the API parses it by the column's type); an empty one is a missing value.
    const row = {};
    for (const [column, control] of inputs) { row[column] = control.value.trim() === "" ? null : control.value; control.removeAttribute("aria-invalid"); }
    button.disabled = true;
    try {
      const answer = await api(`/api/models/${encodeURIComponent(name)}/predict?explain=true${versionQuery(version, "&")}`, { method: "POST", body: { rows: [row] } });
      result.replaceChildren(...predictionView(schema, answer));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) result.replaceChildren(problemBox("try-error", err, inputs));
    } finally { button.disabled = false; }
  });
  const what = schema.task === "regression" ? `predicts ${schema.label}` : `predicts ${schema.label} (${(schema.classes || []).join(", ")})`;
  return [h("p", { class: "muted hint" }, `v${schema.version} ${what} from ${schema.inputs.length} columns. An empty field is sent as a missing value.`), form, result];
}

function predictionView(schema, answer) {
  const p = answer.predictions?.[0] || {};
  const positive = schema.classes?.[1];
  const facts = [h("dt", {}, "Prediction"), h("dd", { id: "try-label" }, h("strong", {}, p.label ?? fixed(p.value, 4)))];
  if (p.probability !== undefined) facts.push(h("dt", {}, `Probability of ${positive}`), h("dd", { id: "try-probability" }, fixed(p.probability, 4)));
  if (p.probabilities) {
    const sorted = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]);
    facts.push(h("dt", {}, "Probabilities"), h("dd", { id: "try-probabilities" }, sorted.map(([c, v]) => h("div", {}, `${c}: ${fixed(v, 4)}`))));
  }
  if (p.score !== undefined) facts.push(h("dt", {}, "Score"), h("dd", { id: "try-score" }, `${fixed(p.score, 2)} points (higher is safer)`));
  if (p.alert !== undefined) facts.push(h("dt", {}, "Alert"), h("dd", { id: "try-alert" }, `${p.alert ? "yes" : "no"} (threshold ${fixed(schema.alertThreshold, 4)})`));
  facts.push(h("dt", {}, "Model"), h("dd", {}, `${answer.model} v${answer.version}`));
  const out = [h("dl", { class: "kv" }, facts)];
  const ex = p.explanation;
  if (ex?.contributions) {
    // Sorted by size whatever order they came in (a stable sort: equal sizes keep the API's order, the model's feature
    // order); bars are scaled to the largest.
    const contributions = [...ex.contributions].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    const largest = Math.max(...contributions.map(c => Math.abs(c.contribution)), 1e-12);
    const toward = schema.task === "binary" ? ` (positive pushes toward ${positive})` : schema.task === "multiclass" ? ` (toward ${p.label})` : "";
    out.push(h("h3", {}, "Why"), h("p", { class: "muted small" }, `Largest per-feature contributions${toward}; baseline ${num(ex.bias)}.`),
      contributions.length
        ? h("ol", { class: "bars", id: "try-contributions" }, contributions.map(c => h("li", { class: c.contribution < 0 ? "neg" : "pos" },
            h("span", { class: "name", title: c.feature }, c.feature),
            h("span", { class: "bar" }, h("i", { style: `width:${(100 * Math.abs(c.contribution) / largest).toFixed(1)}%` })),
            h("span", { class: "value" }, (c.contribution > 0 ? "+" : "") + fixed(c.contribution, 4)))))
        : h("p", { class: "empty" }, "No feature moved this prediction."));
    if (ex.reasonCodes) {
      out.push(h("h3", {}, "Reason codes"), table([
        { title: "Feature", render: r => r.feature },
        { title: "Bin", render: r => h("code", {}, r.bin) },
        { title: "Points", num: true, render: r => fixed(r.points, 2) },
        { title: "Best bin's points", num: true, render: r => fixed(r.maximumPoints, 2) },
      ], ex.reasonCodes, null, { id: "try-reasons", empty: "No points lost: every feature sits in its best bin." }));
    }
  } else if (p.explanationUnavailable || answer.explanationUnavailable) {
    // The model cannot explain (the answer says why), or this row cannot be (a contribution beyond a 32-bit float).
    out.push(h("p", { class: "muted", id: "try-no-explanation" }, `No explanation: ${p.explanationUnavailable || answer.explanationUnavailable}.`));
  }
  return out;
}

function recommenderTry(name, schema, version) {
  const tops = [5, 10, 20, 50, 100];
  const topSelect = id => h("select", { id }, tops.map(n => h("option", { value: n, selected: n === 10 }, `top ${n}`)));
  const list = (id, items) => table([
    { title: "#", num: true, render: r => r.rank },
    { title: "Item", render: r => h("strong", {}, r.item) },
    { title: "Score", num: true, render: r => fixed(r.score, 4) },
  ], items.map((r, i) => ({ ...r, rank: i + 1 })), null, { id, empty: "No item to suggest." });
  const datalist = (id, values) => h("datalist", { id }, (values || []).map(v => h("option", { value: v })));

  // One lookup form: an id (with the model's sample ids offered), how many, and the answer's table or the API's problem.
  const lookup = ({ input, datalistId, label, placeholder, samples, prefix, button, path, show }) => {
    const field = h("input", { id: input, required: true, list: datalistId, autocomplete: "off", placeholder: samples?.[0] ? `e.g. ${samples[0]}` : placeholder });
    const top = topSelect(`${prefix}-top`);
    const result = h("div", { id: `${prefix}-result`, "aria-live": "polite" });
    const form = h("form", { class: "inline", id: `${prefix}-form` },
      h("div", {}, h("label", { for: input }, label), field, datalist(datalistId, samples)),
      h("div", {}, h("label", { for: `${prefix}-top` }, "How many"), top),
      h("div", {}, h("button", { type: "submit", class: "primary" }, button)));
    form.addEventListener("submit", async e => {
      e.preventDefault();
      const id = field.value.trim();
      try {
        const answer = await api(`/api/models/${encodeURIComponent(name)}/${path}/${encodeURIComponent(id)}?top=${top.value}${versionQuery(version, "&")}`);
        result.replaceChildren(...show(answer).filter(Boolean));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) result.replaceChildren(problemBox(`${prefix}-error`, err));
      }
    });
    return [form, result];
  };

  const [userForm, userResult] = lookup({
    input: "rec-user", datalistId: "rec-users", label: "User id", placeholder: "user id", samples: schema.sampleUsers,
    prefix: "rec", button: "Recommend", path: "recommendations",
    show: answer => [
      answer.fallback ? h("p", { class: "muted", id: "rec-fallback" }, answer.fallbackReason === "nothing-learnt"
        ? `User '${answer.user}' is in the training data, but the model learnt nothing from their rows (rated below the relevance threshold, or held out for validation): these are the most popular items they do not have.`
        : `User '${answer.user}' was not in the training data: these are the most popular items.`) : null,
      list("rec-table", answer.items || [])],
  });
  const [itemForm, itemResult] = lookup({
    input: "sim-item", datalistId: "sim-items", label: "Item id", placeholder: "item id", samples: schema.sampleItems,
    prefix: "sim", button: "Similar items", path: "similar",
    show: answer => [list("sim-table", answer.items || [])],
  });

  return [
    h("p", { class: "muted hint" }, `v${schema.version}, a ${schema.recommender} recommender trained on ${int(schema.users)} users and ${int(schema.items)} items.`),
    h("div", { class: "grid2" },
      h("div", {}, h("h3", {}, "Recommendations for a user"), userForm, userResult),
      h("div", {}, h("h3", {}, "Items similar to an item"), itemForm, itemResult)),
  ];
}

// ---------- schedules ----------
const DATASET_PICKER_PAGE = 500;

async function schedulesPage({ mount }) {
  const [schedules, datasets] = await Promise.all([api("/api/schedules"), api(`/api/datasets?pageSize=${DATASET_PICKER_PAGE}`)]);
  let list = items(schedules);
  const dsList = items(datasets);
  const dsName = id => dsList.find(d => d.id === id)?.name || (id ? String(id).slice(0, 8) : "—");
  let refreshProblem = null;
  // The list is drawn again with fresh data; the control that had the keyboard focus (each action button has an id)
  // has it again afterwards.
  const redraw = () => {
    if (!mount.current()) return;
    const focused = listCard.contains(document.activeElement) ? document.activeElement.id : "";
    // replaceChildren, unlike h(), would write an absent part (no problem to report) as the text "null".
    listCard.replaceChildren(...listContent().filter(n => n !== null));
    if (focused) document.getElementById(focused)?.focus();
  };
  // Pause, resume, run now and delete refresh the list only: a new schedule half typed in the form above stays as it is.
  const refreshList = async () => {
    try { list = items(await api("/api/schedules")); refreshProblem = null; } catch (e) { if (!(e instanceof ApiError && e.status === 401)) toast(problemText(e), true); return; }
    redraw();
  };
  const post = async (url, body, done) => {
    try { await api(url, { method: "POST", body }); if (done) toast(done); } catch (e) { toast(problemText(e), true); }
    await refreshList();
  };

  const fields = experimentFields(dsList, null, "sch", SCENARIOS.filter(s => s !== "recommendation"));
  const name = h("input", { id: "sch-name", required: true, maxlength: 100, pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]{0,99}", placeholder: "e.g. weekly-credit-refresh", title: "Letters, digits, dot, dash and underscore; up to 100 characters." });
  const cron = h("input", { id: "sch-cron", required: true, value: "0 0 6 ? * MON", title: "Quartz cron: seconds minutes hours day-of-month month day-of-week" });
  const zone = h("input", { id: "sch-zone", value: "UTC" });
  // A refresh is for new data: by default each fire trains on the newest upload of the chosen dataset's name (the
  // API's datasetName), so next week's extract uploaded under the same name is picked up; pinning sends datasetId.
  const datasetMode = h("select", { id: "sch-dataset-mode" },
    h("option", { value: "name" }, "the newest upload of this name"),
    h("option", { value: "id" }, "this upload only"));
  const field = (label, control) => h("div", {}, h("label", { for: control.id }, label), control);
  const [datasetField, ...otherFields] = fields.nodes;
  datasetField.append(...datasetPicker(datasetField.querySelector("select"), dsList, datasets?.total ?? dsList.length, "sch"));
  const form = h("form", { class: "inline", id: "schedule-form" }, field("Name", name), field("Cron (Quartz)", cron), field("Time zone", zone),
    datasetField, field("Each refresh trains on", datasetMode), ...otherFields,
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Create schedule")));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    try {
      const experiment = fields.read();
      if (datasetMode.value === "name") {
        experiment.datasetName = dsList.find(d => d.id === experiment.datasetId)?.name;
        delete experiment.datasetId;
      }
      await api("/api/schedules", { method: "POST", body: { name: name.value.trim(), cron: cron.value.trim(), timeZone: zone.value.trim() || "UTC", experiment } });
      toast(`Schedule ${name.value.trim()} created`);
      route();
    } catch (err) { toast(problemText(err), true); }
  });

  const listContent = () => [h("h2", {}, "Scheduled refreshes ", h("span", { class: "count" }, int(list.length))),
    refreshProblem ? h("p", { class: "error", id: "schedules-refresh", role: "alert" }, refreshProblem) : null,
    schedulesTable(list, dsName, post, refreshList)];
  const listCard = h("section", { class: "card", id: "schedules-list" }, ...listContent());
  mount(
    h("section", { class: "card" }, h("h2", {}, "New scheduled refresh"),
      dsList.length
        ? [h("p", { class: "muted hint" }, "Re-runs the experiment on its cron (for example 0 0 6 ? * MON is Mondays at 06:00) and promotes the challenger when it beats the champion."), form]
        : h("p", { class: "muted" }, "Upload a dataset first.")),
    listCard);
  // While the page is open the list follows the API (a refresh starting or ending, a schedule changed elsewhere):
  // every 2 s while a refresh is queued or running, else every 5 s. A failed refresh is said above the table and
  // retried, backing off to 30 s, rather than ending the updates for good.
  await followList(mount, () => (list.some(s => s.refreshUnderWay) ? 2000 : 5000), async () => { list = items(await api("/api/schedules")); },
    problem => { refreshProblem = problem; redraw(); });
}

/**
 * Beside a form's dataset select: a filter on the datasets' names and, when the tenant has more datasets than the
 * first page listed, a button that pages through GET /api/datasets for older ones, so no dataset is out of reach.
 */
function datasetPicker(select, dsList, total, prefix) {
  let loadedPages = 1;
  const filter = h("input", { id: `${prefix}-dataset-filter`, type: "search", placeholder: "Filter by name", "aria-label": "Filter datasets by name" });
  const more = h("button", { type: "button", class: "small", id: `${prefix}-dataset-more` });
  const status = h("span", { class: "muted", id: `${prefix}-dataset-count` });
  const describe = () => {
    const left = Math.max(0, total - dsList.length);
    more.hidden = left === 0;
    more.textContent = `Load ${int(Math.min(left, DATASET_PICKER_PAGE))} older`;
    status.textContent = left === 0 ? `${int(dsList.length)} dataset${dsList.length === 1 ? "" : "s"}` : `newest ${int(dsList.length)} of ${int(total)} datasets`;
  };
  const applyFilter = () => {
    const text = filter.value.trim().toLowerCase();
    let firstShown = null;
    for (const option of select.options) {
      option.hidden = text !== "" && !option.textContent.toLowerCase().includes(text);
      if (!option.hidden && firstShown === null) firstShown = option;
    }
    if (select.selectedOptions[0]?.hidden && firstShown) {
      select.value = firstShown.value;
      select.dispatchEvent(new Event("change"));
    }
  };
  filter.addEventListener("input", applyFilter);
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await api(`/api/datasets?page=${loadedPages + 1}&pageSize=${DATASET_PICKER_PAGE}`);
      loadedPages++;
      total = page?.total ?? total;
      const known = new Set(dsList.map(d => String(d.id)));
      for (const d of items(page).filter(x => !known.has(String(x.id)))) {
        dsList.push(d);
        select.append(h("option", { value: d.id }, `${d.name} (${int(d.rowCount)} rows)`));
      }
      applyFilter();
    } catch (e) { toast(problemText(e), true); }
    more.disabled = false;
    describe();
  });
  describe();
  return [h("div", { class: "row nowrap" }, filter, more), status];
}

/** The schedules table of the schedules page, with its actions. */
function schedulesTable(list, dsName, post, refreshList) {
  const path = s => `/api/schedules/${encodeURIComponent(s.name)}`;
  const underWay = s => {
    const r = s.refreshUnderWay;
    if (!r) return null;
    return h("span", { class: "under-way" }, badge(r.status), " ",
      r.experimentId ? h("a", { href: `#/experiments/${encodeURIComponent(r.experimentId)}`, id: `sch-run-link-${s.name}` }, "refresh under way")
        : h("span", { class: "muted" }, r.status === "queued" ? "refresh waiting for a free slot" : "refresh starting"));
  };
  return table([
    { title: "Name", render: s => h("strong", {}, s.name) },
    { title: "Cron", render: s => [h("code", {}, s.cron), " ", h("span", { class: "muted" }, s.timeZone || "UTC")] },
    { title: "Trains", wrap: true, render: s => s.experiment ? `${s.experiment.modelName || "—"} · ${s.experiment.scenario || "auto"} · ${int(s.experiment.budgetSeconds)} s on `
        + (s.experiment.datasetName ? `the newest ${s.experiment.datasetName}` : dsName(s.experiment.datasetId)) : "—" },
    { title: "State", render: s => [s.paused ? [badge("paused"), " ", h("span", { class: "muted", title: s.pausedBy ? `paused by ${s.pausedBy}` : null }, `${s.pauseReason || ""}${s.pausedBy ? ` (${s.pausedBy.split("/").slice(0, 2).join(" · ")})` : ""}`)] : badge("active"),
        s.refreshUnderWay ? [h("br"), underWay(s)] : null] },
    { title: "Next run", render: s => s.paused ? "—" : whenIn(s.nextFireTime, s.timeZone || "UTC") },
    { title: "Last outcome", wrap: true, render: s => s.lastOutcome ? h("span", { title: s.lastOutcome.reason || "" }, badge(s.lastOutcome.status), " ", s.lastOutcome.reason || "") : h("span", { class: "muted" }, "not run yet") },
    { title: "", render: s => h("div", { class: "row nowrap" },
        // Run now: the API refuses a paused schedule or one whose refresh is under way (409), so the button says why instead.
        h("button", { class: "small", id: `sch-run-${s.name}`, disabled: s.paused || !!s.refreshUnderWay,
          title: s.paused ? "Resume the schedule to run it" : s.refreshUnderWay ? `A refresh is already ${s.refreshUnderWay.status}` : "Run the refresh now, once; the cron schedule is unchanged",
          onclick: async () => {
            if (!await confirmAction("Run schedule now", `Run ${s.name}'s refresh now? It trains a challenger on the newest data and promotes it only if it beats the champion; the next scheduled run is unchanged.`, { reason: false })) return;
            post(`${path(s)}/trigger`, undefined, `Refresh of ${s.name} queued`);
          } }, "Run now"),
        s.paused
          ? h("button", { class: "small", id: `sch-resume-${s.name}`, onclick: () => post(`${path(s)}/resume`) }, "Resume")
          : h("button", { class: "small", id: `sch-pause-${s.name}`, onclick: async () => { const a = await confirmAction("Pause schedule", `Pause ${s.name}? It will not fire until resumed.`); if (a) post(`${path(s)}/pause`, a); } }, "Pause"),
        h("button", { class: "small danger", id: `sch-delete-${s.name}`, onclick: async () => {
          if (!await confirmAction("Delete schedule", `Delete ${s.name}? Experiments it started are kept; a refresh under way is cancelled.`, { reason: false })) return;
          try { await api(path(s), { method: "DELETE" }); } catch (e) { toast(problemText(e), true); }
          await refreshList();
        } }, "Delete")) },
  ], list, null, { id: "schedules-table", empty: "No schedule yet." });
}

// ---------- tenants and keys (admin) ----------
// data-scientist first: the API's default role.
const ROLES = ["data-scientist", "consumer", "admin"];
const roleSelect = id => h("select", { id }, ROLES.map(r => h("option", { value: r }, r)));
const ROLES_HINT = "A consumer key may only call the serving routes (predict, schema, recommendations); a data-scientist key also uploads, trains and manages models and schedules; an admin key manages every tenant and its keys.";

async function tenantsPage({ mount }) {
  let list = items(await api("/api/tenants"));
  const name = h("input", { id: "tenant-name", required: true, maxlength: 63, pattern: "[a-z0-9][a-z0-9\\-]{1,62}", placeholder: "e.g. risk", autocomplete: "off",
    title: "2–63 lower-case letters, digits or '-', starting with a letter or digit." });
  const role = roleSelect("tenant-role");
  const form = h("form", { class: "inline", id: "tenant-form" },
    h("div", {}, h("label", { for: "tenant-name" }, "Name"), name),
    h("div", {}, h("label", { for: "tenant-role" }, "Role of its first key"), role),
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Create tenant")));
  // The new tenant's key (shown once) or the API's refusal, as it gave it, until the next create.
  const outcome = h("div", { id: "tenant-outcome", "aria-live": "polite" });
  const listCard = h("section", { class: "card", id: "tenants-list" });
  const drawList = () => listCard.replaceChildren(h("h2", {}, "Tenants ", h("span", { class: "count" }, int(list.length))),
    h("p", { class: "muted hint" }, "Each tenant sees only its own datasets, experiments, models and schedules. The system tenant holds the bootstrap admin key."),
    table([
      { title: "Name", render: t => h("a", { href: `#/tenants/${encodeURIComponent(t.id)}`, class: "row-link" }, h("strong", { class: "clip", title: t.name }, t.name)) },
      { title: "Id", render: t => h("code", { title: t.id }, t.id.slice(0, 8)) },
      { title: "Created", render: t => when(t.createdAt) },
    ], list, t => { location.hash = `#/tenants/${encodeURIComponent(t.id)}`; }, { id: "tenants-table", empty: "No tenant yet." }));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    outcome.replaceChildren();
    try {
      const created = await api("/api/tenants", { method: "POST", body: { name: name.value.trim(), role: role.value } });
      outcome.replaceChildren(keySecret(`Tenant ${created.name} created. Its first key (${created.role}):`, created),
        h("p", {}, h("a", { href: `#/tenants/${encodeURIComponent(created.id)}`, id: "new-tenant-link" }, `Manage the keys of ${created.name} →`)));
      form.reset();
      // The list only: the key shown above stays.
      try { list = items(await api("/api/tenants")); drawList(); } catch (err) { if (!(err instanceof ApiError && err.status === 401)) toast(problemText(err), true); }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) outcome.replaceChildren(problemBox("tenant-error", err));
    }
    button.disabled = false;
  });
  drawList();
  mount(
    h("section", { class: "card" }, h("h2", {}, "New tenant"), h("p", { class: "muted hint" }, `The tenant is created with one key. ${ROLES_HINT}`), form, outcome),
    listCard);
}

async function tenantPage({ id, mount }) {
  const path = `/api/tenants/${encodeURIComponent(id)}/keys`;
  // An unknown tenant is the keys route's 404, shown as the page's problem.
  const [tenants, firstKeys] = await Promise.all([api("/api/tenants"), api(path)]);
  let keys = items(firstKeys);
  const tenant = items(tenants).find(t => t.id === id) || { id, name: id };
  const keyName = k => k.prefix ? `${k.prefix}…` : `key ${k.id.slice(0, 8)}`;
  const role = roleSelect("key-role");
  const form = h("form", { class: "inline", id: "key-form" },
    h("div", {}, h("label", { for: "key-role" }, "Role"), role),
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Create key")));
  const outcome = h("div", { id: "key-outcome", "aria-live": "polite" });
  // A refused revoke or a failed refresh, as the API gave it, above the keys until the next action.
  const problem = h("div", { id: "keys-problem", "aria-live": "polite" });
  const listCard = h("section", { class: "card", id: "keys-list" });
  const refresh = async () => {
    try { keys = items(await api(path)); } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) problem.replaceChildren(problemBox("keys-refresh-error", e));
      return;
    }
    drawKeys();
  };
  const revoke = async k => {
    problem.replaceChildren();
    // Revoking the key this tab signed in with is allowed (a leaked admin key), but said: the next call signs out.
    const own = k.id === signedIn?.keyId ? " It is the key you are signed in with: the dashboard will sign you out." : "";
    if (!await confirmAction("Revoke key", `Revoke ${keyName(k)} (${k.role}) of ${tenant.name}? Every call with it is refused (401) from the next request on; this cannot be undone.${own}`, { reason: false })) return;
    try { await api(`${path}/${encodeURIComponent(k.id)}`, { method: "DELETE" }); toast(`Key ${keyName(k)} revoked`); } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) problem.replaceChildren(problemBox("revoke-error", e));
    }
    await refresh();
  };
  const drawKeys = () => listCard.replaceChildren(h("h2", {}, "Keys ", h("span", { class: "count" }, int(keys.length))), problem,
    table([
      { title: "Key", render: k => [k.prefix ? h("code", {}, `${k.prefix}…`) : h("span", { class: "muted" }, "chosen by the operator (Auth:BootstrapKey)"),
          k.id === signedIn?.keyId ? [" ", badge("your key", "own")] : null] },
      { title: "Key id", render: k => h("code", { title: k.id }, k.id.slice(0, 8)) },
      { title: "Role", render: k => badge(k.role, "role") },
      { title: "Created", render: k => when(k.createdAt) },
      { title: "State", render: k => k.revokedAt ? [badge("revoked"), " ", h("span", { class: "muted" }, when(k.revokedAt))] : badge("active") },
      { title: "", render: k => k.revokedAt ? "" : h("button", { class: "small danger", id: `key-revoke-${k.id}`, onclick: () => revoke(k) }, "Revoke") },
    ], keys.map(k => ({ ...k, __class: k.revokedAt ? "revoked" : "" })), null, { id: "keys-table", empty: "No key: create one above." }));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    outcome.replaceChildren();
    problem.replaceChildren();
    try {
      const created = await api(path, { method: "POST", body: { role: role.value } });
      outcome.replaceChildren(keySecret(`New ${created.role} key of ${tenant.name} (key id ${created.keyId.slice(0, 8)}):`, created));
      // The list only: the key shown above stays.
      await refresh();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) outcome.replaceChildren(problemBox("key-error", err));
    }
    button.disabled = false;
  });
  drawKeys();
  mount(
    h("section", { class: "card" },
      h("div", { class: "head" }, h("h2", {}, tenant.name, " ", h("span", { class: "muted small" }, "tenant")), h("a", { href: "#/tenants", id: "tenants-back" }, "← All tenants")),
      h("dl", { class: "kv" }, h("dt", {}, "Id"), h("dd", {}, h("code", {}, tenant.id)), h("dt", {}, "Created"), h("dd", {}, when(tenant.createdAt))),
      h("h3", { style: "margin-top:1rem" }, "New key"), h("p", { class: "muted hint" }, ROLES_HINT), form, outcome),
    listCard);
}

/**
 * A key just created (the API's apiKey), shown once: the API answers it only to the request that creates it and keeps
 * only its SHA-256, so the page says so beside a Copy button. It goes when the page is left or the session ends.
 */
function keySecret(heading, created) {
  const field = h("input", { id: "new-key-value", class: "mono", readonly: true, value: created.apiKey, "aria-label": "The new API key", onfocus: e => e.target.select() });
  const copy = h("button", { type: "button", id: "new-key-copy", class: "primary" }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await copyText(field);
      copy.textContent = "Copied";
      toast("Key copied to the clipboard");
    } catch (e) { toast(`Could not copy the key (${e.message || e}): select it and copy it by hand.`, true); }
  });
  return h("div", { class: "key-secret", id: "new-key", "data-key-id": created.keyId },
    h("p", {}, h("strong", {}, heading)),
    h("div", { class: "row nowrap" }, field, copy),
    h("p", { class: "muted small", id: "new-key-note" }, "Shown once: copy it now. Only its SHA-256 is stored, so it cannot be shown again; a lost key is revoked and replaced by a new one."));
}

/**
 * Copies an input's text with the Clipboard API, which only a secure page (HTTPS, or localhost) has; elsewhere, or
 * when it is refused, with the selection and the older copy command.
 */
async function copyText(field) {
  try {
    if (navigator.clipboard?.writeText) { await navigator.clipboard.writeText(field.value); return; }
  } catch { /* the selection below */ }
  field.focus();
  field.select();
  if (!document.execCommand("copy")) throw new Error("the browser refused to copy");
}

// ---------- boot ----------
if (sessionStorage.getItem(KEY_STORAGE)) start(); else signOut();
