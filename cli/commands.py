"""The REPL's slash commands. Each handler takes the Repl and the text after the command."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.table import Table
from rich.text import Text

from cli.experiments import repl_command as experiments
from cli.thread_commands import fork, new, resume, threads
from cli.walls_warning import YOLO_ON_UNWALLED, walled

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from rich.console import Console

    from configs.settings import Settings
    from graph.session import Session
    from tools.external.family import Integrations


class Repl(Protocol):
    """What the slash commands use of the REPL (cli/repl.py), declared here so neither
    module imports the other's implementation."""

    console: Console
    session: Session | None
    settings: Settings
    home: Path
    thread_id: str | None
    quitting: bool
    approvals: PromptSession[str]

    async def drive(self, start: Callable[[], Any]) -> None: ...
    async def ensure_session(self) -> Session: ...
    async def ensure_integrations(self) -> Integrations: ...
    async def switch_to(self, thread_id: str | None) -> None: ...


COMMANDS = {
    "/help": "show this help",
    "/undo": "go back to just before your last message and put the files back as they were"
    " (--keep-files: the conversation only)",
    "/compact": "summarise the conversation now, to free context",
    "/model [id]": "show the model, or switch this thread to another litellm model id",
    "/effort": "show or set the reasoning effort (minimal, low, medium, high, default)",
    "/yolo": "toggle auto-approval for this thread (never-auto operations still ask)",
    "/status": "model, thread, iterations, tokens, cost, context used",
    "/threads": "recent threads",
    "/experiments [compare A B]": "this thread's runs (status, cost, main metric), or two compared",
    "/mcp": "MCP servers, their status and tools",
    "/skills": "the skills the agent can load, and where each comes from",
    "/memory": "the AGENTS.md files loaded as the project's instructions",
    "/share [public|private]": "upload this thread (redacted) to your private sessions dataset; or flip its visibility",
    "/resume [ID]": "switch to another thread (an ID, its start, or pick from a list)",
    "/fork": "copy this thread into a new one and switch to it (the original stays as it is)",
    "/new": "start a new thread",
    "/quit, /exit": "leave (Ctrl-D works too)",
}
HINTS = (
    "Approvals: y approves, n rejects, yolo approves this and everything after, any other "
    "text rejects and tells the model what to do instead; Ctrl-C rejects the rest.\n"
    "Ctrl-C during a turn interrupts it; twice within a second quits. Alt-Enter adds a line."
)


