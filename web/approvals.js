// The approval card for the HITL interrupt: approve, reject with feedback, edit the
// arguments, or approve and stop asking for the rest of the thread (yolo).

import { el } from "./dom.js";
import { actions, ui } from "./state.js";

const VERDICT = { approve: "Approved", reject: "Rejected", edit: "Approved with your edits" };

// Open, and what was typed, is kept in `ui` (a re-render, such as a late refresh, keeps it).
function rejectForm(n) {
  const feedback = el("textarea", { rows: "2", placeholder: "What should the agent do instead?", "aria-label": "Feedback",
    oninput: () => ui.rejecting.set(n, feedback.value) });
  feedback.value = ui.rejecting.get(n) || "";
  const form = el("div", { class: "reject-form", hidden: !ui.rejecting.has(n) }, feedback,
    el("button", { type: "button", class: "danger", text: "Send feedback",
      onclick: () => actions.decide(n, { type: "reject", message: feedback.value.trim() }) }));
  return { form, feedback };
}

function editForm(n, request) {
  const box = el("textarea", { class: "args-editor", rows: "6", spellcheck: "false", "aria-label": "Arguments (JSON)" });
  box.value = JSON.stringify(request.args, null, 2);
  const problem = el("p", { class: "field-error", role: "alert", hidden: true });
  const submit = () => {
    let args;
    try {
      args = JSON.parse(box.value);
    } catch (error) {
      problem.hidden = false;
      problem.textContent = `Not valid JSON: ${error.message}`;
      return;
    }
    if (!args || typeof args !== "object" || Array.isArray(args)) {
      problem.hidden = false;
      problem.textContent = "The arguments must be a JSON object, like the original.";
      return;
    }
    ui.editing.delete(n);
    actions.decide(n, { type: "edit", edited_action: { name: request.name, args } });
  };
  return el("div", { class: "edit-form" }, box, problem,
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", text: "Run edited", onclick: submit }),
      el("button", { type: "button", class: "quiet", text: "Cancel edit",
        onclick: () => { ui.editing.delete(n); actions.render(); } })));
}

function requestView(request, n) {
  const decided = ui.decisions[n];
  const head = el("div", { class: "request-head" }, el("span", { class: "tool-name", text: request.name }),
    el("span", { class: "request-desc", text: request.description || "" }));
  if (decided) {
    return el("div", { class: "request" }, head,
      el("div", { class: "decided", text: VERDICT[decided.type] || "Answered" }));
  }
  if (ui.editing.has(n)) return el("div", { class: "request" }, head, editForm(n, request));
  const { form, feedback } = rejectForm(n);
  const buttons = el("div", { class: "actions" },
    el("button", { type: "button", class: "primary", text: "Approve", onclick: () => actions.decide(n, { type: "approve" }) }),
    el("button", { type: "button", class: "quiet", text: "Edit arguments",
      onclick: () => { ui.editing.add(n); actions.render(); } }),
    el("button", { type: "button", class: "danger", text: "Reject",
      onclick: () => { ui.rejecting.set(n, feedback.value); form.hidden = false; feedback.focus(); } }));
  return el("div", { class: "request" }, head,
    el("pre", { class: "args", text: JSON.stringify(request.args, null, 2) }), buttons, form);
}

export function renderApproval(log) {
  const requests = ui.interrupts[0]?.value?.action_requests || [];
  if (!requests.length || ui.busy) return;
  const title = requests.length > 1 ? `${requests.length} actions need your approval` : "Approval needed";
  const card = el("section", { class: "approval", "aria-label": "Approval needed" },
    el("div", { class: "approval-head" }, el("span", { class: "approval-icon", "aria-hidden": "true", text: "!" }),
      el("h2", { text: title })),
    ...requests.map(requestView));
  card.append(el("div", { class: "yolo-row" },
    el("button", { type: "button", class: "quiet yolo", text: "Yolo for this thread",
      title: "Approve what is pending and run this thread's later tool calls without asking",
      onclick: () => actions.yolo() }),
    el("span", { class: "hint", text: "Approves these and stops asking in this thread (turn it off in the top bar)." })));
  log.append(card);
}
