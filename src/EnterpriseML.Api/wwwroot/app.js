// EnterpriseML dashboard: plain JS over the public HTTP API (the same routes curl users call).
"use strict";

const KEY_STORAGE = "eml.apiKey";
const $ = sel => document.querySelector(sel);
const view = () => $("#view");
let liveStream = null; // AbortController of the current server-sent-events reader

// ---------- API ----------
class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
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
  const response = await fetch(path, { ...options, headers, body });
  if (response.status === 401) { signOut("Your API key was not accepted."); throw new ApiError(401, null); }
  const text = await response.text();
  const data = text ? tryJson(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function tryJson(text) { try { return JSON.parse(text); } catch { return { detail: text }; } }

function problemText(err) {
  if (!(err instanceof ApiError)) return String(err.message || err);
  const p = err.problem || {};
  let text = p.detail || p.title || err.message;
  if (p.errors) text += " " + Object.entries(p.errors).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ");
  return text;
}

// Reads text/event-stream with fetch so the API key can travel in a header (EventSource cannot send headers).
async function streamEvents(path, onEvent) {
  stopStream();
  const controller = new AbortController();
  liveStream = controller;
  try {
    const response = await fetch(path, { headers: { "X-Api-Key": sessionStorage.getItem(KEY_STORAGE) || "", Accept: "text/event-stream" }, signal: controller.signal });
    if (!response.ok || !response.body) return;
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
        onEvent(type, data ? tryJson(data) : null);
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") console.warn("event stream ended", e);
  }
}

function stopStream() { if (liveStream) { liveStream.abort(); liveStream = null; } }

// ---------- helpers ----------
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "html") node.innerHTML = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const num = (v, digits = 4) => (v === null || v === undefined || Number.isNaN(v)) ? "—" : Number(v).toFixed(digits).replace(/\.?0+$/, m => m.startsWith(".") ? "" : m);
const int = v => (v === null || v === undefined) ? "—" : Number(v).toLocaleString("en-US");
const bytes = v => v === null || v === undefined ? "—" : v < 1024 ? `${v} B` : v < 1048576 ? `${(v / 1024).toFixed(1)} KB` : `${(v / 1048576).toFixed(1)} MB`;
const when = v => v ? new Date(v).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
const badge = (text, kind) => h("span", { class: `badge ${kind || text}` }, text);
const items = data => Array.isArray(data) ? data : (data?.items || []);

function toast(message, bad = false) {
  const t = $("#toast");
  t.textContent = message;
  t.className = "toast" + (bad ? " bad" : "");
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 7000 : 3500);
}

function confirmAction(title, text) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-reason").value = "";
  return new Promise(resolve => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? { reason: $("#confirm-reason").value || null } : null), { once: true });
    dialog.showModal();
  });
}

function progressBar(fraction, done) {
  const pct = Math.max(0, Math.min(1, fraction || 0)) * 100;
  return h("div", { class: "progress" + (done ? " done" : ""), role: "progressbar", "aria-valuenow": pct.toFixed(0), "aria-valuemin": 0, "aria-valuemax": 100 },
    h("div", { style: `width:${pct.toFixed(1)}%` }));
}

function table(columns, rows, onClick) {
  if (rows.length === 0) return h("p", { class: "empty" }, "Nothing here yet.");
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map(c => h("th", { class: c.num ? "num" : "" }, c.title)))),
    h("tbody", {}, rows.map(r => h("tr", { class: (onClick ? "clickable " : "") + (r.__class || ""), onclick: onClick ? () => onClick(r) : null },
      columns.map(c => h("td", { class: c.num ? "num" : "" }, c.render ? c.render(r) : (r[c.key] ?? "—"))))))));
}

