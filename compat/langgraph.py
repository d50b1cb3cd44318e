"""The compat module of LangGraph: every private or beta name ml-intern uses, imported here and
only here, and the one method it wraps.

Each is pinned by `langgraph>=1.2.22,<1.3` (`PIN`), the checkpointer conformance suite in
`tests/graph/test_checkpoint_conformance.py` and tests/compat/test_langgraph.py; when one
moves or changes, this is the one file to fix, and the comment says what breaks.

The run context's JSON schema, built once per schema (`install_context_schema_once`): the
LangGraph server and Aegra ask the graph for it on every run they start (to filter the run's
context), and LangGraph builds it afresh each time: a new pydantic `TypeAdapter` for the
context class, then its schema, ~2.4 ms of CPU per run (~2% of a busy `ml-intern web`'s). A
class's schema does not change, so it is built once per class and each caller gets its own
copy. No public way: the servers copy the compiled graph per run (`Pregel.copy`, which keeps
the class, not an instance's attributes), so the method is wrapped on `Pregel` itself.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

# Private: the configurable key under which LangGraph hands a step's callables the run's
# `Runtime` (its context). A router cannot ask for `runtime` as a node does (LangGraph raises
# when the key is absent, as in a state update), so graph/builder.py `sent_at_once` reads it
# here (`runtime_of`). If it moves, no call skips approval's step any more (each goes through
# approval_interrupt, as before) and tests/compat/test_langgraph.py says so.
from langgraph._internal._constants import CONFIG_KEY_RUNTIME

# Private: the callable LangGraph wraps a node or a branch in; `trace=False` makes a router a
# plain await instead of a traced run of its own (graph/builder.py `direct`, ~1 ms of CPU a
# step). If it moves or its signature changes, the graph fails to build (every graph test),
# and tests/graph/test_router_calls.py fails if routers are traced runs again.
from langgraph._internal._runnable import RunnableCallable

# Beta: the channel that stores each step's new messages instead of the whole list. If it
# changes, `AgentState.messages` (graph/state.py) and the saver's snapshot encoding break:
# checkpoints would again grow with the transcript times the number of steps.
from langgraph.channels.delta import DeltaChannel

# Beta: what `get_delta_channel_history` returns (a seed value plus the writes after it).
# `MessageStoreSaver._delta_history` builds it; if its shape changes, threads cannot be read.
# The method name itself, `get_delta_channel_history` / `aget_delta_channel_history`, is the
# beta saver hook LangGraph calls to rebuild a DeltaChannel.
from langgraph.checkpoint.base import DeltaChannelHistory

# Private: the value a DeltaChannel stores in a snapshot checkpoint. The message codec
# (store/message_codec.py) swaps its messages for hashes and back, and pruning
# (store/saver_maintenance.py) writes one when it drops a checkpoint's ancestors. If it
# changes, snapshots are written or read wrongly and pruned threads lose their messages.
from langgraph.checkpoint.serde.types import _DeltaSnapshot as DeltaSnapshot

# Internal helper of langgraph-checkpoint-sqlite: the WHERE clause for `list(filter=...)`.
# If it changes, `threads`, undo and history listings filter wrongly (the saver's list tests
# and the conformance suite's LIST capability catch it).
from langgraph.checkpoint.sqlite.utils import search_where

# Private: add_messages as a DeltaChannel reducer (ids replace, RemoveMessage deletes). If
# it changes, `AgentState.messages` stops merging edited or removed messages.
from langgraph.graph.message import _messages_delta_reducer as messages_delta_reducer

from compat.pins import Hook, Pin, allowed

PIN = Pin("langgraph", ">=1.2.22,<1.3")
HOOKS = (Hook("langgraph.pregel", "Pregel.get_context_jsonschema", ("self",)),)
_schema_once = False


def install_context_schema_once() -> bool:
    """Wrap LangGraph's context schema builder (once per process); False, changing nothing,
    when the installed LangGraph differs from what it was written for."""
    global _schema_once
    if _schema_once:
        return True
    if not allowed(PIN, HOOKS):
        return False
    from langgraph.pregel import Pregel

    build = Pregel.get_context_jsonschema
    built: dict[int, tuple[Any, dict[str, Any] | None]] = {}

    @functools.wraps(build)
    def get_context_jsonschema(self: Any) -> dict[str, Any] | None:
        schema = self.context_schema
        if not isinstance(schema, type):  # not a class: LangGraph decides, every time
            return build(self)
        kept = built.get(id(schema))
        if kept is None or kept[0] is not schema:  # the class is held, so its id stays its own
            kept = built[id(schema)] = (schema, build(self))
        return copy.deepcopy(kept[1])

    Pregel.get_context_jsonschema = get_context_jsonschema  # type: ignore[method-assign]
    _schema_once = True
    return True


def runtime_of(config: Any) -> Any | None:
    """The run's `Runtime` from a step's config; None outside a step of a run."""
    return ((config or {}).get("configurable") or {}).get(CONFIG_KEY_RUNTIME)


__all__ = [
    "DeltaChannel",
    "DeltaChannelHistory",
    "DeltaSnapshot",
    "RunnableCallable",
    "install_context_schema_once",
    "messages_delta_reducer",
    "runtime_of",
    "search_where",
]
