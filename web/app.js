// ml-intern web: one page over the LangGraph server's REST API (same origin).
// Model text is never parsed as HTML: the markdown renderer builds DOM nodes with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  info: { assistant_id: "ml_intern", workspace: "" },
  threadId: null,
  threads: [],
  busy: false,
  runId: null,
  live: "", // assistant text streamed but not yet in the thread's state
  messages: [],
  interrupts: [],
  decisions: [],
};

// ---------------------------------------------------------------- DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// ---------------------------------------------------------------- markdown

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\[[^\]\n]+\]\([^)\s]+\))/g;

function safeHref(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

function inline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const token = match[0];
    if (match[1]) out.push(el("code", { text: token.slice(1, -1) }));
    else if (match[2]) out.push(el("strong", {}, ...inline(token.slice(2, -2))));
    else {
      const [, label, url] = token.match(/^\[([^\]]+)\]\(([^)]+)\)$/);
      const href = safeHref(url);
      out.push(href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: label }) : token);
    }
    last = match.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function markdown(source) {
  const root = el("div", { class: "md" });
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*```(\S*)/);
    if (fence) {
      const code = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      i++;
      const pre = el("pre", { class: "code" }, el("code", { text: code.join("\n") }));
      if (fence[1]) pre.dataset.lang = fence[1];
      root.append(pre);
      continue;
    }
    const heading = line.match(/^(#{1,4})\s+(.*)$/);
    if (heading) {
      root.append(el(`h${heading[1].length + 2}`, {}, ...inline(heading[2])));
      i++;
      continue;
    }
    const bullet = /^\s*([-*+]|\d+[.)])\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const list = el(ordered ? "ol" : "ul");
      for (; i < lines.length && bullet.test(lines[i]); i++) {
        list.append(el("li", {}, ...inline(lines[i].replace(bullet, ""))));
      }
      root.append(list);
      continue;
    }
    if (!line.trim()) { i++; continue; }
    const para = [];
    for (; i < lines.length && lines[i].trim() && !/^\s*```/.test(lines[i])
      && !bullet.test(lines[i]) && !/^#{1,4}\s/.test(lines[i]); i++) para.push(lines[i]);
    const p = el("p");
    para.forEach((text, n) => { if (n) p.append(el("br")); p.append(...inline(text)); });
    root.append(p);
  }
  return root;
}

// ---------------------------------------------------------------- API

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

