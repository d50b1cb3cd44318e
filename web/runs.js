// Runs: send a message, answer an approval, follow a run live, stop it, undo the last turn.

import { api, ApiError, joinRun, LOST, streamRun } from "./api.js";
import { $, showError, textOf } from "./dom.js";
import { actions, ui } from "./state.js";

const MAX_LOG_LINES = 400;

function onCustom(data) {
  if (data.type === "tool_log" && data.tool_call_id) {
    const lines = ui.logs.get(data.tool_call_id) || [];
    lines.push(String(data.line ?? data.message ?? ""));
    ui.logs.set(data.tool_call_id, lines.slice(-MAX_LOG_LINES));
    actions.render();
  } else if (data.type === "plan_update") {
    ui.values = { ...ui.values, plan: data.plan || [] };
    actions.render();
  } else if (data.type === "error" && !data.warning && !data.retrying) {
    showError(data.message);
  }
}

// How long to wait between asks: the first answer is asked before the run has reached the
// server's queue (it says "not waiting"), so the next ones come soon, then every 1.5 s.
const WAITING_POLLS_MS = [250, 500, 1000, 1500];

function onStreamEvent(event, data) {
  if (event !== "metadata" && ui.waiting !== undefined) ui.waiting = undefined; // it has started
  if (event === "metadata") {
    ui.runId = data.run_id;
    ui.starting = false;
    actions.render(); // "Working…" (and Stop) now, not at the model's first word
  } else if (event === "messages") {
    const [chunk, meta] = data;
    const isAi = chunk && (chunk.type === "AIMessageChunk" || chunk.type === "ai");
    if (isAi && meta?.langgraph_node === "call_model") {
      const id = chunk.id || "";
      if (id !== ui.liveId) Object.assign(ui, { live: "", liveId: id }); // another reply
      ui.live += textOf(chunk.content);
      const log = $("log");
      log.dataset.chunks = String(Number(log.dataset.chunks || 0) + 1); // how many arrived live
      actions.renderSoon();
    }
  } else if (event === "updates") {
    // The reply streamed stays shown until the thread's state holds it (asked now, a busy
    // server can answer late), unless the message saved is not the one streamed.
    const saved = [data.call_model?.messages ?? []].flat().map((m) => m?.id);
    if (data.call_model && !saved.includes(ui.liveId)) ui.live = "";
    actions.refresh().catch(showError);
  } else if (event === "custom" && data?.type) {
    onCustom(data);
  } else if (event === "error") {
    showError(data.message || data.error || JSON.stringify(data));
  }
}

