// The thread list: search by title, open (resume), fork and delete.

import { api, newestOnly } from "./api.js";
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
  const source = threadTitle(thread);
  const title = `${source.slice(0, 110)} (fork)`; // the mark stays whatever the length
  const metadata = { title, forked_from: thread.thread_id, forked_from_title: source };
  await api("PATCH", `/threads/${copy.thread_id}`, { metadata });
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
  const when = lastActivity(thread);
  const title = threadTitle(thread);
  const meta = thread.metadata || {};
  const forked = meta.forked_from
    ? el("span", { class: "thread-fork", title: `Forked from “${meta.forked_from_title || meta.forked_from}”` },
      icon("fork"), ` from ${meta.forked_from_title || meta.forked_from.slice(0, 8)}`)
    : null;
  const open = el("button", {
    type: "button", class: "thread", "aria-current": current ? "true" : null,
    onclick: () => goTo(thread.thread_id),
  }, el("span", { class: "thread-title", text: title }),
  forked,
  el("span", { class: "thread-when", title: "Last activity",
    text: when.toLocaleString([], { dateStyle: "short", timeStyle: "short" }) }));
  const tools = el("span", { class: "thread-tools" },
    el("button", { type: "button", class: "icon", "aria-label": "Fork thread", title: `Fork “${title}”`,
      onclick: () => fork(thread).catch(showError) }, icon("fork")),
    el("button", { type: "button", class: "icon danger-icon", "aria-label": "Delete thread", title: `Delete “${title}”`,
      onclick: () => remove(thread).catch(showError) }, icon("trash")));
  return el("li", { class: current ? "is-current" : null }, open, tools);
}

// When the thread was last used: the server's own time, or for a CLI thread registered at
// start (whose server record is only as old as the server) the CLI's index time.
function lastActivity(thread) {
  const server = Date.parse(thread.updated_at || thread.created_at) || 0;
  const cli = Number(thread.metadata?.last_activity || 0) * 1000;
  return new Date(Math.max(server, cli));
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

const threadsOf = newestOnly();

export async function loadThreads() {
  const threads = await threadsOf("POST", "/threads/search", { limit: 100, sort_by: "updated_at", sort_order: "desc" });
  if (threads === null) return; // a later ask's list is shown already
  ui.threads = threads;
  renderThreadList();
}
