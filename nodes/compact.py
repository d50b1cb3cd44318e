"""compact: keep the context under its budget by summarising the middle of the history.

Kept verbatim: the first user message, a recent tail, and (in state, rendered into
the system prompt) the plan. An AI message is never separated from its results.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.config import get_stream_writer
from langgraph.types import Overwrite

from adaptations.turn import Turn
from configs.model_profile import profile_of
from models.messages import is_user_message, note, note_kind
from models.texts import SUMMARY_HEADER
from models.usage import call_usage, count_tokens
from nodes.context_window import overflow_advice, stated_windows
from nodes.deps import AgentDeps
from nodes.execute_tools import TOOL_CUT, cap_output, safe_file_name
from nodes.history import SUMMARISED_CALLS, calls_in, repair_orphans
from nodes.invoke import invoke_with_retries
from nodes.run_options import run_context
from nodes.tool_images import image_tokens
from nodes.turn import turn_of

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

SUMMARY_PROMPT = (
    "You are compressing the middle of a working session between a user and an ML-engineering "
    "agent so the agent can continue without it. Write a dense summary that keeps: the user's "
    "goals and constraints, decisions made, facts learned (names of models, datasets, files, "
    "paths, URLs, job IDs, numbers), what was tried and failed and why, and the current state "
    "of the work. Do not invent anything. Use short markdown bullet points."
)


@dataclass(frozen=True)
class Cut:
    head: list[AnyMessage]
    middle: list[AnyMessage]
    tail: list[AnyMessage]


def rough_tokens(message: AnyMessage) -> int:
    calls = message.tool_calls if isinstance(message, AIMessage) else []
    return (len(str(message.content)) + len(str(calls))) // 4 + 4


def plan_cut(messages: Sequence[AnyMessage], tail_budget: int) -> Cut | None:
    """Where to cut: None when there is nothing in the middle to summarise."""
    first_user = next((i for i, m in enumerate(messages) if is_user_message(m)), 0)
    head_end = first_user + 1
    start = len(messages)
    spent = 0
    while start > head_end:
        cost = rough_tokens(messages[start - 1])
        if spent + cost > tail_budget and start < len(messages):
            break
        spent += cost
        start -= 1
    # Never start the tail on a tool result: move back to the AI message that called it.
    while (
        start > head_end and isinstance(messages[start], ToolMessage)
        if start < len(messages)
        else False
    ):
        start -= 1
    if start - head_end < 1:
        return None
    return Cut(list(messages[:head_end]), list(messages[head_end:start]), list(messages[start:]))


def context_tokens(messages: Sequence[AnyMessage], model_id: str, limit: int | None = None) -> int:
    """Tokens the next model call will send: the provider's last count plus what came after.

    With a `limit`, what came after is not tokenized when even its ceiling stays under the
    limit: the ceiling is returned then (tokenizing a 20 KB tool result every step is most of
    a long loop's bookkeeping).
    """
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if note_kind(message) == "summary":
            break  # counts from before a compaction no longer describe the history
        if isinstance(message, AIMessage) and message.usage_metadata:
            meta = message.usage_metadata
            used = int(meta.get("input_tokens", 0)) + int(meta.get("output_tokens", 0))
            after = messages[i + 1 :]
            if limit is not None and used + token_ceiling(after) <= limit:
                return used + token_ceiling(after)
            return used + (count_tokens(model_id, after) if after else 0) + image_tokens(after)
    return (count_tokens(model_id, messages) if messages else 0) + image_tokens(messages)


def token_ceiling(messages: Sequence[AnyMessage]) -> int:
    """More tokens than `messages` can take: a BPE token covers at least one byte, plus framing."""
    return image_tokens(messages) + sum(
        len(str(m.content).encode()) + len(str(getattr(m, "tool_calls", "")).encode()) + 16
        for m in messages
    )


def compact_threshold(model_id: str, configured: int, window: int | None = None) -> int:
    """The smaller of the configured threshold and 90% of the model's input window: the one
    given (config `context_window`, or what the provider stated), else the model profile's."""
    if window is None:
        from configs.model_profile import profile_of

        window = profile_of(model_id).context_window
    return min(configured, int(window * 0.9)) if window else configured


def known_window(state: Mapping[str, Any], model_id: str, deps: AgentDeps) -> int | None:
    """The window the config names for this model, else the one its provider stated."""
    stated = stated_windows(state, deps.settings.model_name)
    return deps.settings.context_window.get(model_id) or stated.get(model_id)


def needs_compact(state: Mapping[str, Any], deps: AgentDeps) -> bool:
    if state.get("compact_request") in ("force", "overflow"):
        return True
    messages = state.get("messages") or []
    if len(messages) < 3:
        return False
    model_id = state.get("model") or deps.settings.model_name
    threshold = compact_threshold(
        model_id, deps.settings.compact_at_tokens, known_window(state, model_id, deps)
    )
    return context_tokens(messages, model_id, limit=threshold) > threshold


async def compact(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Any = None, *, deps: AgentDeps
) -> dict[str, Any]:
    writer = get_stream_writer()
    advice = run_context(runtime, config, deps).advice
    messages = list(state.get("messages") or [])
    forced = state.get("compact_request") == "force"
    model_id = state.get("model") or deps.settings.model_name
    turn = turn_of(state)
    old_tokens = context_tokens(messages, model_id)
    if not forced and turn["compactions"] >= deps.settings.max_compactions_per_turn:
        return _fail(
            writer,
            turn,
            f"Compaction already ran {turn['compactions']} times this turn and "
            "the context is still too large. "
            + overflow_advice(advice, profile_of(model_id, deps.settings)),
        )
    turn["compactions"] += 0 if forced else 1
    window = known_window(state, model_id, deps)
    threshold = compact_threshold(model_id, deps.settings.compact_at_tokens, window)
    budget = max(threshold // 4, 2_000)
    if state.get("compact_request") in ("force", "overflow"):
        # The history may be under our threshold (forced, or the provider's window is
        # smaller than litellm thinks): keep a third of it so there is something to summarise.
        # Count the messages themselves: the provider's count includes the tool schemas and
        # the system prompt, which no cut can shrink.
        budget = min(budget, max(count_tokens(model_id, messages) // 3, 500))
    cut = plan_cut(messages, tail_budget=budget)
    if cut is None and not forced:
        # First make oversized tool results small (the whole text goes to a spill file the
        # model is told about): one huge output should not end the turn.
        shortened = await _shortened(messages, budget, config, deps)
        if shortened is not None:
            messages, cut = shortened, plan_cut(shortened, tail_budget=budget)
            if cut is None:  # nothing to summarise, but the context is small again
                new_tokens = count_tokens(model_id, messages)
                _report(writer, old_tokens, new_tokens, "long tool results shortened")
                return {"messages": Overwrite(messages), "compact_request": None, "turn": turn}
    if cut is None:
        if forced:
            _report(writer, old_tokens, old_tokens, "nothing to compact yet")
            return {"compact_request": None, "stop_reason": "compacted", "turn": turn}
        return _fail(
            writer,
            turn,
            "The context is too large but the recent messages alone exceed "
            "the budget, so there is nothing left to summarise. "
            + overflow_advice(advice, profile_of(model_id, deps.settings)),
        )
    summary, spent = await summarise(cut.middle, model_id, config, deps)
    new_messages = [*cut.head, summary_note(summary, cut.middle), *cut.tail]
    new_tokens = count_tokens(model_id, new_messages)
    _report(writer, old_tokens, new_tokens)
    return {
        "messages": Overwrite(new_messages),
        "usage": spent,  # the summary call is paid for like any other
        "compact_request": None,
        "stop_reason": "compacted" if forced else None,
        "turn": turn,
    }


def summary_note(summary: str, middle: Sequence[AnyMessage]) -> HumanMessage:
    """The note that replaces `middle`; it keeps the ids of the calls made there, so the runs
    they launched stay the thread's (graph/thread_runs.py)."""
    made = note("summary", SUMMARY_HEADER + summary)
    made.additional_kwargs[SUMMARISED_CALLS] = calls_in(middle)
    return made


async def summarise(
    middle: Sequence[AnyMessage], model_id: str, config: RunnableConfig, deps: AgentDeps
) -> tuple[str, dict[str, Any]]:
    """The model's summary of `middle`, and the usage of that call."""
    transcript = "\n\n".join(as_summary_text(m) for m in repair_orphans(middle))
    prompt = [SystemMessage(content=SUMMARY_PROMPT), HumanMessage(content=transcript)]
    response = await invoke_with_retries(deps, model_id, prompt, config, with_tools=False)
    spent = call_usage(profile_of(model_id, deps.settings), prompt, response)
    get_stream_writer()({"type": "usage", "model": model_id, "purpose": "compaction", **spent})
    return str(response.content).strip() or "(the model returned an empty summary)", spent


def as_summary_text(message: AnyMessage) -> str:
    """One message as text for a summary call: long contents and call lists shortened."""
    role = {"human": "user", "ai": "assistant", "tool": "tool result"}.get(
        message.type, message.type
    )
    text = str(message.content)
    if len(text) > 4_000:
        text = text[:3_000] + "\n[...]\n" + text[-1_000:]
    if isinstance(message, AIMessage) and message.tool_calls:
        calls = "; ".join(f"{c['name']}({c.get('args')})" for c in message.tool_calls)
        text = f"{text}\n[tool calls: {calls[:2_000]}]"
    return f"### {role}\n{text}"


async def _shortened(
    messages: Sequence[AnyMessage], budget: int, config: RunnableConfig, deps: AgentDeps
) -> list[AnyMessage] | None:
    thread = str((config.get("configurable") or {}).get("thread_id") or "default")
    spill = deps.spill_dir / safe_file_name(thread)
    return await asyncio.to_thread(shorten_results, messages, budget, spill)


def shorten_results(
    messages: Sequence[AnyMessage], budget: int, spill_dir: Path
) -> list[AnyMessage] | None:
    """`messages` with each tool result over a third of `budget` (tokens) cut to its head and
    tail, the whole text spilled to a file; None when none is that long."""
    limit = max(budget * 4 // 3, 2_000)  # characters
    changed = False
    result: list[AnyMessage] = []
    for message in messages:
        if isinstance(message, ToolMessage) and len(str(message.content)) > limit:
            message = shorten_result(message, limit, spill_dir)
            changed = True
        result.append(message)
    return result if changed else None


# What `cap_output` (nodes/execute_tools.py) puts between the head and tail it keeps.
SPILL_NOTE = re.compile(
    r"\n\n\[\.\.\. [\d,]+ characters omitted here; all ([\d,]+) characters the tool returned "
    r"are in (.+?) — read it with `read` \(offset/limit\) or grep it\.(.*?) \.\.\.\]\n\n"
)


def shorten_result(message: ToolMessage, limit: int, spill_dir: Path) -> ToolMessage:
    """`message` cut to about `limit` characters. A result capped before keeps pointing at
    the spill file that holds all of it; a spill file is never replaced by less text."""
    text = str(message.content)
    spilled = SPILL_NOTE.search(text)
    if spilled is None:
        existing = spill_dir / f"{safe_file_name(message.tool_call_id)}.txt"
        if existing.exists() and existing.stat().st_size > len(text.encode()):
            spill_dir = spill_dir / "compacted"  # another result's whole text lives there
        return cap_output(message, limit, spill_dir)
    total, spill, noted = spilled.groups()
    shown_head, shown_tail = text[: spilled.start()], text[spilled.end() :]
    head, tail = shown_head[: limit * 2 // 3], shown_tail[-(limit // 3) :]
    dropped = shown_head[len(head) :] + "\n" + shown_tail[: len(shown_tail) - len(tail)]
    earlier = [*TOOL_CUT.findall(noted), *TOOL_CUT.findall(dropped)]
    also = f" The tool had already left out part of it: {' '.join(earlier)}." if earlier else ""
    omitted = int(total.replace(",", "")) - len(head) - len(tail)
    shortened = (
        f"{head}\n\n[... {omitted:,} characters omitted here; all {total} characters the tool "
        f"returned are in {spill} — read it with `read` (offset/limit) or grep it.{also} ...]"
        f"\n\n{tail}"
    )
    return message.model_copy(update={"content": shortened})


def _report(writer: Any, old_tokens: int, new_tokens: int, note_text: str | None = None) -> None:
    event = {"type": "compacted", "old_tokens": old_tokens, "new_tokens": new_tokens}
    writer(event | ({"note": note_text} if note_text else {}))


def _fail(writer: Any, turn: Turn, message: str) -> dict[str, Any]:
    writer({"type": "error", "message": message})
    return {"compact_request": None, "stop_reason": "compact_failed", "turn": turn}
