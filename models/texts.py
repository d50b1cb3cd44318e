"""What the model reads: every note the agent runtime adds to the history, as templates keyed
by their kind (`NoteKind` in models/messages.py, listed in `TEXTS`), and the templates of the
notes and held-call answers the rules for weaker models send. Those kinds are each rule's own:
its class declares them with the templates it sends, here or in its own module (adaptations/
rule.py `Rule.notes`, `Rule.held`), and the registry collects them (`note_texts`,
`held_texts`). tests/models/test_texts.py checks that every kind has templates and every
template here is listed under a kind; the snapshots in tests/snapshots/ pin the texts byte for
byte (docs/reference/texts.md lists both).

The runtime note's lines stay in configs/prompt.py, which builds it, and its examples in
configs/note_examples.py (configs imports nothing of models/); they are listed here under "runtime". What tools write into their results sits
below models/ too: its catalogue, `TOOL_TEXTS` (tools/result_texts/, by `ToolTextKind`),
is re-exported here, so this module names everything the model reads.
"""

from __future__ import annotations

from configs.note_examples import COMPUTE_EXAMPLE, ORDER_EXAMPLE, PICK_IN_PROGRAM, WRITE_EXAMPLE
from configs.prompt import (
    CODE_BLOCK,
    COMPUTE_WITH_CODE,
    FILES,
    LOOK_FIRST,
    PLAN,
    PLAN_STEP,
    RUNS,
    STEP_COMMENTS,
    TODAY,
    WORKSPACE,
)
from models.messages import NoteKind
from tools.result_texts import TOOL_TEXTS as TOOL_TEXTS

# images (nodes/tool_images.py): a turn's figures, each led by the call that made it
IMAGES_OF_CALL = "Images from tool call {call}:"
NOT_ATTACHED = "[{path} is not attached: it is gone or not an image]"


# doom_guard (nodes/doom_check.py)
# What the model keeps doing, said in the guard as {what}.
REPEATING = {"again": "calling {names} again", "cycle": "calling {names} in a cycle"}
GUARD = (
    "You are repeating yourself: {what} with the same arguments and the same result. "
    "Doing it again will not help. Stop, state what you have learned, and try a different "
    "approach (other arguments, another tool, or ask the user)."
)
# A small model is asked next without tools (nodes/call_model.py `must_answer`).
# Why: told to "state what you have learned", it answered about the guard (docs/lab/2026-11-24.md).
SMALL_GUARD = (
    "You are repeating yourself: {what} with the same arguments and the same result. "
    "Answer the user's question now, in plain text, from the results above."
)


# summary (nodes/compact.py)
SUMMARY_HEADER = "[Summary of earlier conversation, compacted to save context]\n"


# length_note (nodes/call_model.py)
LENGTH_NOTE = (
    "Your last reply hit the output token limit while writing tool calls, so those calls "
    "were dropped unrun. Make smaller calls (e.g. write a long file in parts) and try again."
)


# plan_reminder (nodes/plan_guard.py)
REMINDER = (
    "Your plan still has unfinished items:\n{items}\nNo one is here to answer questions: "
    "carry on with them now. If an item cannot be done, mark it completed in the plan with "
    "the reason, then finish."
)
PLAN_ITEM = "- {item}"  # one unfinished item, in {items}


# --- The rules' texts, by the rules' own kinds: each rule's class declares which it sends
# (adaptations/rule.py `Rule.notes`, `Rule.held`).

# empty_reply / cut_reply (adaptations/reply/rules.py: EmptyReply, CutReply)
# A small model sometimes ends its turn at once after a tool result: an empty reply, which
# would end the run with no answer. It is asked once per turn to answer.
EMPTY_REPLY_NOTE = (
    "Your last reply was empty. Answer the user's question now from the tool results above, "
    "or call a tool if you still need one."
)
# A small model's reply cut by its output limit (`ModelProfile.reply_limit`) with no call in
# it: a runaway answer, or a call whose text never closed. It is told once per turn.
CUT_REPLY_NOTE = (
    "Your last reply was cut off at the limit of {limit} output tokens, so it did not finish. "
    "Reply again, shorter: a few lines of answer, or one tool call (write a long file in parts)."
)

# echoed_request (adaptations/reply/echoed_request.py)
# A small model that read the right file sometimes ends its turn with the request written back
# as its answer. It is told once per turn.
ECHOED_REQUEST = (
    "Your last reply repeats the request instead of answering it. Answer it now in your own "
    "words, from what the tool results above showed, or call a tool if you still need one."
)


# whole_count (adaptations/reply/whole_count.py)
# A small model asked how many rows match sometimes answers their total. It is told once per
# turn.
NOT_A_COUNT = (
    "The request asks how many, a count, but your answer gives {numbers}, which {are} not a "
    "whole number: a sum, a mean or a ratio, not a count. Count the items the request asks "
    "about with a tool (for rows of a table, `len()` of the rows selected, not a column's "
    "sum), then answer with that count."
)


