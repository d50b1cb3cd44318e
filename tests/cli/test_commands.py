"""Slash commands that need no thread: help, unknown-command hints, quitting."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from rich.console import Console

from cli.commands import COMMANDS, run_command


@dataclass
class StubRepl:
    out: io.StringIO = field(default_factory=io.StringIO)
    session: None = None
    thread_id: None = None
    quitting: bool = False

    def __post_init__(self) -> None:
        self.console = Console(file=self.out, width=100, color_system=None)


async def test_unknown_command_gets_a_hint() -> None:
    repl = StubRepl()
    await run_command(repl, "/undoo")  # type: ignore[arg-type]
    assert "Unknown command /undoo. Did you mean /undo?" in repl.out.getvalue()
    await run_command(repl, "/zzzzzz")  # type: ignore[arg-type]
    assert "Type /help for the list." in repl.out.getvalue()


@pytest.mark.parametrize("command", ["/quit", "/exit", "/QUIT"])
async def test_quit(command: str) -> None:
    repl = StubRepl()
    await run_command(repl, command)  # type: ignore[arg-type]
    assert repl.quitting


async def test_help_lists_every_command() -> None:
    repl = StubRepl()
    await run_command(repl, "/help")  # type: ignore[arg-type]
    for command in COMMANDS:
        assert command in repl.out.getvalue()


async def test_undo_and_compact_before_any_message() -> None:
    repl = StubRepl()
    await run_command(repl, "/undo")  # type: ignore[arg-type]
    await run_command(repl, "/compact")  # type: ignore[arg-type]
    await run_command(repl, "/experiments")  # type: ignore[arg-type]
    assert "No experiments yet" in repl.out.getvalue()
    assert "Nothing to undo yet." in repl.out.getvalue()
    assert "Nothing to compact yet." in repl.out.getvalue()


async def test_skills_and_memory_show_what_the_agent_gets(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "AGENTS.md").write_text("Use uv.\n")
    own = tmp_path / ".ml-intern" / "skills" / "lab"
    own.mkdir(parents=True)
    (own / "SKILL.md").write_text("---\nname: lab\ndescription: Lab conventions.\n---\nx\n")
    (tmp_path / ".ml-intern" / "skills" / "broken").mkdir()
    (tmp_path / ".ml-intern" / "skills" / "broken" / "SKILL.md").write_text("no front matter")
    repl = StubRepl()
    await run_command(repl, "/skills")  # type: ignore[arg-type]
    await run_command(repl, "/memory")  # type: ignore[arg-type]
    out = repl.out.getvalue()
    assert "lab" in out and "project" in out and "Lab conventions." in out
    assert "sft-trl" in out and "bundled" in out
    assert "broken" in out and "skipped" in out
    assert str(tmp_path / "AGENTS.md") in out and "Use uv." in out
