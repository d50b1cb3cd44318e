"""The rules about a model's reply, each one class: how a small model is asked for it
(`AnswerNow`, `WrittenUnseen`), around the call (`RunawayRetry`), what the reply becomes
(`TextToolCalls`), and the checks a final answer passes before it ends the turn (the rest;
each sends it back once a turn with its note). Each declares the kinds of the notes it adds,
with the templates the model reads in them (`Rule.notes`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from langchain_core.messages import AIMessage

from adaptations.hooks import ModelStep, Pending, RuntimeNote
from adaptations.reply.answer_now import (
    ANSWER_KWARGS,
    ASKED_TO_ANSWER,
    must_answer,
    retold,
    unrun,
)
from adaptations.reply.ask_again import count_dropped, may_ask_again
from adaptations.reply.asked_changes import asked_note, file_digests
from adaptations.reply.asked_reads import unread_files, unread_note
from adaptations.reply.code_block import with_code_call
from adaptations.reply.echoed_request import echoes
from adaptations.reply.mended_calls import with_mended_calls
from adaptations.reply.resample_repeat import RESAMPLE_TEMPERATURE, RESAMPLES, repeats_dead_end
from adaptations.reply.runaway_reply import anti_repeat_kwargs, ran_away
from adaptations.reply.settings_made import settings_made
from adaptations.reply.text_tool_calls import with_text_calls
from adaptations.reply.unseen_numbers import (
    UNSEEN_KIND,
    landed_writes,
    names_a_source,
    unseen_note,
    unseen_numbers,
    unseen_written,
    unseen_written_note,
    written_unseen_notes,
)
from adaptations.reply.whole_count import count_note, not_counts
from adaptations.rule import Handler, Hook, Kinds, Rule
from configs.prompt import CODE_BLOCK
from models.messages import RuleKind, note_kind, text_of
from models.texts import (
    ANSWER_NOW,
    ASKED_AFTER_ERROR,
    ASKED_CHANGES,
    ASKED_FILES,
    ASKED_TABLE,
    CUT_REPLY_NOTE,
    ECHOED_REQUEST,
    EMPTY_REPLY_NOTE,
    NOT_A_COUNT,
    TOLD_CALL,
    TOLD_RESULT,
    UNREAD,
    UNREAD_ASKED,
    UNSEEN_NUMBERS,
    UNSEEN_WRITTEN,
    UNUSED_TABLE,
)

# The kinds of the notes the checks below send a final answer back with.
CUT_REPLY_KIND = RuleKind("cut_reply")
EMPTY_REPLY_KIND = RuleKind("empty_reply")
ECHOED_KIND = RuleKind("echoed_request")
ASKED_KIND = RuleKind("asked_files")  # one note a turn about the files the request orders
UNREAD_KIND = RuleKind("unread_files")
COUNT_KIND = RuleKind("whole_count")


class AnswerNow(Rule):
    """The last step repeated its call, or the loop guard spoke: the model is asked once,
    without tools (its history retold as text), and a call it writes anyway is not run."""

    hook: ClassVar[Hook] = "model"
    notes: ClassVar[Kinds] = {ASKED_TO_ANSWER: (ANSWER_NOW, TOLD_CALL, TOLD_RESULT)}

    def due(self, step: ModelStep) -> bool:
        """Whether this step must answer."""
        return must_answer(step.history)

    def before_model(self, step: ModelStep) -> None:
        if not step.answer_now and self.due(step):
            step.prompt, step.answer_now = retold(step.prompt), True
            step.kwargs |= ANSWER_KWARGS

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        return unrun(response) if step.answer_now else response


class SettingsMade(AnswerNow):
    """The request sets named values and the files this turn wrote hold every one (with every
    other line their reads showed): the model is asked to answer, as `AnswerNow` asks it
    (adaptations/reply/settings_made.py)."""

    def due(self, step: ModelStep) -> bool:
        return settings_made(step.request, step.since_request, step.workspace)


class WrittenUnseen(Rule):
    """A file of facts just written with numbers no tool showed is pointed out before the next
    step (twice a turn); no answer-time note about numbers follows it this turn."""

    hook: ClassVar[Hook] = "model"
    notes: ClassVar[Kinds] = {UNSEEN_KIND: (UNSEEN_WRITTEN,)}

    def before_model(self, step: ModelStep) -> None:
        if step.answer_now:  # a model that must answer gets no note to act on
            return
        told = step.turn["rules"].get(self.memory_key, {}).get("written", 0)
        ahead = written_unseen_notes(step.history, step.prompt, told, step.workspace)
        step.ahead += ahead
        step.prompt = [*step.prompt, *ahead]

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        if any(note_kind(m) == UNSEEN_KIND for m in step.ahead):  # the reply is stored
            memory = step.memory(self)
            memory["sent"], memory["written"] = 1, memory.get("written", 0) + 1
        return response


class RunawayRetry(Rule):
    """A first runaway loop in a turn is asked again with llama.cpp's repetition sampler; the
    wasted reply counts as a model call of the turn (its tokens, and toward `max_iterations`,
    never past it: adaptations/reply/runaway_reply.py)."""

    hook: ClassVar[Hook] = "model"

    async def wrap_model_call(
        self, step: ModelStep, kwargs: dict[str, Any], handler: Handler
    ) -> AIMessage:
        response = await handler(kwargs)
        if step.turn["rules"].get(self.memory_key, {}).get("retried") or not ran_away(response):
            return response
        if not may_ask_again(step):
            return response  # the turn's last model call: asking again would pass the limit
        step.memory(self)["retried"] = 1
        count_dropped(step, response)
        return await handler(kwargs | anti_repeat_kwargs())


class ResampleRepeat(Rule):
    """A reply whose calls all make again failed or file-writing calls of the previous step is
    asked again with sampling on, at most `RESAMPLES` times a step (not when the model is told
    to answer); the last reply stands. Each reply asked again counts as a model call of the
    turn: its tokens, and toward `max_iterations`, never past it
    (adaptations/reply/resample_repeat.py)."""

    hook: ClassVar[Hook] = "model"

    async def wrap_model_call(
        self, step: ModelStep, kwargs: dict[str, Any], handler: Handler
    ) -> AIMessage:
        response = await handler(kwargs)
        while step.resampled < RESAMPLES and not step.answer_now and may_ask_again(step):
            if not repeats_dead_end(step.since_request, with_text_calls(response)):
                break
            step.resampled += 1
            count_dropped(step, response)
            response = await handler(kwargs | {"temperature": RESAMPLE_TEMPERATURE})
        return response


class TextToolCalls(Rule):
    """Calls a local model writes as text in its reply are made real calls."""

    hook: ClassVar[Hook] = "model"

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        return response if step.answer_now else with_text_calls(response)


class CodeBlock(Rule):
    """A program between `<code>` and `</code>` in a reply runs as a `bash` call
    (adaptations/reply/code_block.py); the runtime note says how, on every call."""

    hook: ClassVar[Hook] = "model"

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        return [CODE_BLOCK]

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        return response if step.answer_now else with_code_call(response)


class MendedPython(Rule):
    """A `python` call whose code the compiler refuses for a slip it names is kept with the
    code mended (adaptations/reply/mended_calls.py), before the approval policy sees it."""

    hook: ClassVar[Hook] = "model"

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        return response if step.answer_now else with_mended_calls(response)


class CutReply(Rule):
    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = CUT_REPLY_KIND
    notes: ClassVar[Kinds] = {CUT_REPLY_KIND: (CUT_REPLY_NOTE,)}

    def check_reply(self, step: ModelStep) -> str | None:
        finish = ((step.response.response_metadata if step.response else None) or {}).get(
            "finish_reason"
        )
        if step.shape.reply_limit and finish == "length":
            return CUT_REPLY_NOTE.format(limit=step.shape.reply_limit)
        return None


class EmptyReply(Rule):
    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = EMPTY_REPLY_KIND
    notes: ClassVar[Kinds] = {EMPTY_REPLY_KIND: (EMPTY_REPLY_NOTE,)}

    def check_reply(self, step: ModelStep) -> str | None:
        empty = step.response is not None and not text_of(step.response.content).strip()
        return EMPTY_REPLY_NOTE if empty else None


class EchoedRequest(Rule):
    """An answer that is the request again (adaptations/reply/echoed_request.py)."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = ECHOED_KIND
    notes: ClassVar[Kinds] = {ECHOED_KIND: (ECHOED_REQUEST,)}

    def check_reply(self, step: ModelStep) -> str | None:
        said = text_of(step.response.content) if step.response is not None else ""
        return ECHOED_REQUEST if echoes(step.request, said) else None


