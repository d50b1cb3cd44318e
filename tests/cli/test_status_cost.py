"""/status shows a thread's cost, and "unknown" (not $0.0000) when a model it used has no price."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from rich.console import Console

from cli.commands import run_command
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

PRICE = {"input_per_mtok": 0.5, "output_per_mtok": 1.5}
USAGE = {"prompt_tokens": 20_000, "completion_tokens": 1_000, "total_tokens": 21_000}


class Repl:
    """The parts of the REPL /status uses, around a real session."""

    def __init__(self, session: Any, settings: Any, home: Path) -> None:
        self.session, self.settings, self.home = session, settings, home
        self.out = io.StringIO()
        self.console = Console(file=self.out, width=400, color_system=None)

    async def ensure_session(self) -> Any:
        return self.session


def cost_row(repl: Repl) -> str:
    lines = repl.out.getvalue().splitlines()
    return next(line.strip() for line in lines if line.strip().startswith("Cost"))


async def test_cost_of_an_unpriced_model_is_unknown(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    llm.add(Turn(content="hi", usage=USAGE))
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, home=tmp_path) as session:
        await collect(session.send("hello"))
        repl = Repl(session, settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
        row = cost_row(repl)
        assert "unknown (openai/scripted-model has no price" in row and "$0.0000" not in row


async def test_priced_model_shows_dollars_and_a_later_unpriced_one_makes_it_unknown(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    llm.add(Turn(content="hi", usage=USAGE))
    # Its own id: prices registered with litellm stay for the process (xdist worker), and the
    # first test needs the scripted model unpriced.
    settings = fast_settings(
        llm.url, model_name="openai/priced-model", model_prices={"openai/priced-model": PRICE}
    )
    async with open_session(settings, workspace, home=tmp_path) as session:
        await collect(session.send("hello"))
        repl = Repl(session, settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
        assert cost_row(repl).split() == ["Cost", "$0.0115"]  # 20k in at 0.5, 1k out at 1.5

        await session.set_model("openai/house-model")
        llm.add(Turn(content="hi again", usage=USAGE))
        await collect(session.send("again"))
        repl = Repl(session, settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
        row = cost_row(repl)
        assert "unknown (openai/house-model has no price; $0.0115 on priced models" in row


async def test_a_price_in_one_sessions_config_does_not_price_the_model_for_another(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    priced = fast_settings(llm.url, model_prices={"openai/scripted-model": PRICE})
    plain = fast_settings(llm.url)
    for settings, expected in ((priced, "$0.0115"), (plain, "unknown (openai/scripted-model")):
        llm.add(Turn(content="hi", usage=USAGE))
        home = tmp_path / str(len(llm.requests))
        async with open_session(settings, workspace, home=home) as session:
            await collect(session.send("hello"))
            repl = Repl(session, settings, home)
            await run_command(repl, "/status")  # type: ignore[arg-type]
            assert expected in cost_row(repl)


async def test_status_names_the_thread_database_without_its_password(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
    llm.add(Turn(content="hi", usage=USAGE))
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, home=tmp_path) as session:
        await collect(session.send("hello"))
        repl = Repl(session, settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
    shown = repl.out.getvalue()
    password = pg_url.split(":")[2].split("@")[0]
    assert pg_url.replace(password, "***") in shown and password not in shown


async def test_status_shows_the_python_kernel_and_its_memory(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    llm.add(
        Turn(tool_calls=[{"name": "python", "id": "p1", "arguments": {"code": "1"}}]),
        Turn(content="done"),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, home=tmp_path, mode="headless") as session:
        repl = Repl(session, settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
        assert re.search(r"Python kernel +not running", repl.out.getvalue())
        await collect(session.send("run it"))
        repl = Repl(session, settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
        row = next(line for line in repl.out.getvalue().splitlines() if "Python kernel" in line)
        assert "running (" in row and " MiB, Python 3." in row
