// ml-intern web: one page over the LangGraph server's REST API (same origin) and the few
// endpoints of serve/web_actions.py. This module renders the page and wires it up.

import { showAccount } from "./account.js";
import { api, ApiError, newestOnly } from "./api.js";
import { renderApproval } from "./approvals.js";
import { renderMessages, renderPlan } from "./cards.js";
import { $, el, icon, patchChildren, showError } from "./dom.js";
import { setDrawer, wireDrawer } from "./drawer.js";
import { markdown } from "./markdown.js";
import { decide, join, leave, send, stop, undo, yolo } from "./runs.js";
import { loadChoices, renderSettings, wireSettings } from "./settings.js";
import { actions, messagesOf, ui } from "./state.js";
import { goTo, loadThreads, renderThreadList } from "./threads.js";

// A run that stopped because even a compacted history does not fit (graph/state.py's
// `compact_failed`): the thread keeps only the reason, so the page says it in its own words.
const OVERFLOW = "The conversation no longer fits the model's context window, even compacted. "
  + "Start a new thread (New thread) or Undo the last turn; or pick a model with a larger "
  + "context window in the model picker.";

function emptyState() {
  if (ui.missing) {
    return el("div", { class: "empty missing", role: "status" },
      el("div", { class: "empty-title", text: "No such thread" }),
      el("p", { class: "empty-text", text: `There is no thread ${ui.threadId} here: it may have been deleted, or the link is incomplete.` }),
      el("button", { type: "button", class: "primary", text: "Start a new thread", onclick: () => { goTo(null); openThread(null); } }));
  }
  return el("div", { class: "empty" },
    el("div", { class: "empty-logo", "aria-hidden": "true", text: "◆" }),
    el("div", { class: "empty-title", text: "What should we work on?" }),
    el("div", { class: "empty-sub", text: `ml-intern works in ${ui.info.workspace}` }));
}

// The conversation as it is now, in a fragment (render puts it in the log).
function conversation() {
  const log = document.createDocumentFragment();
  // A refresh can bring the reply being streamed whole (the server saved it before its update
  // reached the page): drawn from the thread's state then, not twice.
  const live = messagesOf().some((m) => m.id && m.id === ui.liveId) ? "" : ui.live;
  if (!messagesOf().length && !live) log.append(emptyState());
  renderMessages(log);
  if (live) log.append(el("div", { class: "msg assistant live" }, markdown(live)));
  const waiting = ui.stopping ? "Stopping…" : ui.waiting || (ui.starting ? "Starting…" : "Working…");
  if ((ui.busy || ui.starting) && !live) log.append(el("div", { class: "thinking", text: waiting }));
  if (!ui.busy && ui.values.stop_reason === "interrupted") {
    log.append(el("div", { class: "stopped", role: "note", text: "Stopped by you." }));
  }
  if (!ui.busy && ui.failure) {
    log.append(el("div", { class: "msg failure", role: "alert" },
      el("strong", { text: "The run stopped with an error. " }), ui.failure));
  }
  renderApproval(log);
  return log;
}

// Streamed chunks are drawn at most once an animation frame, and once a draw took T (script,
// style, layout), not before 2T more has passed: drawing a long answer as it streams cannot take
// the page over (typing and scrolling are answered meanwhile). A refresh draws at once.
let drawn = { at: 0, took: 0 };
let drawing = null; // the draw to come: { timer, frame }

function renderSoon() {
  if (drawing) return;
  const wait = Math.max(0, drawn.at + 2 * drawn.took - performance.now());
  const next = { timer: setTimeout(() => { next.frame = requestAnimationFrame(drawLive); }, wait) };
  drawing = next;
}

function drawLive() {
  drawing = null;
  if (ui.live) render(); // "": the answer ended, and the refresh to come draws it whole
}

function render() {
  if (drawing) { clearTimeout(drawing.timer); cancelAnimationFrame(drawing.frame); drawing = null; }
  const started = performance.now();
  const log = $("log");
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  // Answers stay in place, changed only where they differ: what did not change is not laid
  // out again (a 5 MB answer took seconds at each chunk).
  patchChildren(log, conversation(), ".msg.assistant");
  renderPlan($("plan")); // before scrolling: showing the plan can make the log shorter
  if (nearBottom || ui.busy) log.scrollTop = log.scrollHeight;
  renderSettings();
  const hasTurn = messagesOf().some((m) => m.type === "human");
  $("send").disabled = ui.busy || ui.starting;
  $("stop").hidden = !ui.busy;
  $("stop").disabled = ui.stopping || !ui.runId;
  $("undo").disabled = ui.busy || !hasTurn || ui.missing;
  $("status").textContent = ui.busy ? (ui.stopping ? "Stopping…" : ui.waiting ? "Waiting for its turn" : "Running…")
    : ui.interrupts.length ? ["Waiting for your approval", ui.notice].filter(Boolean).join(" · ") : ui.notice;
  renderUsage(ui.values.usage);
  setTimeout(() => { drawn = { at: performance.now(), took: performance.now() - started }; }); // after layout
}