// POST a run and read its server-sent events; EventSource cannot POST, so parse them here.
async function streamRun(threadId, body, onEvent) {
  const response = await fetch(`/threads/${threadId}/runs/stream`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`run: ${response.status} ${await response.text()}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(event, JSON.parse(data.join("\n")));
    }
  }
}

// ---------------------------------------------------------------- rendering

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((b) => (typeof b === "string" ? b : b.type === "text" ? b.text || "" : "")).join("");
  }
  return content == null ? "" : String(content);
}

function firstArg(args) {
  const value = Object.values(args || {})[0];
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function toolCard(call, result) {
  const rejected = result && textOf(result.content).startsWith("The user rejected");
  const waiting = (ui.interrupts[0]?.value?.action_requests || []).some((r) => r.id === call.id);
  const status = !result ? (waiting ? "waiting" : "running") : rejected ? "rejected" : result.status === "error" ? "failed" : "done";
  const summary = el("summary", {},
    el("span", { class: `dot is-${status}`, "aria-hidden": "true" }),
    el("span", { class: "tool-name", text: call.name }),
    el("span", { class: "tool-arg", text: firstArg(call.args) }),
    status === "done" ? null : el("span", { class: `tool-status is-${status}`, text: status }));
  const body = el("div", { class: "tool-body" },
    el("div", { class: "label", text: "Arguments" }),
    el("pre", { text: JSON.stringify(call.args, null, 2) }));
  if (result) {
    body.append(el("div", { class: "label", text: "Output" }), el("pre", { class: "output", text: textOf(result.content) }));
  }
  return el("details", { class: `tool is-${status}` }, summary, body);
}

function renderMessages(log) {
  const results = new Map();
  for (const m of ui.messages) if (m.type === "tool") results.set(m.tool_call_id, m);
  for (const m of ui.messages) {
    if (m.type === "human") {
      log.append(el("div", { class: "msg user" }, el("div", { class: "bubble", text: textOf(m.content) })));
    } else if (m.type === "ai") {
      const text = textOf(m.content);
      if (text.trim()) log.append(el("div", { class: "msg assistant" }, markdown(text)));
      for (const call of m.tool_calls || []) log.append(toolCard(call, results.get(call.id)));
    }
  }
}

function renderApproval(log) {
  const value = ui.interrupts[0]?.value;
  const requests = value?.action_requests || [];
  if (!requests.length || ui.busy) return;
  const card = el("section", { class: "approval", "aria-label": "Approval needed" },
    el("h2", { text: requests.length > 1 ? `${requests.length} actions need your approval` : "Approval needed" }));
  requests.forEach((request, n) => {
    const decided = ui.decisions[n];
    const feedback = el("textarea", { rows: "2", placeholder: "What should the agent do instead?", "aria-label": "Feedback" });
    const rejectForm = el("div", { class: "reject-form", hidden: "" }, feedback,
      el("button", { type: "button", class: "danger", text: "Send feedback",
        onclick: () => decide(n, { type: "reject", message: feedback.value.trim() }) }));
    const buttons = el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", text: "Approve", onclick: () => decide(n, { type: "approve" }) }),
      el("button", { type: "button", class: "danger", text: "Reject",
        onclick: () => { rejectForm.hidden = false; feedback.focus(); } }));
    card.append(el("div", { class: "request" },
      el("div", { class: "request-head" }, el("span", { class: "tool-name", text: request.name }),
        el("span", { class: "request-desc", text: request.description || "" })),
      el("pre", { text: JSON.stringify(request.args, null, 2) }),
      decided ? el("div", { class: "decided", text: decided.type === "approve" ? "Approved" : "Rejected" }) : buttons,
      decided ? null : rejectForm));
  });
  log.append(card);
}

function render() {
  const log = $("log");
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  log.replaceChildren();
  if (!ui.messages.length && !ui.live) {
    log.append(el("div", { class: "empty" },
      el("div", { class: "empty-title", text: "What should we work on?" }),
      el("div", { class: "empty-sub", text: `ml-intern works in ${ui.info.workspace}` })));
  }
  renderMessages(log);
  if (ui.live) log.append(el("div", { class: "msg assistant live" }, markdown(ui.live)));
  if (ui.busy && !ui.live) log.append(el("div", { class: "thinking", text: "Working…" }));
  renderApproval(log);
  if (nearBottom || ui.busy) log.scrollTop = log.scrollHeight;
  $("send").disabled = ui.busy;
  $("stop").hidden = !ui.busy;
  $("status").textContent = ui.busy ? "Running" : ui.interrupts.length ? "Waiting for your approval" : "";
}

function renderUsage(usage) {
  if (!usage || !usage.calls) { $("usage").textContent = ""; return; }
  const k = (n) => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n || 0));
  const cost = usage.cost_usd ? ` · $${usage.cost_usd.toFixed(4)}` : "";
  $("usage").textContent = `${k(usage.input_tokens)} in · ${k(usage.output_tokens)} out${cost}`;
}

function showError(error) {
  $("error").hidden = !error;
  $("error").textContent = error ? String(error.message || error) : "";
}

// ---------------------------------------------------------------- threads

function threadTitle(thread) {
  const meta = thread.metadata || {};
  const first = (thread.values?.messages || []).find((m) => m.type === "human");
  return meta.title || (first ? textOf(first.content) : "") || "Untitled thread";
}

function renderThreadList() {
  const query = $("thread-search").value.trim().toLowerCase();
  const items = ui.threads.filter((t) => threadTitle(t).toLowerCase().includes(query));
  $("thread-list").replaceChildren(...items.map((thread) => {
    const current = thread.thread_id === ui.threadId;
    const when = new Date(thread.updated_at || thread.created_at);
    return el("li", {}, el("button", {
      type: "button", class: "thread", ...(current ? { "aria-current": "true" } : {}),
      onclick: () => { location.hash = `thread=${thread.thread_id}`; },
    }, el("span", { class: "thread-title", text: threadTitle(thread) }),
    el("span", { class: "thread-when", text: when.toLocaleString([], { dateStyle: "short", timeStyle: "short" }) })));
  }));
  const current = ui.threads.find((t) => t.thread_id === ui.threadId);
  $("thread-title").textContent = ui.threadId ? (current ? threadTitle(current) : "Thread") : "New thread";
}

async function loadThreads() {
  ui.threads = await api("POST", "/threads/search", { limit: 100, sort_by: "updated_at", sort_order: "desc" });
  renderThreadList();
}

async function refresh() {
  if (!ui.threadId) return;
  const state = await api("GET", `/threads/${ui.threadId}/state`);
  const values = state.values || {};
  ui.messages = values.messages || [];
  const fromTasks = (state.tasks || []).flatMap((t) => t.interrupts || []);
  ui.interrupts = (state.interrupts && state.interrupts.length ? state.interrupts : fromTasks);
  if (!ui.interrupts.length) ui.decisions = [];
  renderUsage(values.usage);
  render();
}

async function openThread(threadId) {
  ui.threadId = threadId;
  ui.messages = [];
  ui.interrupts = [];
  ui.decisions = [];
  ui.live = "";
  renderUsage(null);
  renderThreadList();
  render();
  if (threadId) await refresh().catch(showError);
}

// ---------------------------------------------------------------- runs

async function run(body) {
  ui.busy = true;
  ui.live = "";
  showError(null);
  render();
  const payload = {
    assistant_id: ui.info.assistant_id,
    stream_mode: ["messages-tuple", "updates", "custom"],
    context: { workspace: ui.info.workspace, mode: "interactive" },
    on_disconnect: "continue",
    ...body,
  };
  try {
    await streamRun(ui.threadId, payload, onStreamEvent);
  } catch (error) {
    showError(error);
  } finally {
    ui.busy = false;
    ui.live = "";
    ui.runId = null;
    await refresh().catch(showError);
    loadThreads().catch(showError);
    $("message").focus();
  }
}

function onStreamEvent(event, data) {
  if (event === "metadata") {
    ui.runId = data.run_id;
  } else if (event === "messages") {
    const [chunk, meta] = data;
    const isAi = chunk && (chunk.type === "AIMessageChunk" || chunk.type === "ai");
    if (isAi && meta?.langgraph_node === "call_model") {
      ui.live += textOf(chunk.content);
      const log = $("log");
      log.dataset.chunks = String(Number(log.dataset.chunks || 0) + 1); // how many arrived live
      render();
    }
  } else if (event === "updates") {
    if (data.call_model) ui.live = "";
    refresh().catch(showError);
  } else if (event === "custom" && data?.type === "error" && !data.warning) {
    showError(data.message);
  } else if (event === "error") {
    showError(data.message || data.error || JSON.stringify(data));
  }
}

async function send(text) {
  if (!ui.threadId) {
    const metadata = { title: text.slice(0, 80), cwd: ui.info.workspace };
    const thread = await api("POST", "/threads", { metadata });
    ui.threadId = thread.thread_id;
    history.replaceState(null, "", `#thread=${thread.thread_id}`);
  }
  ui.messages = [...ui.messages, { type: "human", content: text }];
  ui.interrupts = [];
  await run({ input: { messages: [{ type: "human", content: text }] } });
}

