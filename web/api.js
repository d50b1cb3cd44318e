// The server's REST API (same origin): JSON calls and server-sent event streams.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The sentence a failed response carries: our endpoints and the server say `detail`.
async function failure(response, what) {
  const text = await response.text();
  let detail = text;
  try {
    const body = JSON.parse(text);
    detail = body.detail || body.message || body.error || text;
  } catch { /* not JSON: the text itself */ }
  if (typeof detail !== "string") detail = JSON.stringify(detail);
  return new ApiError(response.status, detail || `${what}: ${response.status}`);
}

// What a person is told when the server cannot be reached (stopped, restarted, offline).
export const LOST = "Lost the connection to the server (it may have stopped or restarted). "
  + "Reload the page once it is back: the thread is kept, and a run it was doing goes on.";

// `fetch`, with a dropped connection said in a person's words.
async function reach(path, options) {
  try {
    return await fetch(path, options);
  } catch (error) {
    if (error instanceof TypeError) throw new ApiError(0, LOST);
    throw error;
  }
}

// `api` for a view that is asked for again and again (a thread's state, the thread list):
// an answer older than one already returned comes back as null, since a busy server can
// answer two asks out of order and the older must not be drawn over the newer.
export function newestOnly() {
  const asks = { made: 0, returned: 0 };
  return async (method, path, body) => {
    const ask = ++asks.made;
    const answer = await api(method, path, body);
    if (ask < asks.returned) return null;
    asks.returned = ask;
    return answer;
  };
}

export async function api(method, path, body) {
  const response = await reach(path, {
    method,
    credentials: "same-origin",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw await failure(response, `${method} ${path}`);
  return response.status === 204 ? null : response.json();
}

function dispatch(block, onEvent) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (data.length) onEvent(event, JSON.parse(data.join("\n")));
}

// Read server-sent events from a fetch response (EventSource cannot POST). Each read is searched
// once, and an event's pieces joined once: a 5 MB event is not copied and searched again at
// every read that brings more of it.
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pieces = []; // the event being read, so far
  let held = ""; // a "\r" that may start a "\r\n" the next read ends
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    let text = (held + value).replace(/\r\n/g, "\n");
    held = text.endsWith("\r") ? "\r" : "";
    if (held) text = text.slice(0, -1);
    let from = 0;
    if (text.startsWith("\n") && pieces.at(-1)?.endsWith("\n")) { // "\n\n" across two reads
      dispatch(pieces.join("").slice(0, -1), onEvent);
      pieces = [];
      from = 1;
    }
    let cut;
    while ((cut = text.indexOf("\n\n", from)) >= 0) {
      pieces.push(text.slice(from, cut));
      dispatch(pieces.join(""), onEvent);
      pieces = [];
      from = cut + 2;
    }
    if (from < text.length) pieces.push(text.slice(from));
  }
}

async function stream(method, path, body, onEvent, signal) {
  const response = await reach(path, {
    method,
    signal,
    credentials: "same-origin",
    headers: { Accept: "text/event-stream", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw await failure(response, "run");
  try {
    await readEvents(response, onEvent);
  } catch (error) {
    if (error instanceof TypeError) throw new ApiError(0, LOST); // cut off mid-run
    throw error;
  }
}

// Start a run on a thread and follow it (until it ends, or `signal` aborts).
export const streamRun = (threadId, body, onEvent, signal) =>
  stream("POST", `/threads/${threadId}/runs/stream`, body, onEvent, signal);

// Follow a run that is already going (another tab started it, or the page was reloaded).
export const joinRun = (threadId, runId, onEvent, signal) =>
  stream("GET", `/threads/${threadId}/runs/${runId}/stream`, null, onEvent, signal);
