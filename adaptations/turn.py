"""The turn's counters, one typed map (`AgentState.turn`): the nodes and the rules for weaker
models count here, so it is declared at the lowest layer that writes it.

`nodes/turn.py` `turn_of` hands each node this turn's map, every counter set; a new user
message (a new `id`) starts a fresh one. tests/nodes/test_turn.py checks that every key the
code uses is declared here and every key declared is used.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict

# The answer checks that send a reply back once a turn, each counted under its note's kind
# (adaptations/reply/checks.py `sent_back`).
ReplyCheck = Literal["asked_files", "unseen_numbers", "unread_files"]


class Turn(TypedDict):
    """This turn's counters; a turn stored before a counter was added lacks it (`turn_of`)."""

    id: str  # the turn's user message (nodes/history.py current_turn_id)
    iterations: int  # model calls (call_model; run.max_iterations stops the turn)
    compactions: int  # compactions since the last model call (compact, call_model's overflow)
    doom_fires: int  # loop warnings (doom_check; a second one stops the turn)
    plan_reminders: int  # unfinished-plan reminders to a headless answer (plan_guard)
    cut_replies: int  # answers cut at the reply limit sent back (cut-reply rule, 0 or 1)
    empty_replies: int  # empty answers sent back (empty-reply rule, 0 or 1)
    asked_files: int  # answers leaving an asked file unwritten sent back (asked-files, 0 or 1)
    unseen_numbers: int  # unseen-numbers notes, at answer or after a write (0 or 1)
    unread_files: int  # answers without reading the named files sent back (unread-files, 0 or 1)
    runaway_retries: int  # runaway loops asked again (runaway-retry rule, 0 or 1)
    written_unseen: int  # notes on a written file's unseen numbers (written-unseen rule)
    # What the files the request asks to fix held at the turn's first small-model call
    # ({path: hash}, adaptations/reply/checks.py small_checks); None until then.
    asked_digests: dict[str, str] | None


def new_turn(turn_id: str) -> Turn:
    """A turn's counters before anything has counted."""
    return Turn(
        id=turn_id,
        iterations=0,
        compactions=0,
        doom_fires=0,
        plan_reminders=0,
        cut_replies=0,
        empty_replies=0,
        asked_files=0,
        unseen_numbers=0,
        unread_files=0,
        runaway_retries=0,
        written_unseen=0,
        asked_digests=None,
    )