// ---------- login ----------
function signOut(message) {
  stopStream();
  sessionStorage.removeItem(KEY_STORAGE);
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

$("#logout").addEventListener("click", () => signOut());

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  try {
    const me = await api("/api/me");
    $("#who").textContent = me ? `${me.tenant ?? me.tenantName ?? ""} · ${me.role ?? ""}` : "";
  } catch { $("#who").textContent = ""; }
  if (!location.hash) location.hash = "#/datasets";
  route();
}

// ---------- routing ----------
window.addEventListener("hashchange", route);

async function route() {
  if ($("#app").hidden) return;
  stopStream();
  const [, section = "datasets", id] = location.hash.split("/");
  document.querySelectorAll(".tabs a").forEach(a => a.classList.toggle("active", a.dataset.tab === section));
  const target = view();
  target.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    const pages = { datasets: id ? datasetPage : datasetsPage, experiments: id ? experimentPage : experimentsPage, models: id ? modelPage : modelsPage, schedules: schedulesPage };
    await (pages[section] || datasetsPage)(decodeURIComponent(id || ""));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) target.replaceChildren(h("div", { class: "card error" }, problemText(e)));
  }
}

// ---------- datasets ----------
async function datasetsPage() {
  const list = items(await api("/api/datasets"));
  const form = h("form", { class: "inline", id: "upload-form" },
    h("div", {}, h("label", { for: "upload-file" }, "CSV file"), h("input", { id: "upload-file", type: "file", name: "file", accept: ".csv,.tsv,.txt,text/csv", required: true })),
    h("div", {}, h("label", { for: "upload-name" }, "Name (optional)"), h("input", { id: "upload-name", name: "name", placeholder: "e.g. transactions-weekly" })),
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Upload")));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = "Uploading…";
    try {
      const created = await api("/api/datasets", { method: "POST", body: new FormData(form) });
      toast(`Uploaded ${created.name}: ${int(created.rowCount)} rows, ${created.columns.length} columns`);
      location.hash = `#/datasets/${created.id}`;
    } catch (err) {
      toast(problemText(err), true);
      button.disabled = false;
      button.textContent = "Upload";
    }
  });
  view().replaceChildren(
    h("section", { class: "card" }, h("h2", {}, "Upload a dataset"), form),
    h("section", { class: "card" }, h("h2", {}, "Datasets"),
      table([
        { title: "Name", render: d => h("strong", {}, d.name) },
        { title: "Rows", num: true, render: d => int(d.rowCount) },
        { title: "Columns", num: true, render: d => d.columns?.length ?? d.columnCount ?? "—" },
        { title: "SHA-256", render: d => h("code", { title: d.sha256 }, (d.sha256 || "").slice(0, 12)) },
        { title: "Uploaded", render: d => when(d.createdAt) },
      ], list, d => { location.hash = `#/datasets/${d.id}`; })));
}

async function datasetPage(id) {
  const d = await api(`/api/datasets/${encodeURIComponent(id)}`);
  const columns = d.columns || [];
  view().replaceChildren(
    h("section", { class: "card" },
      h("div", { class: "head" }, h("h2", {}, d.name),
        h("div", { class: "row" },
          h("button", { class: "primary", onclick: () => { location.hash = `#/experiments?dataset=${d.id}`; newExperimentFor = d.id; } }, "New experiment"),
          h("button", { class: "danger", onclick: async () => {
            if (!await confirmAction("Delete dataset", `Delete ${d.name}? Experiments keep their recorded results.`)) return;
            try { await api(`/api/datasets/${d.id}`, { method: "DELETE" }); toast("Dataset deleted"); location.hash = "#/datasets"; } catch (e) { toast(problemText(e), true); }
          } }, "Delete"))),
      h("dl", { class: "kv" },
        h("dt", {}, "Rows"), h("dd", {}, int(d.rowCount)),
        h("dt", {}, "Columns"), h("dd", {}, columns.length),
        h("dt", {}, "SHA-256"), h("dd", {}, h("code", {}, d.sha256)),
        h("dt", {}, "Uploaded"), h("dd", {}, when(d.createdAt)))),
    h("section", { class: "card" }, h("h2", {}, "Column profile"),
      table([
        { title: "Column", render: c => h("strong", {}, c.name) },
        { title: "Type", render: c => badge(String(c.type).toLowerCase(), "candidate") },
        { title: "Missing", num: true, render: c => int(c.missingCount) },
        { title: "Distinct", num: true, render: c => int(c.distinctCount) },
        { title: "Min", num: true, render: c => num(c.min, 3) },
        { title: "Mean", num: true, render: c => num(c.mean, 3) },
        { title: "Max", num: true, render: c => num(c.max, 3) },
        { title: "Top values", render: c => (c.topValues || []).slice(0, 4).map(v => `${v.value} (${int(v.count)})`).join(", ") || "—" },
      ], columns)));
}

