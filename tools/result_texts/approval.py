"""The answer to a call that reached `execute_tools` without approval's record
(nodes/approval_record.py): nothing of it ran, and the model may simply call it again."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# A `Send` from a client, a forged state update, or a task copied from another thread.
NOT_APPROVED = (
    "Not run: not approved. This {name} call reached execution without approval deciding it "
    "in this thread, so nothing of it ran. If you still need it, call {name} again: the new "
    "call is judged like any other."
)

TEXTS: dict[ToolTextKind, tuple[str, ...]] = {"approval": (NOT_APPROVED,)}
