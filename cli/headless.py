"""Headless mode: one turn to completion, no human, results for scripts.

Output formats:
- `text`: the final answer on stdout; progress (tool calls, problems) on stderr.
- `json`: one object `{thread_id, result, exit_reason, iterations, usage, rules_fired}` on
  stdout (plus `error` when the run failed); `rules_fired`: `{rule: steps}`, the rules for
  weaker models whose hooks acted in the thread, and in how many steps.
- `stream-json`: every event as one JSON line (`Event.to_dict()`), then a line
  `{"type": "result", ...}` shaped like the json object.
- json and stream-json, when the run cannot start (cli/launch.py): one line
  `{"type": "error", "message", "exit_code"}`.

Approvals follow the graph's headless policy: what would ask a human is auto-approved,
never-auto operations are denied. A thread left waiting on a human's approval (by the
REPL) is not answered here: with PROMPT the new message supersedes the pending calls
(they are marked not run); without PROMPT the run stops with exit code 2 and says how
to answer it interactively (its result still counts the iterations, usage and rules so far).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from cli.exit_codes import ExitCode, exit_code_for

if TYPE_CHECKING:
    from cli.target import Target
    from configs.settings import Settings
    from graph.events import Event
    from graph.session import Session

DOUBLE_PRESS_S = 1.0


def run_headless(
    settings: Settings,
    target: Target,
    prompt: str | None,
    *,
    output_format: str = "text",
    model: str | None = None,
) -> int:
    return asyncio.run(_run(settings, target, prompt, output_format, model))


async def _run(
    settings: Settings, target: Target, prompt: str | None, output_format: str, model: str | None
) -> int:
    from configs.environment import ml_intern_home
    from graph.session import Session
    from tools.external.family import open_integrations

    output = Output(output_format, settings)
    async with (
        open_integrations(settings, home=ml_intern_home()) as integrations,
        Session.open(
            settings,
            thread_id=target.thread_id,
            mode="headless",
            extra_specs=integrations.mcp_specs(),
            notifier=integrations.notifier,
        ) as session,
    ):
        for warning in integrations.take_warnings():
            output.progress(f"Warning: {warning}")
        output.thread_id = session.thread_id
        session.token_events = output_format == "stream-json"  # the others show whole messages
        runs = await planned_runs(session, prompt, resuming=target.resuming, model=model)
        if runs is None:
            pending = await session.pending_approval() or {}
            return output.blocked_by_approval(pending, await session.values())
        if not runs:
            output.progress(f"Nothing to finish in thread {session.thread_id}.")
        with cancel_on_signals(session, output):
            for start in runs:
                async for event in start():
                    output.event(event)
                if output.stop_reason != "done":
                    break
                if pending := await session.pending_approval():  # the graph asked anyway
                    return output.blocked_by_approval(pending, await session.values())
        if settings.upload.enabled:
            from cli.sharing import upload_thread

            output.progress(await upload_thread(session))
    return output.finish()


async def planned_runs(
    session: Session, prompt: str | None, *, resuming: bool, model: str | None = None
) -> list[Callable[[], AsyncIterator[Event]]] | None:
    """What to run: unfinished work first, then the prompt. None: blocked on a human."""
    runs: list[Callable[[], AsyncIterator[Event]]] = []
    if resuming and await session.has_unfinished_run():
        runs.append(session.continue_pending)
    elif resuming and prompt is None and await session.pending_approval():
        return None
    if prompt is not None:
        runs.append(lambda: send(session, prompt, model if resuming else None))
    return runs


async def send(session: Session, prompt: str, model: str | None) -> AsyncIterator[Event]:
    """Send the prompt; a resumed thread switches to `model` first (pending work ran before)."""
    if model and model != (await session.values()).get("model"):
        await session.set_model(model)
    async for event in session.send(prompt):
        yield event


class cancel_on_signals:
    """Ctrl-C / SIGTERM cancel the turn (tools killed, thread consistent); twice in 1 s quits."""

    def __init__(self, session: Session, output: Output) -> None:
        self.session = session
        self.output = output
        self.last = 0.0

    def __enter__(self) -> cancel_on_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.on_signal)
        return self

    def __exit__(self, *_exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    def on_signal(self) -> None:
        now = time.monotonic()
        if now - self.last < DOUBLE_PRESS_S:
            sys.stdout.flush()
            os._exit(int(ExitCode.INTERRUPTED))
        self.last = now
        self.output.progress("Interrupting… (press Ctrl-C again to quit at once)")
        self.session.cancel()


class Output:
    """Writes events and the result in the chosen format; remembers how the run ended."""

    def __init__(self, output_format: str, settings: Settings) -> None:
        self.format = output_format
        self.settings = settings
        self.thread_id = ""
        self.stop_reason = "done"
        self.final_text = ""
        self.iterations = 0
        self.usage: dict[str, Any] = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
        self.error: str | None = None
        self.unpriced: list[str] = []  # models called that have no price: cost unknown
        self.rules_fired: dict[str, int] = {}
        self.renderer = None
        if output_format == "text":
            from cli.render import Renderer, stderr_console

            limits = {"max_iterations": settings.max_iterations, "max_cost": settings.max_cost_usd}
            self.renderer = Renderer(stderr_console(), brief=True, limits=limits)

    def progress(self, message: str) -> None:
        if self.format != "stream-json":
            print(message, file=sys.stderr, flush=True)

    def event(self, event: Event) -> None:
        if event.type == "error" and event.data.get("fatal"):
            self.error = str(event.data.get("message", "error"))
        if event.type == "processing":
            self.final_text = ""
        if event.type == "assistant_message":
            # Not turn_complete's final_text: that can be an earlier turn's answer.
            self.final_text = str(event.data.get("text") or "")
        if event.type == "usage":
            self.note_price(str(event.data.get("model") or ""))
        if event.type == "turn_complete":
            self.stop_reason = str(event.data.get("stop_reason") or "done")
            self.iterations = int(event.data.get("iterations") or 0)
            self.usage = dict(event.data.get("usage") or self.usage)
            self.rules_fired = dict(event.data.get("rules_fired") or {})
        if self.format == "stream-json":
            self._line(event.to_dict())
        elif self.renderer is not None:
            self.renderer.event(event)
        elif event.type == "error":
            print(event.data.get("message", "error"), file=sys.stderr, flush=True)

    def note_price(self, model: str) -> None:
        from configs.model_profile import profile_of

        if model and model not in self.unpriced and not profile_of(model, self.settings).priced:
            self.unpriced.append(model)

    def result(self) -> dict[str, Any]:
        from models.usage import cache_share

        result: dict[str, Any] = {
            "thread_id": self.thread_id,
            "result": self.final_text,
            "exit_reason": self.stop_reason,
            "iterations": self.iterations,
            "usage": {
                "input_tokens": int(self.usage.get("input_tokens", 0)),
                "output_tokens": int(self.usage.get("output_tokens", 0)),
                "cache_read_tokens": int(self.usage.get("cache_read_tokens", 0)),
                "cache_write_tokens": int(self.usage.get("cache_write_tokens", 0)),
                "cache_hit_share": round(cache_share(self.usage) or 0.0, 4),
                # null, not 0: a model without a price was called, so nobody knows the cost
                "cost_usd": None if self.unpriced else float(self.usage.get("cost_usd", 0.0)),
                "unpriced_models": self.unpriced,
                "job_cost_usd": float(self.usage.get("job_cost_usd", 0.0)),
            },
            "rules_fired": self.rules_fired,
        }
        if self.error:
            result["error"] = self.error
        return result

    def finish(self) -> int:
        if self.format == "json":
            self._line(self.result())
        elif self.format == "stream-json":
            self._line({"type": "result", **self.result()})
        elif self.stop_reason == "done" and self.final_text:
            print(self.final_text, flush=True)
        return int(exit_code_for(self.stop_reason))

    def blocked_by_approval(self, pending: dict[str, Any], values: dict[str, Any]) -> int:
        """Exit 2 on a thread waiting for a person; the result still counts the thread's
        iterations, usage and rules fired so far (`values`: its state), as a finished turn's
        would: the model calls before the wait were made and paid for."""
        from graph.events import turn_complete

        totals = turn_complete(self.thread_id, values, None).data
        self.iterations = int(totals.get("iterations") or 0)
        self.usage = dict(totals.get("usage") or self.usage)
        self.rules_fired = dict(totals.get("rules_fired") or {})
        names = ", ".join(r.get("name", "?") for r in pending.get("action_requests") or [])
        self.error = (
            f"Thread {self.thread_id} is waiting for a human to approve: {names or 'a request'}. "
            f"Answer it in the REPL (ml-intern --resume {self.thread_id}), or pass a PROMPT to "
            "move on without it."
        )
        self.stop_reason = "error"
        print(f"ml-intern: {self.error}", file=sys.stderr, flush=True)
        self.finish()
        return int(ExitCode.USAGE_ERROR)

    def _line(self, obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
