"""The agent's state: what a thread remembers between steps and across restarts."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from langchain_core.messages import AnyMessage
from typing_extensions import TypedDict

from adaptations.turn import Turn
from models.usage import Usage, sum_usage
from nodes.approval_record import ApprovalRecord
from store.saver_maintenance import messages_channel

StopReason = Literal[
    "done",
    "max_iterations",
    "max_cost",
    "doom_loop",
    "plan_unfinished",
    "compact_failed",
    "compacted",
    "interrupted",
]


def keep_last(_old: Any, new: Any) -> Any:
    """Last write wins, even when several tool tasks write in the same step."""
    return new


def add_counts(old: dict[str, int] | None, new: dict[str, int] | None) -> dict[str, int]:
    """Counts by name, summed (each step writes the ones it adds)."""
    total = dict(old or {})
    for name, count in (new or {}).items():
        total[name] = total.get(name, 0) + count
    return total


class AgentState(TypedDict, total=False):
    # DeltaChannel stores each step's new messages, not the whole list, so the
    # checkpoint database grows with the transcript rather than its square.
    messages: Annotated[list[AnyMessage], messages_channel()]
    plan: Annotated[list[dict[str, Any]], keep_last]
    turn: Turn  # this turn's counters (adaptations/turn.py; nodes/turn.py turn_of)
    usage: Annotated[Usage, sum_usage]
    # The rules for weaker models that fired, `{rule: steps}`: the node steps (model calls,
    # replies judged, tool calls) in which the rule's hooks acted (adaptations/loops.py).
    rules_fired: Annotated[dict[str, int], add_counts]
    yolo: bool
    model: str
    effort: str | None  # the thread's reasoning effort (/effort); None: the config's
    # Each model's window as its provider stated it on overflow, `{model: window}` (an int in
    # older checkpoints: nodes/context_window.py).
    context_window: dict[str, int] | int | None
    stop_reason: StopReason | None
    compact_request: Literal["force", "overflow"] | None
    # The calls approval_interrupt approved, each with its record under "approval".
    approved_calls: list[dict[str, Any]]


class ToolTask(TypedDict):
    """What `execute_tools` receives for one approved call (one `Send` each)."""

    call: dict[str, Any]
    # approval_interrupt's record of the call (nodes/approval_record.py); without one that
    # holds, execute_tools runs nothing.
    approval: NotRequired[ApprovalRecord]
    # The thread's model when the call was made: a sub-agent works with the same one.
    model: NotRequired[str | None]
    # The worst case of the paid Jobs started so far, checked against the job budget.
    job_spent_usd: NotRequired[float]
    # The calls approved before this one in its reply (id, name and the file they name): a
    # call on the same file as one that changes it runs after it (nodes/call_order.py).
    sent_before: NotRequired[list[dict[str, Any]]]
    # For a call asking to `replay`: its tool's earlier calls that ran (nodes.history).
    earlier_calls: NotRequired[list[dict[str, Any]]]
    # The windows the thread knows (`AgentState.context_window`): a small-window model's
    # `read` is fitted to its window (tools/local/read_fit.py).
    context_window: NotRequired[dict[str, int] | int | None]
