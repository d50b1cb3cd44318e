// The page's state, shared by every module, and the actions modules call on each other
// (registered by app.js, so no module imports its caller).

export const ui = {
  info: { assistant_id: "ml_intern", workspace: "" },
  choices: { model: "", effort: "", models: [], efforts: [] }, // GET /web/models
  threadId: null,
  view: 0, // how many times a thread was opened: what was begun for an earlier opening is not drawn
  missing: false, // the URL named a thread the server does not have
  threads: [],
  busy: false,
  starting: false, // a message was sent; its thread or run is not there yet
  runId: null,
  waiting: null, // why the run has not started yet (the server's or your share is full)
  stopping: false,
  live: "", // assistant text streamed but not yet in the thread's state
  liveId: "", // the id of the message `live` is the start of
  values: {}, // the thread's state values (messages, plan, usage, model, effort, yolo, ...)
  interrupts: [],
  decisions: [],
  editing: new Set(), // approval requests whose arguments are being edited
  rejecting: new Map(), // approval request -> the feedback typed in its open Reject form
  logs: new Map(), // tool call id -> progress lines streamed while it runs
  open: new Set(), // tool cards the user opened (kept open across re-renders)
  closed: new Set(), // running cards the user closed
  pending: {}, // model / effort chosen before the thread exists
  carried: {}, // settings changed while an approval is pending: sent with the answer
  notice: "",
};

export const actions = {}; // render, renderSoon, refresh, openThread, decide, loadThreads, ...

export const messagesOf = () => ui.values.messages || [];