function renderUsage(usage) {
  if (!usage || !usage.calls) { $("usage").textContent = ""; return; }
  const k = (n) => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n || 0));
  const cost = usage.cost_usd ? ` · $${usage.cost_usd.toFixed(4)}` : "";
  $("usage").textContent = `${k(usage.input_tokens)} in · ${k(usage.output_tokens)} out${cost}`;
}

function notify(text) {
  ui.notice = text;
  render();
}

const stateOf = newestOnly();

async function refresh() {
  if (!ui.threadId || ui.missing) return;
  const threadId = ui.threadId;
  const state = await stateOf("GET", `/threads/${threadId}/state`);
  if (threadId !== ui.threadId) return; // another thread was opened meanwhile
  if (state === null) return; // a later ask's state is drawn already
  const empty = !state.checkpoint?.checkpoint_id && !Object.keys(state.values || {}).length;
  if (empty && messagesOf().length && !ui.busy && !ui.starting) { // deleted elsewhere (the CLI)
    Object.assign(ui, { missing: true, values: {}, interrupts: [] });
    renderThreadList();
    render();
    return;
  }
  ui.values = state.values || {};
  ui.failure = failureOf(state);
  const fromTasks = (state.tasks || []).flatMap((t) => t.interrupts || []);
  ui.interrupts = state.interrupts && state.interrupts.length ? state.interrupts : fromTasks;
  if (!ui.interrupts.length) { ui.decisions = []; ui.editing.clear(); ui.rejecting.clear(); }
  render();
  renderThreadList();
}

// The error a thread's last run ended with, as the server keeps it in the thread's state
// (so it is still there after a reload), or "".
function failureOf(state) {
  const error = (state.tasks || []).map((t) => t.error).find(Boolean);
  if (!error) return state.values?.stop_reason === "compact_failed" ? OVERFLOW : "";
  const text = typeof error === "string" ? error : error.message || error.error || JSON.stringify(error);
  const repr = text.match(/^\w+\((['"])([\s\S]*)\1\)$/); // ProviderError('...'): the sentence
  return repr ? repr[2].replace(/\\(['"\\])/g, "$1") : text;
}

async function openThread(threadId) {
  leave();
  const view = ui.view + 1; // leaving a thread and opening it again is another view of it
  Object.assign(ui, { view, threadId, missing: false, values: {}, failure: "", interrupts: [], decisions: [], live: "", notice: "",
    busy: false, starting: false, runId: null, stopping: false, carried: {} });
  ui.editing.clear();
  ui.rejecting.clear();
  ui.logs.clear();
  showError(null);
  renderThreadList();
  render();
  if (!threadId) return;
  // The thread and its state are read at once: its history shows after one wait, not two.
  const read = api("GET", `/threads/${threadId}`);
  const shown = refresh().then(() => null, (error) => error); // a missing thread's: said below
  let thread;
  try {
    thread = await read;
  } catch (error) {
    if (ui.view !== view) return; // another thread was opened meanwhile: not said of it
    if (!(error instanceof ApiError) || ![404, 422].includes(error.status)) throw error;
    ui.missing = true;
    renderThreadList();
    render();
    return;
  }
  if (ui.view !== view) return;
  const failed = await shown;
  if (failed) throw failed;
  // A run going on, or queued (waiting for its turn, or handed back by a server that stopped
  // mid-run and picked up again after a restart): follow it to its end.
  const runs = await api("GET", `/threads/${threadId}/runs?limit=5`);
  if (ui.view !== view) return; // opened again meanwhile: that opening follows the run
  const going = runs.find((run) => run.status === "running" || run.status === "pending");
  if (going) await join(going.run_id);
  else if (thread.status === "busy") await refresh(); // it ended after the state was read
}

function threadFromHash() {
  const match = location.hash.match(/thread=([\w-]+)/);
  return match ? match[1] : null;
}

function submit(event) {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text || ui.busy || ui.starting) return; // as Send: the message sent before is on its way
  if (ui.interrupts.length) { showError("Approve or reject the pending action first."); return; }
  $("message").value = "";
  send(text).catch(showError);
}

function wire() {
  $("composer").addEventListener("submit", submit);
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("stop").addEventListener("click", () => stop());
  $("undo").addEventListener("click", () => undo());
  $("new-thread").addEventListener("click", () => {
    setDrawer(false);
    goTo(null);
    openThread(null).catch(showError);
    $("message").focus();
  });
  $("thread-search").addEventListener("input", renderThreadList);
  window.addEventListener("hashchange", () => openThread(threadFromHash()).catch(showError));
  wireSettings();
  wireDrawer();
}

async function start() {
  Object.assign(actions, { render, renderSoon, refresh, openThread, decide, yolo, notify, loadThreads });
  ui.info = await api("GET", "/web/info");
  $("workspace").textContent = `\u200e${ui.info.workspace}\u200e`; // ltr inside the rtl ellipsis
  $("new-thread").prepend(icon("plus"));
  $("undo").prepend(icon("undo"));
  $("stop").prepend(icon("stop"));
  $("workspace").title = `Workspace: ${ui.info.workspace}`;
  wire();
  loadChoices().catch(showError);
  showAccount(ui.info).catch(showError);
  loadThreads().catch(showError);
  $("message").focus();
  await openThread(threadFromHash());
}

start().catch(showError);