async def run_command(repl: Repl, line: str) -> None:
    name, _, argument = line.partition(" ")
    handler = HANDLERS.get(name.lower())
    if handler is None:
        close = difflib.get_close_matches(name.lower(), list(HANDLERS), n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        repl.console.print(
            Text(f"Unknown command {name}.{hint} Type /help for the list.", style="yellow")
        )
        return
    await handler(repl, argument.strip())


async def show_help(repl: Repl, _argument: str) -> None:
    table = Table(show_header=False, box=None, padding=(0, 2))
    for command, description in COMMANDS.items():
        table.add_row(Text(command, style="bold"), description)
    repl.console.print(table)
    repl.console.print(Text(HINTS, style="dim"))


async def undo(repl: Repl, argument: str) -> None:
    if repl.session is None:
        repl.console.print(Text("Nothing to undo yet.", style="yellow"))
        return
    if argument.strip() not in ("", "--keep-files"):
        repl.console.print(Text("Usage: /undo [--keep-files]", style="yellow"))
        return
    from cli.render import Renderer

    keep = argument.strip() == "--keep-files"
    Renderer(repl.console).event(await repl.session.undo(keep_files=keep))


async def compact(repl: Repl, _argument: str) -> None:
    if repl.session is None:
        repl.console.print(Text("Nothing to compact yet.", style="yellow"))
        return
    await repl.drive(repl.session.compact)


async def model(repl: Repl, argument: str) -> None:
    """No argument: the current, configured and recently used models. An id: check it with
    one cheap request, then switch the thread to it."""
    if not argument:
        await list_models(repl)
        return
    from cli.hf_token import token_for
    from configs.advice import Advice
    from configs.model_profile import model_problem
    from models.probe import probe_model

    at_the_repl = Advice("cli", "interactive")
    found = model_problem(argument, repl.settings, token_for(argument), at_the_repl)
    problem = found[0] if found else None
    session = await repl.ensure_session() if problem is None else None
    if session is not None:
        with repl.console.status(f"Checking {argument}…"):
            problem = await probe_model(session.deps, argument, at_the_repl)
    if problem is not None or session is None:
        repl.console.print(Text(f"Not switched: {problem}", style="yellow"))
        return
    await session.set_model(argument)
    repl.console.print(Text(f"Model for this thread: {argument}", style="green"))


async def list_models(repl: Repl) -> None:
    current = repl.settings.model_name
    others: list[str] = []
    if repl.session is not None:
        current = (await repl.session.values()).get("model") or current
        others = await models_that_answered(repl.session, skip=current)
    repl.console.print(f"Model: {current}")
    repl.console.print(f"Configured: {repl.settings.model_name}")
    if others:
        repl.console.print("Recently used: " + ", ".join(others))
    repl.console.print(
        Text(
            "Switch with /model ID: a litellm id (anthropic/..., openai/...), an HF router id "
            "(org/model[:provider|:fastest|:cheapest]) or a local server (vllm/, ollama/, "
            "lm_studio/, llamacpp/<name>).",
            style="dim",
        )
    )


RECENT_MODELS = 8
THREADS_CHECKED = 20


async def models_that_answered(session: Session, *, skip: str) -> list[str]:
    """Models of recent threads that wrote at least one reply there: a model whose calls
    failed (a typo, no access) is recorded in the index but is no suggestion."""
    from nodes.history import WRITER

    found: list[str] = []
    rows = [i for i in session.index.list(limit=100) if i.model and i.model != skip]
    for info in rows[:THREADS_CHECKED]:
        if info.model in found or len(found) == RECENT_MODELS:
            continue
        state = await session.graph.aget_state({"configurable": {"thread_id": info.thread_id}})
        messages = (state.values or {}).get("messages") or []
        if any((m.response_metadata or {}).get(WRITER) == info.model for m in messages):
            found.append(info.model)
    return found


async def effort(repl: Repl, argument: str) -> None:
    """/effort shows the thread's reasoning effort; /effort LEVEL (or `default`) sets it."""
    from nodes.reasoning import EFFORTS

    session = await repl.ensure_session()
    current = (await session.values()).get("effort") or repl.settings.reasoning_effort
    if not argument:
        repl.console.print(f"Reasoning effort: {current or 'the model default'}")
        return
    level = argument.strip().lower()
    if level not in (*EFFORTS, "default"):
        repl.console.print(Text(f"Usage: /effort {' | '.join(EFFORTS)} | default", style="yellow"))
        return
    await session.set_effort(None if level == "default" else level)
    repl.console.print(Text(f"Reasoning effort for this thread: {level}", style="green"))


async def yolo(repl: Repl, _argument: str) -> None:
    if repl.settings.approval.yolo:
        repl.console.print(
            Text("Yolo is on for the whole session (--yolo or config).", style="yellow")
        )
        return
    session = await repl.ensure_session()
    on = not (await session.values()).get("yolo")
    await session.set_yolo(on)
    state = "on: tool calls run without asking" if on else "off: risky tool calls ask first"
    repl.console.print(Text(f"Yolo {state}.", style="yellow" if on else "green"))
    if on and not walled(repl.settings):
        repl.console.print(Text(YOLO_ON_UNWALLED, style="yellow"))


async def status(repl: Repl, _argument: str) -> None:
    from configs.model_profile import profile_of

    session = await repl.ensure_session()
    values = await session.values()
    usage = values.get("usage") or {}
    model_id = values.get("model") or repl.settings.model_name
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("Model", model_id)
    if endpoint := profile_of(model_id, repl.settings).endpoint:
        table.add_row("Endpoint", endpoint)
    table.add_row("Thread", session.thread_id)
    from store.database import location

    table.add_row("Threads in", location(repl.home))
    table.add_row(
        "Iterations",
        f"{(values.get('turn') or {}).get('iterations', 0)} this turn "
        f"(cap {session.max_iterations})",
    )
    table.add_row(
        "Tokens",
        f"{usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out"
        + cache_note(usage),
    )
    table.add_row("Cost", thread_cost(values, model_id, repl.settings))
    table.add_row(
        "Jobs",
        f"${usage.get('job_cost_usd', 0.0):.2f} worst case of ${repl.settings.max_job_cost:.2f} "
        "budget (--max-job-cost)",
    )
    table.add_row("Context", await context_line(repl, values, model_id))
    table.add_row("Yolo", "on" if values.get("yolo") or repl.settings.approval.yolo else "off")
    sandbox = repl.settings.sandbox
    net = "network on" if sandbox.network else "no network"
    table.add_row("Sandbox", f"on (bubblewrap, {net})" if sandbox.mode == "local" else "off")
    from tools.hub.sandbox_records import sandbox_line, thread_sandboxes

    boxes = thread_sandboxes(repl.home, session.thread_id)
    table.add_row("Hub sandboxes", "\n".join(sandbox_line(b)[2:] for b in boxes) or "none")
    for label, text in session.deps.catalog.status_rows(session.thread_id):
        table.add_row(label, text)
    from tools.adaptation_guard import FAILED_RULES

    if FAILED_RULES:
        table.add_row("Rules skipped", ", ".join(sorted(FAILED_RULES)) + " (raised; see the log)")
    repl.console.print(table)


def thread_cost(values: dict, model_id: str, settings: Settings) -> str:
    """The thread's spend; "unknown" when a model that answered in it (or its next) has no price."""
    from cli.render import cost_text
    from configs.model_profile import profile_of
    from nodes.history import WRITER

    writers = [(m.response_metadata or {}).get(WRITER) for m in values.get("messages") or []]
    used = dict.fromkeys(w for w in [*writers, model_id] if isinstance(w, str))
    unpriced = [m for m in used if not profile_of(m, settings).priced]
    return cost_text(float((values.get("usage") or {}).get("cost_usd", 0.0)), unpriced)


def cache_note(usage: dict) -> str:
    from models.usage import cache_share

    share = cache_share(usage)
    return f" ({share:.0%} of input from cache)" if share else ""


async def context_line(repl: Repl, values: dict, model_id: str) -> str:
    import asyncio

    from nodes.compact import compact_threshold, context_tokens

    messages = values.get("messages") or []
    used = await asyncio.to_thread(context_tokens, messages, model_id)
    threshold = compact_threshold(model_id, repl.settings.compact_at_tokens)
    return f"{used:,} of {threshold:,} tokens before compaction ({100 * used // threshold}%)"


async def quit_repl(repl: Repl, _argument: str) -> None:
    repl.quitting = True


async def mcp(repl: Repl, _argument: str) -> None:
    from tools.external.mcp import format_status

    integrations = await repl.ensure_integrations()
    repl.console.print(Text(format_status(integrations.mcp_status())))


async def skills(repl: Repl, _argument: str) -> None:
    import asyncio

    from tools.skills import scan_skills

    scan = await asyncio.to_thread(scan_skills, Path.cwd())
    table = Table(box=None, show_header=True, header_style="bold")
    for column in ("skill", "source", "description"):
        table.add_column(column)
    for skill in scan.skills:
        table.add_row(skill.name, skill.source, skill.description)
    repl.console.print(table if scan.skills else Text("No skills found."))
    for warning in scan.warnings:
        repl.console.print(Text(f"! {warning}", style="yellow"))


async def memory(repl: Repl, _argument: str) -> None:
    import asyncio

    from configs.memory import FILENAME, load_memory

    loaded = await asyncio.to_thread(load_memory, Path.cwd())
    if not loaded.files:
        repl.console.print(
            Text(f"No {FILENAME} loaded: add one at the project root to give the agent rules.")
        )
    for file in loaded.files:
        cut = " (cut: too long)" if file.truncated else ""
        repl.console.print(Text(f"{file.path} · {len(file.text):,} characters{cut}", style="bold"))
        repl.console.print(Text(file.text))
    for warning in loaded.warnings:
        repl.console.print(Text(f"! {warning}", style="yellow"))


async def share(repl: Repl, argument: str) -> None:
    """Upload the redacted transcript to the user's own private dataset, or flip its visibility."""
    from cli.sharing import describe_sessions, flip_visibility, upload_thread

    session = await repl.ensure_session()
    if argument in {"public", "private"}:
        dataset = await describe_sessions(check_redactions=argument == "public")
        if dataset is None:
            repl.console.print(Text("Nothing shared yet: /share uploads this thread first."))
            return
        warning = " Anyone will be able to read them." if argument == "public" else ""
        question = f"Make {dataset} {argument}?{warning} [y/N] "
        answer = (await repl.approvals.prompt_async(question)).strip().lower()
        if answer not in {"y", "yes"}:
            repl.console.print(Text("Visibility unchanged.", style="dim"))
            return
        repl.console.print(Text(await flip_visibility(public=argument == "public")))
        return
    if argument:
        repl.console.print(Text("Usage: /share, /share public or /share private", style="yellow"))
        return
    repl.console.print(Text(await upload_thread(session)))


HANDLERS: dict[str, Callable[[Repl, str], Awaitable[None]]] = {
    "/mcp": mcp,
    "/skills": skills,
    "/memory": memory,
    "/share": share,
    "/help": show_help,
    "/undo": undo,
    "/compact": compact,
    "/model": model,
    "/yolo": yolo,
    "/effort": effort,
    "/status": status,
    "/threads": threads,
    "/experiments": experiments,
    "/resume": resume,
    "/new": new,
    "/fork": fork,
    "/quit": quit_repl,
    "/exit": quit_repl,
}
