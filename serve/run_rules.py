"""What a run request may ask for: its own thread, its own person, nothing more.

A run's `context` and `config.configurable` reach the graph (the server copies the
configurable into the context), and the tools trust them: a `thread_id` there names whose
sandboxes `hf_sandbox list` shows, whose spill files a tool reads. So a run may name no
thread but the one in its path, and no identity at all (the server sets who it belongs
to). Where people sign in, a run may also not create its thread (`if_not_exists`:
that path skipped the ownership check of POST /threads) nor make the server call a URL
(`webhook`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from configs.advice import FRONT_ENDS

CONTEXT_KEYS = frozenset(
    {"mode", "workspace", "thread_id", "max_iterations", "max_cost_usd", "front_end"}
)
IDENTITY_PREFIX = "langgraph_auth"  # the server's own keys for who the run belongs to
SIGNED_IN_REFUSED = {
    "webhook": "a run here cannot call a webhook",
    "if_not_exists": "a run here cannot create its thread: make it with POST /threads first",
}


def run_problem(payload: Any, thread_id: str, signed_in: bool) -> str | None:
    """Why a run request for `thread_id` is refused, or None."""
    if not isinstance(payload, Mapping):
        return "A run request is a JSON object."
    if signed_in:
        for key, why in SIGNED_IN_REFUSED.items():
            if payload.get(key) not in (None, "reject"):
                return f'"{key}" is refused: {why}.'
    context = payload.get("context")
    if context is not None and (problem := context_problem(context, thread_id)):
        return problem
    config = payload.get("config")
    configurable = config.get("configurable") if isinstance(config, Mapping) else None
    if configurable is not None and (problem := configurable_problem(configurable, thread_id)):
        return problem
    return None


def context_problem(context: Any, thread_id: str) -> str | None:
    if not isinstance(context, Mapping):
        return '"context" must be an object.'
    unknown = sorted(set(context) - CONTEXT_KEYS)
    if unknown:
        return f'"context" takes only {", ".join(sorted(CONTEXT_KEYS))}; got {", ".join(unknown)}.'
    if context.get("front_end", "web") not in FRONT_ENDS:
        return f'"context.front_end" is one of {", ".join(FRONT_ENDS)}.'
    return other_thread(context, thread_id, "context")


def configurable_problem(configurable: Any, thread_id: str) -> str | None:
    if not isinstance(configurable, Mapping):
        return '"config.configurable" must be an object.'
    if any(str(key).startswith(IDENTITY_PREFIX) for key in configurable):
        return "A run cannot say whose it is: the server knows who is asking."
    return other_thread(configurable, thread_id, "config.configurable")


def other_thread(values: Mapping[str, Any], thread_id: str, where: str) -> str | None:
    named = values.get("thread_id")
    if named is None or str(named) == thread_id:
        return None
    return f'"{where}.thread_id" names another thread; a run acts only on the thread in its path.'
