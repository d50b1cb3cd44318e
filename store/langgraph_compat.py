"""Every private or beta LangGraph name ml-intern uses, imported here and only here.

Each is pinned by `langgraph>=1.2.22,<1.3` and the checkpointer conformance suite in
`tests/graph/test_checkpoint_conformance.py`; when one moves or changes, this is the one
file to fix, and the comment says what breaks.
"""

from __future__ import annotations

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

__all__ = [
    "DeltaChannel",
    "DeltaChannelHistory",
    "DeltaSnapshot",
    "messages_delta_reducer",
    "search_where",
]