class WholeCount(Rule):
    """An answer to "how many" about a file the request names whose every number has a
    fraction (adaptations/reply/whole_count.py)."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = COUNT_KIND
    notes: ClassVar[Kinds] = {COUNT_KIND: (NOT_A_COUNT,)}

    def check_reply(self, step: ModelStep) -> str | None:
        if step.response is None or not names_a_source(step.request):
            return None
        numbers = not_counts(step.request, text_of(step.response.content))
        return count_note(numbers) if numbers else None


class AskedFiles(Rule):
    """A file the request orders written is missing from the workspace."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = ASKED_KIND
    notes: ClassVar[Kinds] = {ASKED_KIND: (ASKED_FILES, ASKED_AFTER_ERROR, ASKED_TABLE)}

    def check_reply(self, step: ModelStep) -> str | None:
        return self.asked_left(step)

    def asked_left(self, step: ModelStep | Pending) -> str | None:
        return asked_note(
            step.request, step.workspace, step.since_request, files=True, changes=False
        )


class AskedChanges(Rule):
    """A file the request orders fixed holds what it held as the turn began (hashed at the
    turn's first model call)."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = ASKED_KIND
    notes: ClassVar[Kinds] = {ASKED_KIND: (ASKED_CHANGES,)}

    def before_model(self, step: ModelStep) -> None:
        memory = step.memory(self)
        if "digests" not in memory:
            memory["digests"] = file_digests(step.request, step.workspace)

    def check_reply(self, step: ModelStep) -> str | None:
        return self.asked_left(step)

    def asked_left(self, step: ModelStep | Pending) -> str | None:
        before = step.turn["rules"].get(self.memory_key, {}).get("digests")
        request, turn = step.request, step.since_request
        return asked_note(request, step.workspace, turn, before, files=False, changes=True)


class UnseenNumbers(Rule):
    """Numbers an answer states, or a file of facts it wrote this turn holds, that no tool
    result showed, when the request names a file they could come from."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = UNSEEN_KIND
    notes: ClassVar[Kinds] = {UNSEEN_KIND: (UNSEEN_NUMBERS, UNSEEN_WRITTEN)}

    def check_reply(self, step: ModelStep) -> str | None:
        if step.response is None or not names_a_source(step.request):
            return None
        if numbers := unseen_numbers(text_of(step.response.content), step.shown, step.workspace):
            return unseen_note(numbers)
        writes = landed_writes(step.since_request)
        if written := unseen_written(writes, step.shown, step.request, step.workspace):
            return unseen_written_note(*written)
        return None


class UnreadFiles(Rule):
    """An answer about files the request names that it never read."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = UNREAD_KIND
    notes: ClassVar[Kinds] = {UNREAD_KIND: (UNREAD, UNREAD_ASKED, UNUSED_TABLE)}

    def check_reply(self, step: ModelStep) -> str | None:
        unread = unread_files(step.request, step.workspace, step.since_request)
        return unread_note(unread, step.request) if unread else None
