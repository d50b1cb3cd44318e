// The thread list: search by title, open (resume), fork and delete.

import { api } from "./api.js";
import { $, el, icon, showError, textOf } from "./dom.js";
import { actions, ui } from "./state.js";

export function threadTitle(thread) {
  const meta = thread?.metadata || {};
  const first = (thread?.values?.messages || []).find((m) => m.type === "human");
  return meta.title || (first ? textOf(first.content) : "") || "Untitled thread";
}

export const goTo = (threadId) => {
  if (threadId) location.hash = `thread=${threadId}`;
  else history.replaceState(null, "", location.pathname);
};

async function fork(thread) {
  const copy = await api("POST", `/threads/${thread.thread_id}/copy`);
  const title = `${threadTitle(thread)} (fork)`.slice(0, 120);
  await api("PATCH", `/threads/${copy.thread_id}`, { metadata: { title } });
  await loadThreads();
  goTo(copy.thread_id);
}

async function remove(thread) {
  if (!window.confirm(`Delete “${threadTitle(thread)}”? Its history cannot be recovered.`)) return;
  await api("DELETE", `/threads/${thread.thread_id}`);
  if (thread.thread_id === ui.threadId) {
    goTo(null);
    await actions.openThread(null);
  }
  await loadThreads();
}

function threadItem(thread) {
  const current = thread.thread_id === ui.threadId;
  const when = new Date(thread.updated_at || thread.created_at);
  const title = threadTitle(thread);
  const open = el("button", {
    type: "button", class: "thread", "aria-current": current ? "true" : null,
    onclick: () => goTo(thread.thread_id),
  }, el("span", { class: "thread-title", text: title }),
  el("span", { class: "thread-when", text: when.toLocaleString([], { dateStyle: "short", timeStyle: "short" }) }));
  const tools = el("span", { class: "thread-tools" },
    el("button", { type: "button", class: "icon", "aria-label": "Fork thread", title: `Fork “${title}”`,
      onclick: () => fork(thread).catch(showError) }, icon("fork")),
    el("button", { type: "button", class: "icon danger-icon", "aria-label": "Delete thread", title: `Delete “${title}”`,
      onclick: () => remove(thread).catch(showError) }, icon("trash")));
  return el("li", { class: current ? "is-current" : null }, open, tools);
}

export function renderThreadList() {
  const query = $("thread-search").value.trim().toLowerCase();
  const items = ui.threads.filter((t) => threadTitle(t).toLowerCase().includes(query));
  const empty = ui.threads.length ? "No thread matches." : "No threads yet.";
  $("thread-list").replaceChildren(...(items.length ? items.map(threadItem) : [el("li", { class: "no-threads", text: empty })]));
  const current = ui.threads.find((t) => t.thread_id === ui.threadId);
  const heading = ui.missing ? "No such thread" : ui.threadId ? threadTitle(current || { values: ui.values }) : "New thread";
  $("thread-title").textContent = heading;
  document.title = ui.threadId && !ui.missing ? `${heading} · ml-intern` : "ml-intern";
}

export async function loadThreads() {
  ui.threads = await api("POST", "/threads/search", { limit: 100, sort_by: "updated_at", sort_order: "desc" });
  renderThreadList();
}