function decide(index, decision) {
  ui.decisions[index] = decision;
  const count = ui.interrupts[0]?.value?.action_requests?.length || 0;
  if (ui.decisions.filter(Boolean).length < count) { render(); return; }
  const decisions = ui.decisions.slice(0, count);
  ui.decisions = [];
  ui.interrupts = [];
  run({ command: { resume: { decisions } } });
}

// ---------------------------------------------------------------- wiring

function threadFromHash() {
  const match = location.hash.match(/thread=([\w-]+)/);
  return match ? match[1] : null;
}

async function start() {
  ui.info = await api("GET", "/web/info");
  $("workspace").textContent = ui.info.workspace;
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("message").value.trim();
    if (!text || ui.busy) return;
    if (ui.interrupts.length) { showError("Approve or reject the pending action first."); return; }
    $("message").value = "";
    send(text).catch(showError);
  });
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("stop").addEventListener("click", () => {
    if (ui.runId) api("POST", `/threads/${ui.threadId}/runs/${ui.runId}/cancel`).catch(showError);
  });
  $("new-thread").addEventListener("click", () => {
    history.replaceState(null, "", location.pathname);
    openThread(null);
    $("message").focus();
  });
  $("thread-search").addEventListener("input", renderThreadList);
  window.addEventListener("hashchange", () => openThread(threadFromHash()));
  await openThread(threadFromHash());
  await loadThreads();
  $("message").focus();
}

start().catch(showError);
