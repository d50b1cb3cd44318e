// The Experiments pane: the runs the open thread launched (GET /web/threads/{id}/experiments,
// serve/web_experiments.py) as a table, and one metric of the runs ticked there as a line
// chart (the vendored uPlot). While the thread works or a job still runs it is read again
// every LIVE_MS, so the chart grows as a job's log streams; otherwise every IDLE_MS (an undo,
// the CLI or another tab may change the list). Work seen since a read began (the page is
// looked at every TICK_MS) is followed by a read as soon as it ends: a job that started and
// ended between two reads is shown then, not IDLE_MS later. It reads the page's state and
// needs no hook. The chart library is loaded once the pane is first opened: a page whose pane
// stays closed does not fetch and run its 145 kB (a third of the page's script at each load).

import { api, ApiError } from "./api.js";
import { $, el } from "./dom.js";
import { ui } from "./state.js";

const LIVE_MS = 2000;
const IDLE_MS = 15000;
const TICK_MS = 500;
const ENDED = new Set(["COMPLETED", "CANCELED", "ERROR", "DELETED"]);
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d"];
const REMEMBER = "ml-intern.experiments-open";
const CHART_RUNS = 20; // runs charted at most (the server sends points for these only)

const pane = {
  open: false,
  threadId: undefined, // the thread the runs below belong to
  runs: [],
  ticked: new Set(), // runs the person ticked
  unpicked: new Set(), // runs the person unticked (by default the latest CHART_RUNS are ticked)
  metric: "", // the metric the person chose ("" = the first run's main metric)
  loaded: "", // the metric and runs whose points the last answer carried
  read: 0, // when the runs were last read (ms)
  sawBusy: false, // the thread worked since the last read began: read again once it ends
  loading: false,
  problem: "",
  chart: null,
  drawn: "", // what the chart shows now, to redraw only on a change
};

let uPlot = null; // the chart library, once loaded
let charting = null; // its loading
let chartFailure = ""; // why it could not be loaded (tried again when the pane is next opened)

// Loads the chart library (once), then draws the pane again with the chart.
function loadCharting() {
  charting ||= import("./vendor/uplot-1.6.32/uPlot.esm.js").then(
    (module) => { uPlot = module.default; render(); },
    (error) => {
      chartFailure = `Could not load the chart (${error.message || error}): close the pane and open it again.`;
      render();
    },
  );
}

const colorOf = (index) => COLORS[index % COLORS.length];
const isPicked = (run, index) => pane.ticked.has(run.id)
  || (!pane.unpicked.has(run.id) && index >= pane.runs.length - CHART_RUNS);
const picked = () => pane.runs.filter(isPicked).slice(-CHART_RUNS);
const wanted = () => `${chosenMetric()}|${picked().map((run) => run.id).join(",")}`;
const seriesOf = (run) => run.metrics?.series || {};
const labelOf = (run, index) => `${index + 1}. ${run.name || run.id}`; // numbers as in the CLI

