// The conversation: user bubbles, markdown answers, tool cards with live progress, the plan.

import { el, firstArg, textOf } from "./dom.js";
import { markdown } from "./markdown.js";
import { messagesOf, ui } from "./state.js";

const NOTE = "ml_intern"; // additional_kwargs key of the runtime's notes to the model

function statusOf(call, result) {
  if (result) {
    const text = textOf(result.content);
    if (text.startsWith("The user rejected")) return "rejected";
    if (text.startsWith("[cancelled]")) return "cancelled";
    return result.status === "error" ? "failed" : "done";
  }
  const waiting = (ui.interrupts[0]?.value?.action_requests || []).some((r) => r.id === call.id);
  if (waiting) return "waiting";
  return ui.busy ? "running" : "not run";
}

function remember(id) {
  return (event) => {
    const open = event.currentTarget.open;
    (open ? ui.open : ui.closed).add(id);
    (open ? ui.closed : ui.open).delete(id);
  };
}

// The images a python result saved, served by the thread's figure route (serve/web_figures.py).
function figures(result) {
  const names = result.artifact?.figures || [];
  if (!names.length || !ui.threadId) return [];
  const base = `/web/threads/${encodeURIComponent(ui.threadId)}/figures/`;
  return [el("div", { class: "figures" }, ...names.map((name) =>
    el("img", { class: "figure", src: base + encodeURIComponent(name), alt: `Figure ${name}`, loading: "lazy" })))];
}

export function toolCard(call, result) {
  const status = statusOf(call, result);
  const lines = ui.logs.get(call.id) || [];
  const live = status === "running" && lines.length ? lines[lines.length - 1] : null;
  const summary = el("summary", {},
    el("span", { class: `dot is-${status.replace(" ", "-")}`, "aria-hidden": "true" }),
    el("span", { class: "tool-name", text: call.name }),
    el("span", { class: "tool-arg", text: live || firstArg(call.args) }),
    status === "done" ? null : el("span", { class: `tool-status is-${status.replace(" ", "-")}`, text: status }));
  const body = el("div", { class: "tool-body" },
    el("div", { class: "label", text: "Arguments" }),
    el("pre", { class: "args", text: JSON.stringify(call.args, null, 2) }));
  if (lines.length && !result) {
    body.append(el("div", { class: "label", text: "Progress" }),
      el("pre", { class: "progress", "aria-live": "polite", text: lines.join("\n") }));
  }
  if (result) {
    body.append(el("div", { class: "label", text: "Output" }),
      el("pre", { class: "output", text: textOf(result.content) }), ...figures(result));
  }
  const open = ui.open.has(call.id) || (live !== null && !ui.closed.has(call.id));
  return el("details", { class: `tool is-${status.replace(" ", "-")}`, "data-call": call.id, open,
    ontoggle: remember(call.id) }, summary, body);
}

function noteOf(message) {
  const kind = message.additional_kwargs?.[NOTE];
  if (kind !== "summary") return null;
  return el("div", { class: "note", text: "Earlier messages were summarised to keep the context small." });
}

export function renderMessages(log) {
  const messages = messagesOf();
  const results = new Map();
  for (const m of messages) if (m.type === "tool") results.set(m.tool_call_id, m);
  for (const m of messages) {
    if (m.type === "human" && m.additional_kwargs?.[NOTE]) {
      log.append(noteOf(m) || "");
    } else if (m.type === "human") {
      log.append(el("div", { class: "msg user" }, el("div", { class: "bubble", text: textOf(m.content) })));
    } else if (m.type === "ai") {
      const text = textOf(m.content);
      if (text.trim()) log.append(el("div", { class: "msg assistant" }, markdown(text)));
      for (const call of m.tool_calls || []) {
        if (call.name !== "plan" || !results.get(call.id)) log.append(toolCard(call, results.get(call.id)));
        else log.append(planMention(results.get(call.id)));
      }
    }
  }
}

function planMention(result) {
  const first = textOf(result.content).split("\n")[0].replace(/:$/, "");
  return el("div", { class: "plan-mention" }, el("span", { class: "check", "aria-hidden": "true", text: "☰" }), first);
}

const MARKS = { completed: "✓", in_progress: "◐", pending: "" };
const SAY = { completed: "done", in_progress: "in progress", pending: "to do" };

// The plan as a checklist, beside the conversation; hidden while there is none.
export function renderPlan(panel) {
  const plan = ui.values.plan || [];
  panel.hidden = !plan.length;
  if (!plan.length) { panel.replaceChildren(); return; }
  const done = plan.filter((t) => t.status === "completed").length;
  const list = el("ul", { class: "todos", "aria-label": "Plan" }, ...plan.map((todo) =>
    el("li", { class: `todo is-${todo.status}` },
      el("span", { class: "box", "aria-hidden": "true", text: MARKS[todo.status] || "" }),
      el("span", { class: "todo-text", text: todo.content }),
      el("span", { class: "visually-hidden", text: ` (${SAY[todo.status] || todo.status})` }))));
  const fill = el("span", { class: "plan-fill" });
  fill.style.width = `${Math.round((100 * done) / plan.length)}%`; // CSSOM: allowed by the CSP
  const bar = el("div", { class: "plan-bar", "aria-hidden": "true" }, fill);
  panel.replaceChildren(
    el("div", { class: "plan-head" }, el("h2", { text: "Plan" }),
      el("span", { class: "plan-count", text: `${done}/${plan.length} done` })),
    bar, list);
}