# unseen_numbers (adaptations/reply/unseen_numbers.py)
UNSEEN_NUMBERS = (
    "Your answer states {numbers}, but no tool result shows {them}. Numbers come from your "
    "tools: find the value (`grep`, `read`) or compute it (`bash` with `python3 -c` or a short "
    "script), then answer from what it prints."
)
UNSEEN_WRITTEN = (
    "`{path}`, which you wrote, states {numbers}, but no tool result shows {them}. Compute "
    "{them} with `bash` (python3 on the data), then `write` the file again with what it prints."
)


# asked_files (adaptations/reply/asked_files.py)
ASKED_FILES = (
    "You were asked to write {files}, but the workspace has no such file: nothing was saved. "
    "Call `write` now with the content the request describes; then answer."
)
ASKED_AFTER_ERROR = (
    "You were asked to write {files}, but the workspace has no such file: your last program "
    "stopped with an error before it saved {it} ({error}). Fix that error and run the program "
    "again so that it saves {it}; then answer."
)
ASKED_TABLE = (
    "You were asked to write {files}, but the workspace has no such file: nothing was saved. "
    "Run `bash` with a python3 program that computes what the request describes from the "
    "workspace's files and ends with <a frame>.to_csv('{first}', index=False); then answer."
)


# asked_files (adaptations/reply/asked_changes.py)
ASKED_CHANGES = (
    "You were asked to fix {files}, but you have not changed {it}: read {it}, find what is "
    "wrong, change it with `edit`, then answer."
)


# unread_files (adaptations/reply/asked_reads.py)
UNREAD = (
    "You answered without opening {files}, which the request names, so your answer is a "
    'guess. Call `read` now with {{"path": "{first}"}}; answer after you have seen {it}.'
)
UNREAD_ASKED = (  # the same, with the request said again
    "You answered without opening {files}, which the request names, so your answer is a "
    'guess. Call `read` now with {{"path": "{first}"}}. Once you have seen {it}, answer this '
    'request from {it} and the results above: "{request}"'
)
# Sent to read model.md, it read it and restated it as its answer (cheapest-hardware): the
# request, said again after the note, is the question its next answer is for.
UNUSED_TABLE = (
    "You answered without using {files}, which the request names, so your answer does not "
    "come from {it}. Run `bash` with a python3 program that loads {it} with "
    "pd.read_csv('{first}') and does what this request asks, then answer from what it prints: "
    '"{request}"'
)


# answer_now (adaptations/reply/answer_now.py)
ANSWER_NOW = (
    "Your tool calls so far and what they returned:\n\n{calls}\n\n"
    "Answer my question above now, in plain text, from these results. Do not call a tool."
)
# Each call in {calls}: the call, then what it returned.
TOLD_CALL = "{name} {args}"
TOLD_RESULT = "{call}:\n{result}"


# blind_edit (adaptations/calls/blind_edit.py)
BLIND_CHANGE = (
    "Not run: you sent this `{tool}` in the same reply as the `read` of `{path}`, so you wrote "
    "it before you had seen the file. Look at the text that `read` returned, find what is wrong "
    "there, then send the `{tool}` again{how}."
)
HOW = {"edit": " with `old_str` copied exactly from that text", "write": " from that text"}
AFTER_BLIND = (
    "Not run: it came after the `{tool}` above that was not run. Send it again once that change is "
    "made, if you still need it."
)


# left_alone (adaptations/calls/left_alone.py)
KEPT = (
    "Not run: the request says not to change `{path}`, so it stays as it is. Change the other "
    "files the request names instead."
)


# skill_budget (adaptations/calls/skill_budget.py)
ONE_SKILL = (
    "Not loaded: you loaded the skill `{loaded}` this turn, and your context window holds one. "
    "Work on the request now with your tools (`bash` with python3 for the workspace's files)."
)


# repeat / repeat_on (adaptations/calls/repeat_call.py)
# Why: on recorded requests this wording made a 1.5B model answer 4 of 4 (docs/lab/2026-11-23.md).
REPEATED = (
    "You already made this call and have its result (above): {result}\n"
    "Do not call it again. Answer the user's question now, in plain text."
)
# When the request still asks for a change (fix-bug: `python3 check.py` twice, then told to
# answer, it explained the bug in prose), the repeat says what is left instead of "answer".
REPEATED_ON = (
    "You already made this call and have its result (above): {result}\nDo not call it again. {left}"
)


# The runtime's kinds' templates: what the model reads when a note of that kind is added.
TEXTS: dict[NoteKind, tuple[str, ...]] = {
    "runtime": (
        TODAY,
        WORKSPACE,
        PLAN,
        PLAN_STEP,
        RUNS,
        FILES,
        LOOK_FIRST,
        COMPUTE_WITH_CODE,
        COMPUTE_EXAMPLE,
        WRITE_EXAMPLE,
        ORDER_EXAMPLE,
        STEP_COMMENTS,
        PICK_IN_PROGRAM,
        CODE_BLOCK,
    ),
    "images": (IMAGES_OF_CALL, NOT_ATTACHED),
    "doom_guard": (GUARD, SMALL_GUARD, *REPEATING.values()),
    "summary": (SUMMARY_HEADER,),
    "length_note": (LENGTH_NOTE,),
    "plan_reminder": (REMINDER, PLAN_ITEM),
}