function duration(seconds) {
  const s = Math.floor(seconds || 0);
  const pad = (n) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

function money(value) {
  if (value == null) return "-";
  return value < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

function finalText(run) {
  if (!run.main_metric) return run.metrics?.lines ? "no metrics" : "-";
  const value = run.final;
  const shown = typeof value === "number" ? Number(value.toPrecision(4)) : value ?? "-";
  return `${run.main_metric} ${shown}`;
}

function metricNames() {
  const names = picked().flatMap((run) => Object.keys(seriesOf(run)));
  return [...new Set(names)];
}

function chosenMetric() {
  const names = metricNames();
  if (names.includes(pane.metric)) return pane.metric;
  const main = picked().map((run) => run.main_metric).find((name) => name && names.includes(name));
  return main || names[0] || "";
}

function row(run, index) {
  const box = el("input", {
    type: "checkbox", checked: isPicked(run, index), "aria-label": `Chart ${labelOf(run, index)}`,
    onchange: (event) => {
      const [add, remove] = event.target.checked ? [pane.ticked, pane.unpicked] : [pane.unpicked, pane.ticked];
      add.add(run.id);
      remove.delete(run.id);
      render();
      load();
    },
  });
  const swatch = el("span", { class: "run-swatch", "aria-hidden": "true" });
  swatch.style.setProperty("--run-color", colorOf(index));
  const status = run.status.toLowerCase();
  return el("tr", { "data-run": run.id },
    el("td", {}, el("label", { class: "run-pick" }, box, swatch)),
    el("td", { class: "run-name", title: [run.id, run.job_id && `job ${run.job_id}`, ...(run.args?.script_args || [])].filter(Boolean).join(" ") },
      run.url ? el("a", { href: run.url, target: "_blank", rel: "noopener", text: labelOf(run, index) })
        : labelOf(run, index)),
    el("td", { class: `run-status ${status}`, text: status }),
    el("td", { text: duration(run.duration_s) }),
    el("td", { text: money(run.cost_usd) }),
    el("td", { class: "run-final", text: finalText(run) }));
}

function table() {
  const head = ["", "Run", "Status", "Time", "Cost", "Final"].map((text) => el("th", { scope: "col", text }));
  return el("table", { class: "runs" },
    el("thead", {}, el("tr", {}, ...head)),
    el("tbody", {}, ...pane.runs.map(row)));
}

// Runs whose Trackio data could not be read (a Space down, no such run): why, in a sentence.
function trackioNotes() {
  return pane.runs.flatMap((run, index) => {
    const trackio = run.metrics?.trackio;
    if (!trackio || trackio.state === "read") return [];
    return [el("p", { class: "experiments-note", text: `${labelOf(run, index)}: Trackio project ${trackio.project} ${trackio.state}` })];
  });
}

function metricPicker(names, metric) {
  const select = el("select", { id: "experiment-metric", class: "picker",
    onchange: (event) => { pane.metric = event.target.value; render(); load(); } },
  ...names.map((name) => el("option", { value: name, text: name, selected: name === metric })));
  return el("label", { class: "metric-pick" }, el("span", { text: "Metric" }), select);
}

// uPlot wants one shared x array: join each charted run's [x, value] points into it.
function chartData(metric) {
  const shown = new Set(picked().map((run) => run.id));
  const runs = pane.runs.map((run, index) => ({ run, index }))
    .filter(({ run }) => shown.has(run.id) && seriesOf(run)[metric]?.points?.length);
  const tables = runs.map(({ run }) => {
    const points = seriesOf(run)[metric].points;
    return [points.map((p) => p[0]), points.map((p) => p[1])];
  });
  return { runs, data: tables.length ? uPlot.join(tables) : null };
}

function drawChart(box, metric) {
  if (!uPlot) { // drawn once it has loaded
    box.append(el("p", { class: "chart-empty", text: chartFailure || "Loading the chart…" }));
    if (!chartFailure) loadCharting();
    return;
  }
  const { runs, data } = chartData(metric);
  const drawn = JSON.stringify([metric, runs.map(({ run }) => run.id), data]);
  if (drawn === pane.drawn && pane.chart) {
    box.append(pane.chart.root);
    return;
  }
  pane.chart?.destroy();
  pane.chart = null;
  pane.drawn = drawn;
  if (!data) {
    box.append(el("p", { class: "chart-empty", text: metric ? `No ${metric} values yet.` : "No metrics yet: they appear as a job logs them." }));
    return;
  }
  const ink = getComputedStyle(document.body).color;
  const axis = { stroke: ink, grid: { stroke: "rgba(128,128,128,0.2)" }, ticks: { stroke: "rgba(128,128,128,0.3)" } };
  const series = runs.map(({ run, index }) => ({
    label: labelOf(run, index), stroke: colorOf(index), width: 2, spanGaps: true,
    points: { show: true, size: 6, fill: colorOf(index), stroke: colorOf(index) },
  }));
  const options = {
    width: Math.max(240, box.clientWidth - 8), height: 240,
    scales: { x: { time: false } },
    axes: [{ ...axis, label: "step / epoch" }, { ...axis, label: metric }],
    series: [{ label: "x" }, ...series],
  };
  pane.chart = new uPlot(options, data, box);
}

function render() {
  const box = $("experiments");
  if (!box) return;
  box.hidden = !pane.open;
  $("experiments-toggle")?.setAttribute("aria-expanded", String(pane.open));
  if (!pane.open) return;
  const chart = el("div", { class: "chart", id: "experiment-chart" });
  const parts = [el("div", { class: "experiments-head" },
    el("h2", { text: "Experiments" }),
    el("span", { class: "experiments-count", text: pane.runs.length ? String(pane.runs.length) : "" }))];
  if (pane.problem) parts.push(el("p", { class: "experiments-problem", role: "alert", text: pane.problem }));
  if (!ui.threadId) {
    parts.push(el("p", { class: "experiments-empty", text: "Start a thread: the jobs it launches appear here." }));
  } else if (!pane.runs.length) {
    const text = pane.loading && pane.threadId !== ui.threadId ? "Loading…"
      : "No experiments in this thread yet: the Jobs the agent starts, and its training commands that run over a minute, appear here.";
    parts.push(el("p", { class: "experiments-empty", text }));
  } else {
    const metric = chosenMetric();
    const names = metricNames();
    parts.push(table(), ...trackioNotes());
    if (names.length) parts.push(metricPicker(names, metric));
    parts.push(chart);
  }
  box.replaceChildren(...parts);
  if (box.contains(chart)) drawChart(chart, chosenMetric());
}

async function load() {
  const threadId = ui.threadId;
  if (threadId !== pane.threadId) {
    Object.assign(pane, { runs: [], threadId, problem: "", metric: "", loaded: "" });
    pane.unpicked.clear();
    pane.ticked.clear();
  }
  if (!threadId) { render(); return; }
  pane.loading = true;
  pane.sawBusy = Boolean(ui.busy);
  render();
  try {
    const asked = pane.runs.length ? wanted() : "";
    const [metric, runs] = asked.split("|");
    const query = asked ? `?metric=${encodeURIComponent(metric)}&runs=${encodeURIComponent(runs)}` : "";
    const answer = await api("GET", `/web/threads/${threadId}/experiments${query}`);
    if (threadId !== ui.threadId) return; // another thread was opened meanwhile
    pane.runs = answer.experiments || [];
    pane.loaded = asked || wanted(); // with no question, the server sent the defaults
    pane.problem = "";
  } catch (error) {
    if (threadId !== ui.threadId) return;
    const missing = error instanceof ApiError && error.status === 404;
    pane.problem = missing ? "" : `Could not read the experiments: ${error.message || error}`;
    if (missing) pane.runs = [];
  } finally {
    pane.loading = false;
    pane.read = Date.now();
  }
  render();
}

function due() {
  if (ui.busy) pane.sawBusy = true; // work that began after the last read did
  if (!pane.open || pane.loading) return false;
  if (ui.threadId !== pane.threadId) return true;
  if (pane.sawBusy && !ui.busy) return true; // the work seen since the last read ended
  if (pane.runs.length && wanted() !== pane.loaded) return true; // another metric, new runs
  const live = ui.busy || pane.runs.some((run) => !ENDED.has(run.status));
  return Date.now() - pane.read >= (live ? LIVE_MS : IDLE_MS);
}

function toggle(open) {
  pane.open = open;
  try { localStorage.setItem(REMEMBER, open ? "1" : ""); } catch { /* private mode */ }
  pane.read = 0;
  if (open && chartFailure) { chartFailure = ""; charting = null; } // try loading it again
  if (open) load(); else render();
}

// A small line-chart icon (drawn with the text colour), like the top bar's other buttons.
function chartIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon-svg");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 19h16M5 15l4-5 4 3 6-7");
  svg.append(path);
  return svg;
}

function start() {
  const button = $("experiments-toggle");
  if (!button) return;
  button.prepend(chartIcon());
  button.addEventListener("click", () => toggle(!pane.open));
  let remembered = false;
  try { remembered = localStorage.getItem(REMEMBER) === "1"; } catch { /* private mode */ }
  if (remembered) toggle(true);
  setInterval(() => { if (due()) load(); }, TICK_MS);
  new ResizeObserver(() => {
    const box = $("experiment-chart");
    if (pane.chart && box) pane.chart.setSize({ width: Math.max(240, box.clientWidth - 8), height: 240 });
  }).observe($("experiments"));
}

start();
