"""Rendering helpers: streamed markdown split points, one-line calls, collapsed output."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from cli.render import Renderer, collapse, split_markdown, stop_message
from configs.settings import Settings
from graph.events import Event
from tools.families import build_catalog


@pytest.mark.parametrize(
    ("buffer", "ready"),
    [
        ("", ""),
        ("Hello", ""),
        ("Hello\n", ""),
        ("One.\n\nTwo", "One.\n\n"),
        ("One.\n\nTwo.\n\nThr", "One.\n\nTwo.\n\n"),
        ("```py\nx = 1\n\ny = 2\n", ""),  # never inside an open fence
        ("```py\nx = 1\n\ny = 2\n```\n\nAfter", "```py\nx = 1\n\ny = 2\n```\n\n"),
        ("~~~\na\n\n```\nb\n~~~\n\nc", "~~~\na\n\n```\nb\n~~~\n\n"),  # other fence char
        ("````\n```\n\n````\n\nx", "````\n```\n\n````\n\n"),  # shorter fence does not close
        ("Intro\n\n```py\ncode\n\nmore", "Intro\n\n"),
    ],
)
def test_split_markdown(buffer: str, ready: str) -> None:
    got_ready, rest = split_markdown(buffer)
    assert got_ready == ready
    assert got_ready + rest == buffer


CATALOG = build_catalog(Settings())


@pytest.mark.parametrize(
    ("name", "args", "shown"),
    [
        ("bash", {"command": "ls   -la\n/tmp"}, "ls -la /tmp"),
        ("read", {"path": "a.py", "offset": 3}, "a.py"),
        ("grep", {"pattern": "def main"}, "def main"),
        ("plan", {"todos": [{}, {}]}, "2 items"),
        ("hf_search", {"query": "bert"}, "bert"),
        ("hf_jobs", {"operation": "run", "flavor": "a10g-small"}, "run a10g-small"),
        ("some_mcp__tool", {"x": 1}, '{"x": 1}'),
        ("bash", {"command": "x" * 200}, "x" * 89 + "…"),
    ],
)
def test_each_tool_says_how_its_call_reads_in_one_line(name: str, args: dict, shown: str) -> None:
    assert CATALOG.summarize(name, args) == shown


def test_collapse() -> None:
    assert collapse("a\nb\n") == (["a", "b"], 0)
    assert collapse("\n".join(map(str, range(10)))) == (["0", "1", "2", "3"], 6)
    assert collapse("") == ([""], 0)


def test_stop_message() -> None:
    assert stop_message("done") is None
    assert "iteration cap (7)" in str(stop_message("max_iterations", {"max_iterations": 7}))


def render(events: list[Event], **kwargs: object) -> str:
    out = io.StringIO()
    renderer = Renderer(Console(file=out, width=80, color_system=None), **kwargs)  # type: ignore[arg-type]
    for event in events:
        renderer.event(event)
    renderer.close()
    return out.getvalue()


def ev(type_: str, **data: object) -> Event:
    return Event(type=type_, thread_id="t", data=data)  # type: ignore[arg-type]


def test_streamed_text_is_shown_once_and_code_blocks_whole() -> None:
    chunks = ["Intro para", "graph.\n\n```py\nx = 1\n", "\ny = 2\n```\n\nEnd."]
    events = [ev("assistant_chunk", text=c) for c in chunks]
    events += [ev("assistant_stream_end"), ev("assistant_message", text="".join(chunks))]
    text = render(events)
    assert text.count("Intro paragraph.") == 1 and text.count("End.") == 1
    assert "x = 1" in text and "y = 2" in text


def test_tools_plan_and_stops() -> None:
    text = render(
        [
            ev("assistant_message", text="Not streamed."),
            ev(
                "tool_call", id="1", name="bash", args={"command": "pytest -q"}, summary="pytest -q"
            ),
            ev("tool_output", tool_call_id="1", name="bash", output="\n".join("abcdefg")),
            ev("plan_update", plan=[{"content": "train", "status": "completed"}]),
            ev("error", message="Rate limited. Retrying in 1.0s", retrying=True),
            ev("turn_complete", stop_reason="max_cost", final_text="", iterations=1, usage={}),
        ],
        limits={"max_cost": 2.5},
    )
    assert "Not streamed." in text
    assert "● bash  pytest -q" in text
    assert "⎿ a" in text and "… +3 lines" in text and "    e" not in text
    assert "☑ train" in text
    assert "Retrying" in text
    assert "$2.5" in text


def test_brief_mode_shows_calls_and_errors_only() -> None:
    text = render(
        [
            ev("assistant_chunk", text="Thinking out loud.\n\n"),
            ev("tool_call", id="1", name="read", args={"path": "x.py"}, summary="x.py"),
            ev("tool_output", tool_call_id="1", name="read", output="secret contents"),
            ev("tool_output", tool_call_id="2", name="bash", output="boom", is_error=True),
        ],
        brief=True,
    )
    assert "Thinking out loud" not in text and "secret contents" not in text
    assert "● read  x.py" in text and "boom" in text
