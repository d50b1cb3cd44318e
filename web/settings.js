// The model and effort pickers and the yolo switch: the CLI's /model, /effort and /yolo.

import { api } from "./api.js";
import { $, el, showError } from "./dom.js";
import { actions, ui } from "./state.js";

// A setting carried to the next run (see `apply`) shows as the thread's.
const thread = () => ({ ...ui.values, ...ui.carried });
export const currentModel = () => thread().model || ui.pending.model || ui.choices.model;
const currentEffort = () => (ui.threadId ? thread().effort : ui.pending.effort) ?? ui.choices.effort ?? "";

export function renderSettings() {
  const model = $("model");
  if (document.activeElement !== model && !model.dataset.checking) model.value = currentModel() || "";
  $("effort").value = currentEffort() || "";
  $("yolo").hidden = !thread().yolo;
  const locked = ui.busy || Boolean(model.dataset.checking);
  model.disabled = locked;
  $("effort").disabled = locked;
}

export async function loadChoices() {
  ui.choices = await api("GET", "/web/models");
  $("models").replaceChildren(...ui.choices.models.map((id) => el("option", { value: id })));
  $("effort").replaceChildren(el("option", { value: "", text: "Default effort" }),
    ...ui.choices.efforts.map((level) => el("option", { value: level, text: `${level[0].toUpperCase()}${level.slice(1)} effort` })));
  renderSettings();
}

// Apply now (an existing thread) or with the first message (a new one). While an approval
// is pending the server cannot write the thread: as the CLI does, the change is carried
// and goes with the answer to the approval (runs.js). The thread is the one shown when asked:
// its answer is not drawn in (nor carried to) another thread opened meanwhile: false then.
async function apply(change, said) {
  if (!ui.threadId || ui.missing) {
    Object.assign(ui.pending, change);
    actions.notify(`${said} for the next message.`);
    renderSettings();
    return true;
  }
  const { view } = ui;
  const settings = await api("POST", `/web/threads/${ui.threadId}/settings`, change);
  if (ui.view !== view) return false;
  if (settings.carried) {
    Object.assign(ui.carried, settings.carried);
    actions.notify(`${said} from the next step, once you answer the approval.`);
    return true;
  }
  Object.assign(ui.values, settings);
  actions.notify(`${said} for this thread.`);
  return true;
}

async function onModel() {
  const model = $("model");
  const wanted = model.value.trim();
  if (!wanted || wanted === currentModel()) { renderSettings(); return; }
  model.dataset.checking = "1";
  actions.notify(`Checking ${wanted}…`);
  renderSettings();
  try {
    await apply({ model: wanted }, `Model: ${wanted}`);
  } catch (error) {
    actions.notify("");
    showError(error);
  } finally {
    delete model.dataset.checking;
    renderSettings();
  }
}

async function onEffort() {
  const effort = $("effort").value;
  try {
    await apply({ effort }, `Effort: ${effort || "default"}`);
  } catch (error) {
    showError(error);
  }
  renderSettings();
}

async function yoloOff() {
  try {
    if (!(await apply({ yolo: false }, "Yolo off"))) return;
    actions.notify(ui.carried.yolo === false ? "Yolo off from the next step: risky tool calls will ask first again."
      : "Yolo off: risky tool calls ask first again.");
  } catch (error) {
    showError(error);
  }
  renderSettings();
}

export function wireSettings() {
  $("model").addEventListener("change", onModel);
  $("model").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); $("model").blur(); } });
  $("effort").addEventListener("change", onEffort);
  $("yolo").addEventListener("click", yoloOff);
}
