"""Every adaptation the harness makes for a model, each declared once, in one list.

Read it top to bottom: the rule's class (its hooks, adaptations/rule.py), the name the config
and `ml-intern models show` use, which models it applies to, and why it exists; then the roles
it serves (the main agent unless said), the profiles it can serve at all, and where its
memory lives when shared. Each node runs one loop over the rules active for its thread at its
hook: nothing else names a rule. Adding one is one entry here and one class, which declares
the kinds of the notes it adds and of the answers its held calls get, with their templates
(`note_texts`, `held_texts` collect them for docs/reference/texts.md).

A rule is on by default for the profiles it applies to iff it has a reason, `kept`
(adaptations/rule.py `Kept`): `fit` (with it the request or a result takes less of a small
window, bench/rule_fit.py), `capability` (without it a model's calls are not run), `lift` (the
task sets solved more often with it, bench/ml_tasks/rule_lift.py) or `set-lift` (the rules kept
this way, switched off together, solved less often: a measured lift of the set, `SET_LIFT`) or
`pair-lift` (the rule and its `kept_with`, switched on together, solved more often: a measured
lift of the pair). Every other rule has an `off` reason (it fired on ordinary requests of
tests/adaptations/trigger_corpus.py, no measurement shows it helps, or it was of the steering
set but never fired where the set was measured, `NEVER_FIRED`, or switched off with those to
no loss, `NO_LOSS_WITHOUT`) and stays available: config switches it on. tests/adaptations/test_evidence.py holds both to the recorded figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from adaptations.calls.rules import BlindEdit, DoomAnswer, LeftAlone, RepeatCall, SkillBudget
from adaptations.reply.rules import (
    AnswerNow,
    AskedChanges,
    AskedFiles,
    CodeBlock,
    CutReply,
    EchoedRequest,
    EmptyReply,
    MendedPython,
    ResampleRepeat,
    RunawayRetry,
    SettingsMade,
    TextToolCalls,
    UnreadFiles,
    UnseenNumbers,
    WholeCount,
    WrittenUnseen,
)
from adaptations.results import (
    FailureContext,
    FolderRead,
    KeptLines,
    OneLinePython,
    QuotedPython,
    ReadFit,
    SedUnchanged,
    SkillCloseMatch,
    TextElsewhere,
    TracebackFocus,
    WrittenNotes,
)
from adaptations.rule import (
    EVERY_ROLE,
    Kinds,
    Rule,
    every_model,
    on_llamacpp,
    small_on_llamacpp,
    small_window,
    writes_text_calls,
)
from adaptations.shaping import (
    CompactPrompt,
    CoreToolset,
    LeanRequest,
    LookFirst,
    NoteBeforeQuestion,
    PickInProgram,
    PythonFirst,
    PythonTool,
    ReplyLimit,
    StepComments,
    TableExample,
    TableOrder,
    WorkspaceListing,
)

if TYPE_CHECKING:
    from models.messages import RuleKind

# The off reason of a rule no measurement shows helps (bench/ml_tasks/rule_lift.py says it
# from the rows; tests/adaptations/test_evidence.py holds each rule's reason to them).
UNMEASURED = "no measured lift: not measured on the task sets yet"
# The off reason of a rule of the steering set that was never seen firing on dev pass 1
# (bench/ml_tasks/results/2026-11-26-dev-ours-fires.json): the set's lift cannot be credited
# to it (tests/adaptations/test_evidence.py holds each to that file).
NEVER_FIRED = f"no evidence: never fired on dev pass 1 (14 runs); {UNMEASURED}"
# The off reason of a rule of the steering set switched off with the never-fired ones to no
# loss (`LEAN_SET`; tests/adaptations/test_evidence.py holds the figures to the rows: pass 1 a
# side compared, the one pass the side with them ran).
NO_LOSS_WITHOUT = (
    "no lift seen: switched off with the never-fired rules, dev pass 1 solved the same 5 of 14 "
    "tasks either way (without them the same 5 in each of three passes), held-out 0 of 17 "
    "runs either way (without them 0 of 51 in three passes); "
    f"{UNMEASURED}"
)

# What `kept-lines` and `settings-made` rest on: switched on together against today's defaults
# (the variant `kept-settings`), each task counted on as many runs a side as the side with
# fewer ran (tests/adaptations/test_evidence.py holds the figures to the rows). Alone,
# settings-made waits on a file the model rewrote whole, which kept-lines holds.
KEPT_SETTINGS = (
    "measured as a pair on llamacpp/local, three passes a side: dev 24 of 45 runs with them, "
    "22 of 45 without (serve-config, the one task where they acted, 2 of 3 against 0 of 3); "
    "held-out 4 of 27 with, 3 of 27 without; a lift of the pair, not of each rule"
)

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- prompt: what the request holds ----------------------------------------------------
    CompactPrompt("compact-prompt", small_window,
         "the full system prompt and skill descriptions fill a small window before any work",
         roles=EVERY_ROLE,
         kept="fit"),
    CoreToolset("core-toolset", small_window,
         "every tool's schema costs thousands of tokens; the rest are one `more_tools` call away",
         kept="fit"),
    LeanRequest("lean-request", small_window,
         "the prompt and tool schemas resent with each call were most of a short run's tokens",
         texts=("configs.prompt:SKILL_NAMES",),
         kept="fit"),
    NoteBeforeQuestion("note-before-question", small_window,
         "with the runtime note last, small models answer the note instead of the question",
         roles=EVERY_ROLE,
         kept="set-lift"),
    WorkspaceListing("workspace-listing", small_window,
         "without the workspace's files in view, small models invent file names",
         kept="set-lift"),
    LookFirst("look-first", small_window,
         "small models answer facts about files and counts from their head",
         texts=("configs.prompt:LOOK_FIRST", "configs.prompt:COMPUTE_WITH_CODE"),
         roles=EVERY_ROLE,
         kept="lift"),
    PythonFirst("python-first", small_window,
         "a program sent through the shell breaks on its quotes; the kernel's `python` takes it as is",
         texts=("configs.prompt:PYTHON_FIRST",),
         off=f"its programs broke on syntax and were sent again unchanged; {UNMEASURED}"),
    PythonTool("python-tool", small_window,
         "a program through the shell breaks on its quotes; the kernel's `python` offered, unsaid",
         off=f"offered the kernel, the model computed before it looked; {UNMEASURED}"),
    TableExample("table-example", small_window,
         "asked about a table's rows, small models count its lines; pandas over it, as a here-document",
         texts=("configs.note_examples:COMPUTE_EXAMPLE", "configs.note_examples:WRITE_EXAMPLE"),
         roles=EVERY_ROLE,
         kept="lift"),
    TableOrder("table-order", small_window,
         "told to write a file from a table, small models wrote invented numbers into it",
         texts=("configs.note_examples:ORDER_EXAMPLE",),
         roles=EVERY_ROLE,
         off="no measured lift: dev never acted; held-out never acted"),
    StepComments("step-comments", small_window,
         "over a table, small models printed one expression that dropped one of the question's conditions",
         texts=("configs.prompt:STEP_COMMENTS",),
         roles=EVERY_ROLE,
         off=UNMEASURED),
    PickInProgram("pick-in-program", small_window,
         "asked which file was the largest, small models answered the first path a glob printed",
         texts=("configs.note_examples:PICK_IN_PROGRAM",),
         roles=EVERY_ROLE,
         kept="lift"),
    ReplyLimit("reply-limit", small_window,
         "a runaway reply can fill a small window over many minutes; cut it at 1,024 tokens",
         roles=EVERY_ROLE,
         kept="fit"),
    AnswerNow("answer-now", small_window,
         "a small model that keeps calling is asked once, without tools, to answer",
         texts=("models.texts:ANSWER_NOW",),
         kept="lift"),
    SettingsMade("settings-made", small_window,
         "told to set two values, small models set them and then wrote the file anew, losing lines",
         texts=("models.texts:ANSWER_NOW",),
         kept="pair-lift", kept_with=("kept-lines",), measured=KEPT_SETTINGS),
    WrittenUnseen("written-unseen", small_window,
         "numbers a small model wrote into a file that no tool showed are pointed out",
         texts=("models.texts:UNSEEN_WRITTEN",),
         off=f"a config written beside named data states chosen numbers; {UNMEASURED}",
         memory="unseen-numbers"),
    TextToolCalls("text-tool-calls", writes_text_calls,
         "a local model writes its calls as text in its reply; they are made real calls",
         roles=EVERY_ROLE,
         kept="capability"),
    CodeBlock("code-block", small_window,
         "a program in a call's JSON breaks on quotes and line breaks; in `<code>` tags it runs",
         texts=("configs.prompt:CODE_BLOCK",),
         off=UNMEASURED),
    # --- reply: checked before it ends the turn --------------------------------------------
    MendedPython("mended-python", small_window,
         "kernel programs failed on an open bracket or joined statements, resent unchanged; run mended",
         off=f"mended programs ran, then computed what the file does not hold; {UNMEASURED}"),
    CutReply("cut-reply", small_window,
         "a reply cut at the output limit is asked again, shorter, once a turn",
         texts=("models.texts:CUT_REPLY_NOTE",),
         off=NEVER_FIRED),
    EmptyReply("empty-reply", small_window,
         "an empty reply after a tool result would end the run with no answer",
         texts=("models.texts:EMPTY_REPLY_NOTE",),
         off=NEVER_FIRED),
    EchoedRequest("echoed-request", small_window,
         "an answer that repeats the request instead of answering it is sent back once",
         texts=("models.texts:ECHOED_REQUEST",),
         off=UNMEASURED),
    WholeCount("whole-count", small_window,
         "asked how many rows matched, small models answered the rows' total; sent back once",
         texts=("models.texts:NOT_A_COUNT",),
         off="no measured lift: dev 4/12 with, 7/12 without; held-out 3/12 with, 3/12 without"),
    AskedFiles("asked-files", small_window,
         "an answer that leaves a file the request orders written missing is sent back once",
         texts=("models.texts:ASKED_FILES", "models.texts:ASKED_TABLE",
                "models.texts:ASKED_AFTER_ERROR"),
         off=NO_LOSS_WITHOUT),
    AskedChanges("asked-changes", small_window,
         "an answer that leaves a file the request orders fixed unchanged is sent back once",
         texts=("models.texts:ASKED_CHANGES",),
         memory="asked-files",
         off=NO_LOSS_WITHOUT),
    UnseenNumbers("unseen-numbers", small_window,
         "numbers in an answer that no tool result showed are sent back once",
         texts=("models.texts:UNSEEN_NUMBERS",),
         off=f"advice about a named config states known numbers no tool shows; {UNMEASURED}"),
    UnreadFiles("unread-files", small_window,
         "an answer about files the request names but it never read is sent back once",
         texts=("models.texts:UNREAD", "models.texts:UNREAD_ASKED",
                "models.texts:UNUSED_TABLE"),
         off=f"a file named in a card or README line was not to be read; {UNMEASURED}"),
    RunawayRetry("runaway-retry", small_on_llamacpp,
         "a first repetition loop is asked again with llama.cpp's repetition sampler",
         serves=on_llamacpp,
         kept="set-lift"),
    ResampleRepeat("resample-repeat", small_window,
         "a small model decoding greedily made one failing call thrice; asked again sampled",
         kept="lift"),
    # --- call: held or answered before it runs ---------------------------------------------
    RepeatCall("repeat-call", small_window,
         "a call repeating the previous two, which returned the same, is answered from it",
         texts=("models.texts:REPEATED", "models.texts:REPEATED_ON"),
         off=NO_LOSS_WITHOUT),
    BlindEdit("blind-edit", small_window,
         "a change sent with the `read` of the same file was written without seeing it",
         texts=("models.texts:BLIND_CHANGE",
                "models.texts:AFTER_BLIND"),
         off=NEVER_FIRED),
    LeftAlone("left-alone", small_window,
         "the policy denies a change to a file the request says not to change",
         texts=("models.texts:KEPT",),
         off=NEVER_FIRED),
    SkillBudget("skill-budget", small_window,
         "a small window holds one skill's playbook next to the work; a second is answered",
         texts=("models.texts:ONE_SKILL",),
         off=NO_LOSS_WITHOUT),
    DoomAnswer("doom-answer", small_window,
         "told to 'state what you have learned' after a loop, small models answered the guard",
         texts=("models.texts:SMALL_GUARD",),
         off=NO_LOSS_WITHOUT),
    # --- result: what a tool's result says -------------------------------------------------
    ReadFit("read-fit", small_window,
         "one `read` fills at most an eighth of a small window: head, tail, and how to search",
         roles=EVERY_ROLE,
         kept="fit"),
    FolderRead("folder-read", small_window,
         "a `read` of a folder is answered with its files and the call that reads one",
         roles=EVERY_ROLE,
         kept="set-lift"),
    SkillCloseMatch("skill-close-match", small_window,
         "an unknown skill is answered with the close names only, not the whole list",
         texts=("tools.result_texts.shell:SMALL_UNKNOWN",),
         roles=EVERY_ROLE,
         off=NEVER_FIRED),
    WrittenNotes("written-notes", small_window,
         "a written .json that is not JSON, or a file still holding <placeholders>, is said so",
         texts=("tools.result_texts.files:NOT_JSON", "tools.result_texts.files:PLACEHOLDERS"),
         roles=EVERY_ROLE,
         off=NO_LOSS_WITHOUT),
    KeptLines("kept-lines", small_window,
         "asked to change two values, small models wrote the file anew with only those lines",
         texts=("tools.result_texts.files:REWRITTEN",),
         roles=EVERY_ROLE,
         kept="pair-lift", kept_with=("settings-made",), measured=KEPT_SETTINGS),
    FailureContext("failure-context", small_window,
         "a failing program's result shows the failing function's source",
         texts=("tools.result_texts.shell:MISSING_COLUMN", "tools.result_texts.shell:CALLED"),
         roles=EVERY_ROLE,
         off=NO_LOSS_WITHOUT),
    TracebackFocus("traceback-focus", every_model,
         "a long traceback folded to its frames in the workspace and the error line",
         texts=("tools.result_texts.shell:FOLDED",),
         roles=EVERY_ROLE,
         off=NEVER_FIRED),
    SedUnchanged("sed-unchanged", every_model,
         "a `sed -i` that changed nothing says so (it exits 0 either way)",
         texts=("tools.result_texts.shell:UNCHANGED",),
         roles=EVERY_ROLE,
         off=NEVER_FIRED),
    OneLinePython("one-line-python", every_model,
         "a failed `python -c` with nested quotes is shown as a here-document",
         texts=("tools.result_texts.shell:ONE_LINE_NOTE",),
         roles=EVERY_ROLE,
         kept="set-lift"),
    QuotedPython("quoted-python", small_window,
         "a `python -c` program holding its own quote is cut by the shell; shown as a here-document",
         texts=("tools.result_texts.shell:QUOTED_NOTE",),
         roles=EVERY_ROLE,
         off="no measured lift: dev 15/42 with, 15/42 without; held-out not measured"),
    TextElsewhere("text-elsewhere", every_model,
         "an `edit` whose old text is not in the file names the file that holds it",
         texts=("tools.result_texts.files:ELSEWHERE",),
         roles=EVERY_ROLE,
         off=NEVER_FIRED),
)
# fmt: on
# Removed: `fit-example` and `metrics-example` (a model-choosing program picked from table
# headers), `count-example` (a task's answer shape), `json-form` (rewrote a file the model
# wrote), `glob-largest-first` (ordered hits as if the largest file were the answer) and
# `weights-note` (the hardware pick's arithmetic under the flavor table): a rule never hands
# over a solution or changes a file unasked.

NAMES = tuple(rule.name for rule in RULES)
# The steering set as the task sets measured it, switched off together (`SET_LIFT`): the rules
# kept with it, or on their own lift since (`SET_LIFTED`), and those of it off since they never
# fired (`NEVER_FIRED`) or were switched off with them to no loss (`NO_LOSS_WITHOUT`).
LEAN_OFF = (NEVER_FIRED, NO_LOSS_WITHOUT)
SET_LIFTED = ("look-first", "answer-now")
STEERING_SET = tuple(
    r.name for r in RULES if r.kept == "set-lift" or r.name in SET_LIFTED or r.off in LEAN_OFF
)
# The rules of the steering set off by default: switched off together, they are the variant
# (`lean`) the rows compare with the whole set.
LEAN_SET = tuple(r.name for r in RULES if r.off in LEAN_OFF)
BY_NAME = {rule.name: rule for rule in RULES}


def note_texts() -> dict[RuleKind, tuple[str, ...]]:
    """Each kind of note the rules add (`Rule.notes`), with the templates the model reads in
    it: the rules sharing a kind merged, in the registry's order."""
    return _merged(rule.notes for rule in RULES)


def held_texts() -> dict[RuleKind, tuple[str, ...]]:
    """Each kind of answer the calls the rules hold get (`Rule.held`), as `note_texts`."""
    return _merged(rule.held for rule in RULES)


def _merged(declared: Iterable[Kinds]) -> dict[RuleKind, tuple[str, ...]]:
    merged: dict[RuleKind, tuple[str, ...]] = {}
    for kinds in declared:
        for kind, templates in kinds.items():
            had = merged.get(kind, ())
            merged[kind] = had + tuple(t for t in templates if t not in had)
    return merged
