"""Slash commands an editor offers (ACP available commands), run on the thread's Session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from acp.schema import AvailableCommand, AvailableCommandInput, UnstructuredCommandInput

if TYPE_CHECKING:
    from cli.acp.thread import AcpThread

Handler = Callable[["AcpThread", str], Awaitable[str]]


async def undo(thread: AcpThread, _argument: str) -> str:
    event = await thread.session.undo()
    if event.type != "undo_complete":
        return str(event.data.get("message", "Nothing to undo."))
    return (
        f"Undone: {event.data.get('undone_message', '')!r}. The thread is back to just before "
        "it; reload the session to see the history as it is now."
    )


async def compact(thread: AcpThread, _argument: str) -> str:
    stop = await thread.run(thread.session.compact)
    return "Compacted." if stop == "end_turn" else f"Compaction stopped ({stop})."


async def model(thread: AcpThread, argument: str) -> str:
    session = thread.session
    current = (await session.values()).get("model") or session.settings.model_name
    if not argument:
        return f"Model: {current}. Switch with /model ID (a litellm or HF router id)."
    from cli.hf_token import token_for
    from configs.model_profile import model_problem

    if (found := model_problem(argument, session.settings, token_for(argument))) is not None:
        return f"Not switched: {found[0]}"
    await session.set_model(argument)
    return f"Model for this thread: {argument}"


async def effort(thread: AcpThread, argument: str) -> str:
    from nodes.reasoning import EFFORTS

    session = thread.session
    current = (await session.values()).get("effort") or session.settings.reasoning_effort
    level = argument.strip().lower()
    if not level:
        return f"Reasoning effort: {current or 'the model default'}"
    if level not in (*EFFORTS, "default"):
        return f"Usage: /effort {' | '.join(EFFORTS)} | default"
    await session.set_effort(None if level == "default" else level)
    return f"Reasoning effort for this thread: {level}"


async def status(thread: AcpThread, _argument: str) -> str:
    session = thread.session
    values = await session.values()
    usage = values.get("usage") or {}
    model_id = values.get("model") or session.settings.model_name
    return "\n".join(
        [
            f"Thread: {session.thread_id} (resume with: ml-intern --resume {session.thread_id})",
            f"Model: {model_id}",
            f"Messages: {len(values.get('messages') or [])}",
            f"Tokens: {usage.get('input_tokens', 0):,} in, {usage.get('output_tokens', 0):,} out",
            f"Cost: ${float(usage.get('cost_usd', 0.0)):.4f}",
        ]
    )


COMMANDS: dict[str, tuple[Handler, str, str | None]] = {
    "undo": (undo, "Go back to just before your last message", None),
    "compact": (compact, "Summarise the conversation now, to free context", None),
    "model": (model, "Show the model, or switch this thread to another", "model id"),
    "effort": (effort, "Show or set the reasoning effort", "minimal | low | medium | high"),
    "status": (status, "Thread, model, tokens and cost", None),
}


def available_commands() -> list[AvailableCommand]:
    return [
        AvailableCommand(
            name=name,
            description=description,
            input=AvailableCommandInput(UnstructuredCommandInput(hint=hint)) if hint else None,
        )
        for name, (_handler, description, hint) in COMMANDS.items()
    ]


async def run_command(thread: AcpThread, text: str) -> str | None:
    """The command's reply, or None when `text` is no command of ours (it goes to the model)."""
    name, _, argument = text[1:].partition(" ")
    entry = COMMANDS.get(name.strip().lower())
    if entry is None:
        return None
    return await entry[0](thread, argument.strip())