// ---------- experiments ----------
let newExperimentFor = null;
const SCENARIOS = ["auto", "credit", "fraud", "sentiment", "recommendation"];

async function experimentsPage() {
  const [experiments, datasets] = await Promise.all([api("/api/experiments?pageSize=50"), api("/api/datasets")]);
  const dsList = items(datasets);
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const preselect = newExperimentFor || params.get("dataset");
  newExperimentFor = null;

  const datasetSelect = h("select", { id: "exp-dataset", name: "datasetId", required: true },
    dsList.map(d => h("option", { value: d.id, selected: String(d.id) === String(preselect) }, `${d.name} (${int(d.rowCount)} rows)`)));
  const labelSelect = h("select", { id: "exp-label", name: "label", required: true });
  const fillLabels = () => {
    const d = dsList.find(x => String(x.id) === datasetSelect.value);
    labelSelect.replaceChildren(...(d?.columns || []).map(c => h("option", { value: c.name }, `${c.name} · ${String(c.type).toLowerCase()}`)));
    const last = d?.columns?.[d.columns.length - 1];
    if (last) labelSelect.value = last.name;
  };
  datasetSelect.addEventListener("change", fillLabels);
  fillLabels();

  const form = h("form", { class: "inline", id: "experiment-form" },
    h("div", {}, h("label", { for: "exp-dataset" }, "Dataset"), datasetSelect),
    h("div", {}, h("label", { for: "exp-label" }, "Label column"), labelSelect),
    h("div", {}, h("label", { for: "exp-scenario" }, "Scenario"), h("select", { id: "exp-scenario", name: "scenario" }, SCENARIOS.map(s => h("option", { value: s }, s)))),
    h("div", {}, h("label", { for: "exp-positive" }, "Positive class (optional)"), h("input", { id: "exp-positive", name: "positiveClass", placeholder: "e.g. bad" })),
    h("div", {}, h("label", { for: "exp-budget" }, "Budget (seconds)"), h("input", { id: "exp-budget", name: "budgetSeconds", type: "number", min: 5, max: 86400, value: 60, required: true })),
    h("div", {}, h("label", { for: "exp-model" }, "Model name"), h("input", { id: "exp-model", name: "modelName", required: true, pattern: "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", placeholder: "credit-risk" })),
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Start experiment")));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const f = new FormData(form);
    const body = {
      datasetId: f.get("datasetId"), label: f.get("label"), scenario: f.get("scenario"),
      budgetSeconds: Number(f.get("budgetSeconds")), modelName: f.get("modelName"),
    };
    if (f.get("positiveClass")) body.positiveClass = f.get("positiveClass");
    try {
      const created = await api("/api/experiments", { method: "POST", body });
      toast("Experiment queued");
      location.hash = `#/experiments/${created.id}`;
    } catch (err) { toast(problemText(err), true); }
  });

  const list = items(experiments);
  view().replaceChildren(
    h("section", { class: "card" }, h("h2", {}, "New experiment"), dsList.length ? form : h("p", { class: "muted" }, "Upload a dataset first.")),
    h("section", { class: "card" }, h("h2", {}, "Experiments"),
      table([
        { title: "Experiment", render: x => h("strong", {}, x.modelName || x.id) },
        { title: "Scenario", render: x => x.scenario || "—" },
        { title: "Status", render: x => badge(x.status) },
        { title: "Progress", render: x => progressBar(progressFraction(x), x.status === "succeeded") },
        { title: "Trials", num: true, render: x => int(x.progress?.trialsCompleted) },
        { title: "Best", num: true, render: x => num(x.progress?.bestScore) },
        { title: "Created", render: x => when(x.createdAt) },
      ], list, x => { location.hash = `#/experiments/${x.id}`; })));
  if (list.some(x => x.status === "queued" || x.status === "running")) {
    setTimeout(() => { if (location.hash.startsWith("#/experiments") && !location.hash.split("/")[2]) route(); }, 3000);
  }
}

