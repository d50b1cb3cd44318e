"""Every adaptation the harness makes for a model, each declared once, in one list.

Read it top to bottom: the name the config and `ml-intern models show` use, the hook it
works at (rule.py `Hook`), which models it applies to, and why it exists. The code that
applies a rule asks the model's profile whether it is active (`profile.uses(name)`); a rule
declared here and used nowhere, or used and not declared, fails tests/adaptations.

Rules that help any model (`every_model`) are still listed: they can be switched off. A rule
with an `off` reason is off by default (it fired on ordinary requests of
tests/adaptations/trigger_corpus.py, or no measurement shows it helps): config switches it on.
"""

from __future__ import annotations

from adaptations.rule import Rule, every_model, small_on_llamacpp, small_window

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- prompt: what the request holds ----------------------------------------------------
    Rule("compact-prompt", "prompt", small_window,
         "the full system prompt and skill descriptions fill a small window before any work"),
    Rule("core-toolset", "prompt", small_window,
         "every tool's schema costs thousands of tokens; the rest are one `more_tools` call away"),
    Rule("note-before-question", "prompt", small_window,
         "with the runtime note last, small models answer the note instead of the question"),
    Rule("workspace-listing", "prompt", small_window,
         "without the workspace's files in view, small models invent file names"),
    Rule("look-first", "prompt", small_window,
         "small models answer facts about files and counts from their head",
         texts=("configs.prompt:LOOK_FIRST", "configs.prompt:COMPUTE_WITH_CODE")),
    Rule("table-example", "prompt", small_window,
         "small models nest python -c quotes wrongly; a here-document over a listed table needs none",
         texts=("configs.prompt:COMPUTE_EXAMPLE", "configs.prompt:WRITE_EXAMPLE"),
         off="it fires on requests naming a CSV only to move or ignore it; no measured lift"),
    Rule("reply-limit", "prompt", small_window,
         "a runaway reply can fill a small window over many minutes; cut it at 1,024 tokens"),
    Rule("answer-now", "prompt", small_window,
         "a small model that keeps calling is asked once, without tools, to answer",
         texts=("models.texts:ANSWER_NOW",)),
    Rule("written-unseen", "prompt", small_window,
         "numbers a small model wrote into a file that no tool showed are pointed out",
         texts=("models.texts:UNSEEN_WRITTEN",),
         off="a config written beside named data states chosen numbers; no measured lift"),
    # --- reply: checked before it ends the turn --------------------------------------------
    Rule("cut-reply", "reply", small_window,
         "a reply cut at the output limit is asked again, shorter, once a turn",
         texts=("models.texts:CUT_REPLY_NOTE",)),
    Rule("empty-reply", "reply", small_window,
         "an empty reply after a tool result would end the run with no answer",
         texts=("models.texts:EMPTY_REPLY_NOTE",)),
    Rule("asked-files", "reply", small_window,
         "an answer that leaves a file the request orders written missing is sent back once",
         texts=("models.texts:ASKED_FILES", "models.texts:ASKED_TABLE",
                "models.texts:ASKED_AFTER_ERROR")),
    Rule("asked-changes", "reply", small_window,
         "an answer that leaves a file the request orders fixed unchanged is sent back once",
         texts=("models.texts:ASKED_CHANGES",)),
    Rule("unseen-numbers", "reply", small_window,
         "numbers in an answer that no tool result showed are sent back once",
         texts=("models.texts:UNSEEN_NUMBERS",),
         off="advice about a named config states known numbers no tool shows; no measured lift"),
    Rule("unread-files", "reply", small_window,
         "an answer about files the request names but it never read is sent back once",
         texts=("models.texts:UNREAD", "models.texts:UNREAD_ASKED",
                "models.texts:UNUSED_TABLE"),
         off="a file named in a card or README line was not to be read; no measured lift"),
    Rule("runaway-retry", "reply", small_on_llamacpp,
         "a first repetition loop is asked again with llama.cpp's repetition sampler"),
    # --- call: held or answered before it runs ---------------------------------------------
    Rule("repeat-call", "call", small_window,
         "a call repeating the previous two, which returned the same, is answered from it",
         texts=("models.texts:REPEATED", "models.texts:REPEATED_ON")),
    Rule("blind-edit", "call", small_window,
         "a change sent with the `read` of the same file was written without seeing it",
         texts=("models.texts:BLIND_CHANGE",
                "models.texts:AFTER_BLIND")),
    Rule("left-alone", "call", small_window,
         "the policy denies a change to a file the request says not to change",
         texts=("models.texts:KEPT",)),
    Rule("skill-budget", "call", small_window,
         "a small window holds one skill's playbook next to the work; a second is answered",
         texts=("models.texts:ONE_SKILL",)),
    Rule("doom-answer", "call", small_window,
         "told to 'state what you have learned' after a loop, small models answered the guard",
         texts=("models.texts:SMALL_GUARD",)),
    # --- result: what a tool's result says -------------------------------------------------
    Rule("read-fit", "result", small_window,
         "one `read` fills at most an eighth of a small window: head, tail, and how to search"),
    Rule("folder-read", "result", small_window,
         "a `read` of a folder is answered with its files and the call that reads one"),
    Rule("skill-close-match", "result", small_window,
         "an unknown skill is answered with the close names only, not the whole list",
         texts=("tools.result_texts.shell:SMALL_UNKNOWN",)),
    Rule("written-notes", "result", small_window,
         "a written .json that is not JSON, or a file still holding <placeholders>, is said so",
         texts=("tools.result_texts.files:NOT_JSON", "tools.result_texts.files:PLACEHOLDERS")),
    Rule("failure-context", "result", small_window,
         "a failing program's result shows the failing function's source",
         texts=("tools.result_texts.shell:MISSING_COLUMN", "tools.result_texts.shell:CALLED")),
    Rule("traceback-focus", "result", every_model,
         "a long traceback folded to its frames in the workspace and the error line",
         texts=("tools.result_texts.shell:FOLDED",)),
    Rule("sed-unchanged", "result", every_model,
         "a `sed -i` that changed nothing says so (it exits 0 either way)",
         texts=("tools.result_texts.shell:UNCHANGED",)),
    Rule("one-line-python", "result", every_model,
         "a failed `python -c` with nested quotes is shown as a here-document",
         texts=("tools.result_texts.shell:ONE_LINE_NOTE",)),
    Rule("text-elsewhere", "result", every_model,
         "an `edit` whose old text is not in the file names the file that holds it",
         texts=("tools.result_texts.files:ELSEWHERE",)),
)
# fmt: on
# Removed: `fit-example` and `metrics-example` (a model-choosing program picked from table
# headers), `count-example` (a task's answer shape), `json-form` (rewrote a file the model
# wrote), `glob-largest-first` (ordered hits as if the largest file were the answer) and
# `weights-note` (the hardware pick's arithmetic under the flavor table): a rule never hands
# over a solution or changes a file unasked.

NAMES = tuple(rule.name for rule in RULES)
BY_NAME = {rule.name: rule for rule in RULES}
