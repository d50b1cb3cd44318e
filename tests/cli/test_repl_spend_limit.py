"""/model keeps a spend limit meaningful: no switching to a model whose cost would stay 0."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console

from cli.commands import run_command
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

PRICE = {"input_per_mtok": 0.5, "output_per_mtok": 1.5}


class Repl:
    """The parts of the REPL /model uses, around a real session."""

    def __init__(self, session: Any, settings: Any) -> None:
        self.session, self.settings = session, settings
        self.out = io.StringIO()
        self.console = Console(file=self.out, width=400, color_system=None)

    async def ensure_session(self) -> Any:
        return self.session


async def test_with_a_spend_limit_model_refuses_an_unpriced_model(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="hi"))
    prices = {"openai/scripted-model": PRICE}
    settings = fast_settings(llm.url, max_cost_usd=1.0, model_prices=prices)
    async with open_session(settings, workspace) as session:
        await collect(session.send("hello"))
        repl = Repl(session, settings)
        await run_command(repl, "/model openai/house-model")  # type: ignore[arg-type]
        said = repl.out.getvalue()
        assert "Not switched: --max-cost cannot limit openai/house-model" in said
        assert (await session.values())["model"] == "openai/scripted-model"
        assert len(llm.requests) == 1  # refused before the probe

        both = {**prices, "openai/house-model": PRICE}
        repl = Repl(session, fast_settings(llm.url, max_cost_usd=1.0, model_prices=both))
        llm.add(Turn(content="OK"))
        await run_command(repl, "/model openai/house-model")  # type: ignore[arg-type]
        assert "Model for this thread: openai/house-model" in repl.out.getvalue()
        assert (await session.values())["model"] == "openai/house-model"


async def test_without_a_spend_limit_an_unpriced_model_is_fine(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace) as session:
        repl = Repl(session, settings)
        llm.add(Turn(content="OK"))
        await run_command(repl, "/model openai/house-model")  # type: ignore[arg-type]
        assert "Model for this thread: openai/house-model" in repl.out.getvalue()