function progressFraction(x) {
  if (["succeeded", "failed", "cancelled"].includes(x.status)) return 1;
  const p = x.progress || {};
  return p.budgetSeconds ? (p.elapsedSeconds || 0) / p.budgetSeconds : 0;
}

async function experimentPage(id) {
  const render = x => {
    const running = x.status === "queued" || x.status === "running";
    const leaderboard = x.leaderboard || [];
    const winner = x.winner;
    const p = x.progress || {};
    view().replaceChildren(
      h("section", { class: "card" },
        h("div", { class: "head" },
          h("h2", {}, `${x.modelName || "Experiment"} `, badge(x.status)),
          running ? h("button", { class: "danger", onclick: async () => {
            if (!await confirmAction("Cancel experiment", "Stop this sweep? Finished trials are kept.")) return;
            try { await api(`/api/experiments/${x.id}/cancel`, { method: "POST" }); toast("Cancellation requested"); } catch (e) { toast(problemText(e), true); }
          } }, "Cancel") : null),
        progressBar(progressFraction(x), x.status === "succeeded"),
        h("dl", { class: "kv", style: "margin-top:.8rem" },
          h("dt", {}, "Scenario"), h("dd", {}, x.scenario || "—"),
          h("dt", {}, "Trials"), h("dd", {}, int(p.trialsCompleted)),
          h("dt", {}, "Elapsed"), h("dd", {}, `${num(p.elapsedSeconds, 1)} s of ${num(p.budgetSeconds, 0)} s`),
          h("dt", {}, "Best score"), h("dd", {}, num(p.bestScore)),
          h("dt", {}, "Attempts"), h("dd", {}, (x.attempts || []).map(a => `${a.node} (${a.outcome || "running"})`).join(", ") || "—"),
          x.error ? [h("dt", {}, "Error"), h("dd", { class: "error" }, x.error)] : null),
        x.tradeOff || x.report?.tradeOff ? h("p", { class: "sentence" }, x.tradeOff || x.report.tradeOff) : null),
      h("section", { class: "card" },
        h("div", { class: "head" }, h("h2", {}, "Leaderboard"),
          h("div", { class: "legend" }, h("span", {}, badge("general")), h("span", {}, badge("specialised")))),
        table([
          { title: "#", num: true, render: r => r.rank },
          { title: "Candidate", render: r => h("strong", {}, r.candidate) },
          { title: "Kind", render: r => badge(r.kind) },
          { title: "Trainer", render: r => r.trainer },
          { title: "Validation", num: true, render: r => num(r.validationScore) },
          { title: "Fit s", num: true, render: r => num(r.fitSeconds, 2) },
          { title: "Predict µs/row", num: true, render: r => num(r.predictMicrosecondsPerRow, 2) },
          { title: "Size", num: true, render: r => bytes(r.modelBytes) },
          { title: "Parameters", render: r => h("code", {}, compactParams(r.parameters)) },
        ], leaderboard.map(r => ({ ...r, __class: winner && r.rank === winner.rank ? "winner" : "" })))),
      h("div", { class: "grid3" },
        h("section", { class: "card" }, h("h3", {}, "Score vs elapsed time"), scoreVsTime(x)),
        h("section", { class: "card" }, h("h3", {}, "Cost vs quality"), costVsQuality(leaderboard)),
        h("section", { class: "card" }, h("h3", {}, "Winner: ROC and precision-recall"), curves(x))));
  };

  let x = await api(`/api/experiments/${encodeURIComponent(id)}`);
  render(x);
  if (x.status === "queued" || x.status === "running") {
    let pending = false;
    const refresh = async () => {
      if (pending) return;
      pending = true;
      try { x = await api(`/api/experiments/${encodeURIComponent(id)}`); if (location.hash === `#/experiments/${id}`) render(x); }
      finally { pending = false; }
    };
    streamEvents(`/api/experiments/${encodeURIComponent(id)}/events`, () => refresh()).then(refresh);
  }
}