// Until the run sends more than its metadata, ask the server whether it waits for its turn
// (all the runs it runs at once are going, or your share of them) and show why.
async function watchWaiting(threadId, here) {
  for (let asked = 0; here() && ui.busy && ui.waiting !== undefined; asked++) {
    const answer = await api("GET", `/web/threads/${threadId}/waiting`).catch(() => null);
    if (!here() || !ui.busy || ui.waiting === undefined) return;
    if ((answer?.waiting ?? null) !== ui.waiting) {
      ui.waiting = answer?.waiting ?? null;
      actions.render();
    }
    if (ui.waiting && !ui.runId) await learnRunId(threadId, here); // so Stop works while it waits
    const pause = WAITING_POLLS_MS[Math.min(asked, WAITING_POLLS_MS.length - 1)];
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

// A waiting run has sent no metadata yet: its id comes from the thread's running runs.
async function learnRunId(threadId, here) {
  const runs = await api("GET", `/threads/${threadId}/runs?status=running`).catch(() => []);
  if (here() && ui.busy && !ui.runId && runs.length) {
    ui.runId = runs[0].run_id;
    actions.render();
  }
}

const UNFINISHED = new Set(["pending", "running"]);
const SETTLE_POLLS = 20;
const SETTLE_POLL_MS = 250;

// A stream also ends cleanly when the server shuts down, handing its run back to the queue:
// unless the run has ended, say the connection was lost (asking fails once the server is gone).
async function ended(threadId, runId) {
  for (let poll = 0; poll < SETTLE_POLLS; poll += 1) {
    const run = await api("GET", `/threads/${threadId}/runs/${runId}`);
    if (!UNFINISHED.has(run.status)) return;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
  throw new ApiError(0, LOST);
}

// The stream of the run followed. Leaving its thread closes it, the run going on on the server
// (a browser keeps six connections to a server: streams left open, a long run's thread left
// and opened again, would take them all). One whose run has not begun yet is closed once it has.
let reading = null;

export function leave() {
  if (!reading) return;
  reading.left = true;
  if (reading.begun) reading.abort.abort();
  reading = null;
}

// Follow one run to its end (`start` starts or joins it; `runId`, a run joined), then show the
// thread as saved. Opening another thread meanwhile leaves the run going on the server,
// unwatched; opening this one again follows it anew (by joining), so this stream is not drawn.
async function follow(start, runId = null) {
  const { threadId, view } = ui;
  const here = () => ui.view === view && ui.threadId === threadId;
  const stream = { abort: new AbortController(), begun: Boolean(runId), left: false };
  reading = stream;
  Object.assign(ui, { busy: true, live: "", notice: "", waiting: null, runId });
  showError(null);
  actions.render();
  watchWaiting(threadId, here);
  const onEvent = (event, data) => {
    if (event === "metadata") stream.begun = true;
    if (stream.left && stream.begun) stream.abort.abort();
    else if (here()) onStreamEvent(event, data);
  };
  try {
    await start(onEvent, stream.abort.signal).catch((error) => {
      if (!stream.abort.signal.aborted) throw error; // closed on leaving: not a failure
    });
    if (here() && ui.runId) await ended(threadId, ui.runId);
  } finally {
    if (here()) {
      Object.assign(ui, { busy: false, live: "", runId: null, waiting: null });
      await actions.refresh().catch(showError);
      if (ui.failure) showError(null); // the thread itself shows it now, and keeps it
    }
    actions.loadThreads().catch(showError);
  }
}

function run(body) {
  const payload = {
    assistant_id: ui.info.assistant_id,
    stream_mode: ["messages-tuple", "updates", "custom"],
    context: { workspace: ui.info.workspace, mode: "interactive", front_end: "web" }, // fixes in the page's words
    on_disconnect: "continue", // a closed tab does not stop the run
    ...body,
  };
  return follow((onEvent, signal) => streamRun(ui.threadId, payload, onEvent, signal));
}

export async function join(runId) {
  // A join has no metadata: the run's id is known, and the run has begun.
  await follow((onEvent, signal) => joinRun(ui.threadId, runId, onEvent, signal), runId);
}

// The thread the message goes to, made if the page shows none; false if another thread was
// opened while it was made (the message is not sent: it would show in the thread opened).
async function ensureThread(text, here) {
  if (ui.threadId && !ui.missing) return true;
  const metadata = { title: text.slice(0, 80), cwd: ui.info.workspace };
  const thread = await api("POST", "/threads", { metadata });
  if (!here()) return false;
  ui.threadId = thread.thread_id;
  ui.missing = false;
  history.replaceState(null, "", `#thread=${thread.thread_id}`);
  if (Object.keys(ui.pending).length) {
    const settings = await api("POST", `/web/threads/${thread.thread_id}/settings`, ui.pending);
    ui.pending = {};
    if (!here()) return false;
    ui.values = { ...ui.values, ...settings };
  }
  return true;
}

// Send a message from the thread shown; the page may show another before it is sent (the
// thread left is not drawn in the one opened, and that one is ready to send to).
export async function send(text) {
  const human = { type: "human", content: text };
  const before = ui.values;
  const { view } = ui;
  const here = () => ui.view === view;
  // Shown at once, with a "Starting…" state, while the thread is made and the run starts.
  Object.assign(ui, { starting: true, interrupts: [] });
  ui.values = { ...ui.values, messages: [...(ui.values.messages || []), human] };
  actions.render();
  try {
    if (!(await ensureThread(text, here))) {
      if (!$("message").value) $("message").value = text; // nothing typed is lost
      return;
    }
    await run({
      input: { messages: [human], stop_reason: null, compact_request: null },
      metadata: { ml_intern_turn: "user" }, // what undo goes back to
    });
  } catch (error) {
    if (here() && ui.starting) ui.values = before; // it never reached the thread
    if (!$("message").value) $("message").value = text; // nothing typed is lost
    throw error;
  } finally {
    if (here()) {
      ui.starting = false;
      actions.render(); // Send is enabled again, whatever happened
    }
  }
}

function resume(answer) {
  ui.decisions = [];
  ui.editing.clear();
  ui.rejecting.clear();
  ui.interrupts = [];
  const command = { resume: answer };
  if (Object.keys(ui.carried).length) command.update = ui.carried; // what the CLI carries too
  ui.carried = {};
  return run({ command }).catch(showError);
}

export function decide(index, decision) {
  ui.decisions[index] = decision;
  const count = ui.interrupts[0]?.value?.action_requests?.length || 0;
  if (ui.decisions.filter(Boolean).length < count) { actions.render(); return; }
  resume({ decisions: ui.decisions.slice(0, count) });
}

// Approve what is still undecided and let the thread's later calls run without asking.
export function yolo() {
  const count = ui.interrupts[0]?.value?.action_requests?.length || 0;
  const decisions = Array.from({ length: count }, (_, n) => ui.decisions[n] || { type: "approve" });
  resume({ decisions, yolo: true });
}

export async function stop() {
  if (!ui.runId || ui.stopping) return;
  ui.stopping = true;
  actions.notify("Stopping…");
  try {
    await api("POST", `/threads/${ui.threadId}/runs/${ui.runId}/cancel?wait=1&action=interrupt`);
    await api("POST", `/web/threads/${ui.threadId}/settle`);
    actions.notify("Stopped. Running tools were killed; send a message to go on.");
  } catch (error) {
    actions.notify("");
    showError(error);
  } finally {
    ui.stopping = false;
    await actions.refresh().catch(showError);
  }
}

export async function undo() {
  try {
    const keepFiles = $("undo-keep-files").checked;
    const done = await api("POST", `/web/threads/${ui.threadId}/undo`, { keep_files: keepFiles });
    ui.logs.clear();
    await actions.refresh();
    if (!$("message").value) $("message").value = done.undone_message || "";
    const said = `Undone: “${(done.undone_message || "").slice(0, 60)}”. Edit and send it again, or write something new.`;
    actions.notify([said, ...filesReport(done.files)].join(" "));
    actions.loadThreads().catch(showError);
  } catch (error) {
    showError(error);
    await actions.refresh().catch(() => {}); // e.g. the thread was deleted elsewhere
  }
}

// What an undo did to the files, in sentences (the CLI's report, cli/undo_report.py).
const SHOWN = 8;
const NAMED = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
// A name on one readable line, as tools/shown_names.py escapes it (twice is harmless).
function shown(name) {
  return String(name).replace(/[\p{C}\p{Z}]/gu, (c) => {
    if (c === " ") return c;
    const code = c.codePointAt(0).toString(16);
    return NAMED[c] || (code.length <= 2 ? `\\x${code.padStart(2, "0")}` : `\\u${code.padStart(4, "0")}`);
  });
}
function listed(items) {
  const more = items.length > SHOWN ? ` … and ${items.length - SHOWN} more` : "";
  return items.slice(0, SHOWN).map(shown).join(", ") + more;
}

export function filesReport(files) {
  if (!files) return [];
  const lines = [];
  if (files.kept_files) lines.push("Files were left as they are.");
  else if ((files.restored || []).length || (files.removed || []).length) {
    lines.push(`Files put back: ${files.restored.length} restored, ${files.removed.length} removed.`);
  }
  const sections = [
    ["conflicts", "Changed since the agent wrote them, so left as they are:"],
    ["failed", "Could not be put back:"],
    ["not_kept", "Changed, but not kept (too big, a data folder or a credential file):"],
    ["not_undoable", "Not undone (outside the workspace or on another service):"],
    ["not_recorded", "Files these calls changed were not recorded (recording off, an older ml-intern, or a workspace over undo.max_files):"],
  ];
  for (const [key, heading] of sections) {
    if ((files[key] || []).length) lines.push(`${heading} ${listed(files[key])}.`);
  }
  return lines;
}
