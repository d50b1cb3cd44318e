"""Which requests can start, continue or change a run, and what the server does with each.

Both engines mount far more than the page uses, and several of their routes start a run
or write a thread's state outside the run guard's parser: stateless runs, batches, crons
(a stored run body that starts later), `POST /threads/{id}/state` (writes messages as any
node), thread creation with `supersteps`, MCP and A2A (a run from a tool call), the v2
event stream's commands, assistants (a run under another assistant's config). Every
request that may write is one of:

- RUN: a run on a thread, parsed and rebuilt by the server (serve/run_request.py);
- SERVED: a write that starts no run and writes no state a run trusts (cancel, delete,
  copy, searches sent as POST, the page's own `/web/*` and `/oauth/*`);
- anything else, refused with a sentence (REFUSED says why for the engines' routes we
  know); a write route an engine adds later is refused until someone puts it here.

GET and HEAD read and pass. WebSockets are refused: the page uses none, and the engines'
event stream takes run commands over one.
"""

from __future__ import annotations

import re
from enum import Enum

from starlette.routing import compile_path

THREAD = "/threads/{thread_id}"
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class Rule(Enum):
    RUN = "run"
    SERVED = "served"
    REFUSED = "refused"


RUN_ROUTES = (f"{THREAD}/runs", f"{THREAD}/runs/stream", f"{THREAD}/runs/wait")
SERVED: tuple[tuple[str, str], ...] = (
    ("POST", "/threads"),  # without supersteps (serve/run_guard.py)
    ("POST", "/threads/search"),
    ("POST", "/threads/count"),
    ("PATCH", THREAD),
    ("DELETE", THREAD),
    ("POST", f"{THREAD}/copy"),
    ("POST", f"{THREAD}/history"),
    ("POST", f"{THREAD}/state/checkpoint"),  # reads the state at a checkpoint
    ("POST", f"{THREAD}/runs/{{run_id}}/cancel"),
    ("PATCH", f"{THREAD}/runs/{{run_id}}"),  # Aegra: a run's status (to interrupt it)
    ("DELETE", f"{THREAD}/runs/{{run_id}}"),
    ("POST", "/runs/cancel"),
    ("POST", "/runs/crons/search"),
    ("POST", "/runs/crons/count"),
    ("DELETE", "/runs/crons/{cron_id}"),
    ("POST", "/assistants/search"),
    ("POST", "/assistants/count"),
    ("POST", "/assistants/{assistant_id}/versions"),  # a search of its versions
    ("PUT", "/store/items"),
    ("DELETE", "/store/items"),
    ("POST", "/store/items/search"),
    ("POST", "/store/namespaces"),
    ("POST", "/ui/{graph_id}"),  # reads a graph's UI components
)
OWN_PREFIXES = ("/web/", "/oauth/")  # the page's own routes (serve/app.py)
STATELESS = "a run here works on a thread: make one with POST /threads, then run on it"
CRON = "runs here start when a person sends them: send the run when you want it"
ASSISTANT = 'this server runs one assistant, "ml_intern", as its operator set it up'
REFUSED: dict[tuple[str, str], str] = {
    ("POST", "/runs"): STATELESS,
    ("POST", "/runs/stream"): STATELESS,
    ("POST", "/runs/wait"): STATELESS,
    ("POST", "/runs/batch"): STATELESS,
    ("POST", "/runs/crons"): CRON,
    ("POST", f"{THREAD}/runs/crons"): CRON,
    ("PATCH", "/runs/crons/{cron_id}"): CRON,
    ("POST", "/threads/prune"): "delete threads one at a time with DELETE /threads/{id}: "
    "the server checks that no other process runs each, and removes its files too",
    ("POST", f"{THREAD}/state"): "a thread changes only by its runs: send a message, or "
    "answer the approval (the page's model and effort go through /web/threads/{id}/settings)",
    ("POST", "/assistants"): ASSISTANT,
    ("PATCH", "/assistants/{assistant_id}"): ASSISTANT,
    ("DELETE", "/assistants/{assistant_id}"): ASSISTANT,
    ("POST", "/assistants/{assistant_id}/latest"): ASSISTANT,
    ("POST", f"{THREAD}/stream/events"): "runs start here with POST /threads/{id}/runs/stream",
    ("POST", f"{THREAD}/commands"): "runs start here with POST /threads/{id}/runs/stream",
    ("POST", "/mcp"): "this server is not an MCP server; use its page or /threads/{id}/runs",
    ("DELETE", "/mcp"): "this server is not an MCP server; use its page or /threads/{id}/runs",
    ("POST", "/a2a/{assistant_id}"): "this server does not take agent-to-agent calls",
    ("DELETE", "/a2a/{assistant_id}"): "this server does not take agent-to-agent calls",
    ("POST", "/internal/truncate"): "the engine's internal routes are off here",
    ("POST", "/deploy"): "the engine's internal routes are off here",
}
UNKNOWN = "this server does not serve it (it may start a run past the server's checks)"


_RUN = [re.compile(compile_path(path)[0].pattern) for path in RUN_ROUTES]
_SERVED = [(m, compile_path(p)[0]) for m, p in SERVED]
_REFUSED = [(m, compile_path(p)[0], why) for (m, p), why in REFUSED.items()]


def rule_of(method: str, path: str) -> tuple[Rule, str]:
    """What the guard does with `method path`, and for a refusal, the sentence."""
    path = path.rstrip("/") or "/"
    if method in READS:
        return Rule.SERVED, ""
    if method == "POST" and any(pattern.match(path) for pattern in _RUN):
        return Rule.RUN, ""
    if path.startswith(OWN_PREFIXES) or any(
        m == method and pattern.match(path) for m, pattern in _SERVED
    ):
        return Rule.SERVED, ""
    for m, pattern, why in _REFUSED:
        if m == method and pattern.match(path):
            return Rule.REFUSED, f"{method} {path} is refused: {why}."
    return Rule.REFUSED, f"{method} {path} is refused: {UNKNOWN}."