function compactParams(p) {
  if (!p) return "—";
  const text = Object.entries(p).map(([k, v]) => `${k}=${typeof v === "number" ? num(v, 4) : v}`).join(" ");
  return text.length > 90 ? text.slice(0, 88) + "…" : text;
}

function scoreVsTime(x) {
  const trials = (x.trials || []).filter(t => Number.isFinite(t.score ?? t.validationScore));
  const points = trials.map(t => [t.elapsedSeconds ?? t.finishedAtSeconds ?? 0, t.score ?? t.validationScore]).sort((a, b) => a[0] - b[0]);
  const higher = x.metricDirection !== "minimize";
  const best = [];
  let b = null;
  for (const p of points) { if (b === null || (higher ? p[1] > b : p[1] < b)) b = p[1]; best.push([p[0], b]); }
  return Charts.line("Score vs elapsed time", [
    { name: "trial", color: "#9fb3cf", points, dots: true },
    { name: "best so far", color: "#1f6feb", points: best, step: true },
  ], "elapsed (s)", x.metric || "score");
}

function costVsQuality(leaderboard) {
  return Charts.scatter("Cost vs quality", leaderboard.filter(r => Number.isFinite(r.validationScore)).map(r => ({
    x: Math.max(r.predictMicrosecondsPerRow || 0.01, 0.01), y: r.validationScore,
    color: r.kind === "specialised" ? "#b35c00" : "#4b5fa8",
    r: 4 + Math.min(6, Math.log10(Math.max(r.modelBytes || 1, 1))),
    label: `${r.candidate} (${r.kind}): ${num(r.validationScore)} at ${num(r.predictMicrosecondsPerRow, 2)} µs/row, ${bytes(r.modelBytes)}`,
  })), "predict µs/row", "validation score", { logX: true });
}

function curves(x) {
  const c = x.winner?.curves || x.curves || x.report?.curves;
  if (!c || (!c.roc && !c.pr)) return Charts.empty("Curves", "Curves appear for binary winners");
  const wrap = h("div", {});
  if (c.roc) wrap.append(Charts.line("ROC", [{ color: "#1f6feb", points: c.roc }], "false positive rate", "true positive rate", { xDomain: [0, 1], yDomain: [0, 1], diagonal: true }));
  if (c.pr) wrap.append(Charts.line("Precision-recall", [{ color: "#b35c00", points: c.pr }], "recall", "precision", { xDomain: [0, 1], yDomain: [0, 1] }));
  return wrap;
}

// ---------- models ----------
async function modelsPage() {
  const list = items(await api("/api/models"));
  view().replaceChildren(h("section", { class: "card" }, h("h2", {}, "Models"),
    table([
      { title: "Model", render: m => h("strong", {}, m.name) },
      { title: "Champion", render: m => m.championVersion ? `v${m.championVersion}` : "—" },
      { title: "Versions", num: true, render: m => m.versionCount ?? m.versions?.length ?? "—" },
      { title: "Task", render: m => m.task || m.scenario || "—" },
      { title: "Updated", render: m => when(m.updatedAt || m.createdAt) },
    ], list, m => { location.hash = `#/models/${encodeURIComponent(m.name)}`; })));
}

