"""/model: what is in use and what was used recently; a new id is checked before switching."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console

from cli.commands import run_command
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn


class Repl:
    """The parts of the REPL /model uses, around a real session."""

    def __init__(self, session: Any, settings: Any) -> None:
        self.session, self.settings = session, settings
        self.out = io.StringIO()
        self.console = Console(file=self.out, width=200, color_system=None)

    async def ensure_session(self) -> Any:
        return self.session


async def test_model_lists_then_checks_before_switching(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="hi"))
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace) as session:
        await collect(session.send("hello"))
        repl = Repl(session, settings)
        await run_command(repl, "/model")  # type: ignore[arg-type]
        assert "Model: openai/scripted-model" in repl.out.getvalue()
        assert "Configured: openai/scripted-model" in repl.out.getvalue()

        llm.add(Turn(status=404, error_message="The model `nope` does not exist"))
        await run_command(repl, "/model openai/nope")  # type: ignore[arg-type]
        assert "Not switched:" in repl.out.getvalue() and "nope" in repl.out.getvalue()
        assert (await session.values())["model"] == "openai/scripted-model"
        probe = llm.requests[-1]
        assert probe["max_tokens"] == 1 and "tools" not in probe  # one cheap request

        llm.add(Turn(content="OK"))
        await run_command(repl, "/model openai/other")  # type: ignore[arg-type]
        assert "Model for this thread: openai/other" in repl.out.getvalue()
        assert (await session.values())["model"] == "openai/other"
        llm.add(Turn(content="hi from other"))
        await collect(session.send("hello other"))  # it answered: a model worth suggesting
    llm.add(Turn(content="hi again"))
    async with open_session(settings, workspace, thread_id="second") as session:
        await collect(session.send("hello"))
        repl = Repl(session, settings)
        await run_command(repl, "/model")  # type: ignore[arg-type]
        assert "Model: openai/scripted-model" in repl.out.getvalue()
        assert "Recently used: openai/other" in repl.out.getvalue()  # the other thread's


async def test_recently_used_leaves_out_models_that_never_answered(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    settings = fast_settings(llm.url, model_retries=0)
    async with open_session(settings, workspace, thread_id="typo") as session:
        await session.set_model("openai/no-such-model")  # as `--model` with a typo does
        llm.add(Turn(status=404, error_message="The model `no-such-model` does not exist"))
        events = await collect(session.send("hello"))
        assert any(e.type == "error" and e.data.get("fatal") for e in events)
    async with open_session(settings, workspace, thread_id="worked") as session:
        await session.set_model("openai/other")
        llm.add(Turn(content="hi from other"))
        await collect(session.send("hello"))
    async with open_session(settings, workspace, thread_id="now") as session:
        llm.add(Turn(content="hi"))
        await collect(session.send("hello"))
        repl = Repl(session, settings)
        await run_command(repl, "/model")  # type: ignore[arg-type]
        said = repl.out.getvalue()
    assert "Recently used: openai/other\n" in said
    assert "no-such-model" not in said