async function modelPage(name) {
  const m = await api(`/api/models/${encodeURIComponent(name)}`);
  const versions = m.versions || [];
  const act = async (title, text, path) => {
    const answer = await confirmAction(title, text);
    if (!answer) return;
    try { await api(path, { method: "POST", body: answer }); toast(`${title}: done`); route(); } catch (e) { toast(problemText(e), true); }
  };
  view().replaceChildren(
    h("section", { class: "card" },
      h("div", { class: "head" }, h("h2", {}, m.name),
        h("button", { id: "rollback", onclick: () => act("Roll back", `Restore the previous champion of ${m.name}?`, `/api/models/${encodeURIComponent(m.name)}/rollback`) }, "Roll back")),
      table([
        { title: "Version", render: v => `v${v.version}` },
        { title: "Stage", render: v => badge(v.stage) },
        { title: "Metrics", render: v => h("code", {}, compactParams(v.metrics)) },
        { title: "Lineage", render: v => v.lineage ? h("code", { title: JSON.stringify(v.lineage) }, `dataset ${(v.lineage.datasetSha256 || "").slice(0, 10)} · exp ${v.lineage.experimentId ?? "—"}`) : "—" },
        { title: "Created", render: v => when(v.createdAt) },
        { title: "", render: v => v.stage === "champion" ? "" : h("button", { class: "primary", "data-version": v.version, onclick: e => { e.stopPropagation(); act("Promote", `Make v${v.version} the champion of ${m.name}?`, `/api/models/${encodeURIComponent(m.name)}/versions/${v.version}/promote`); } }, "Promote") },
      ], versions)),
    h("section", { class: "card" }, h("h2", {}, "Stage history"),
      table([
        { title: "When", render: e => when(e.at || e.changedAt || e.createdAt) },
        { title: "Version", render: e => `v${e.version}` },
        { title: "Change", render: e => `${e.fromStage || "—"} → ${e.toStage || e.stage}` },
        { title: "Who", render: e => e.by || e.who || "—" },
        { title: "Why", render: e => e.reason || e.why || "—" },
      ], m.history || [])));
}

// ---------- schedules ----------
async function schedulesPage() {
  const list = items(await api("/api/schedules"));
  view().replaceChildren(h("section", { class: "card" }, h("h2", {}, "Scheduled refreshes"),
    table([
      { title: "Name", render: s => h("strong", {}, s.name) },
      { title: "Cron", render: s => h("code", {}, s.cron) },
      { title: "Time zone", render: s => s.timeZone || "UTC" },
      { title: "State", render: s => s.paused ? h("span", {}, badge("paused"), " ", h("span", { class: "muted" }, `${s.pauseReason || ""}${s.pausedBy ? ` (${s.pausedBy})` : ""}`)) : badge("running") },
      { title: "Next run", render: s => when(s.nextFireTime) },
      { title: "Last outcome", render: s => s.lastOutcome ? h("span", { title: s.lastOutcome.reason || "" }, badge(s.lastOutcome.status), " ", s.lastOutcome.reason || "") : "—" },
      { title: "", render: s => s.paused
          ? h("button", { onclick: async () => { try { await api(`/api/schedules/${encodeURIComponent(s.name)}/resume`, { method: "POST" }); route(); } catch (e) { toast(problemText(e), true); } } }, "Resume")
          : h("button", { onclick: async () => { const a = await confirmAction("Pause schedule", `Pause ${s.name}?`); if (!a) return; try { await api(`/api/schedules/${encodeURIComponent(s.name)}/pause`, { method: "POST", body: a }); route(); } catch (e) { toast(problemText(e), true); } } }, "Pause") },
    ], list)));
}

// ---------- boot ----------
if (sessionStorage.getItem(KEY_STORAGE)) start(); else signOut();
