"""The `python-first` rule (adaptations/shaping.py `PythonFirst`): switched on for a small
model, the kernel's `python` tool is offered with the core tools and the note says to compute
with it, and a program holding its own quotes runs as written; off (the default), neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from configs.prompt import PYTHON_FIRST
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

SMALL = "llamacpp/local"
# A program `python3 -c '...'` would cut at its first inner quote in the shell.
PROGRAM = (
    "import csv\n"
    "rows = list(csv.DictReader(open('predictions.csv')))\n"
    "print(sum(r['label'] == '1' and r['prediction'] == '1' for r in rows))"
)


def offered(request: dict[str, Any]) -> set[str]:
    return {tool["function"]["name"] for tool in request.get("tools") or []}


def sent(request: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content") or "") for m in request["messages"])


@pytest.fixture
def small(llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.stated["props"] = {"default_generation_settings": {"n_ctx": 9216}}
    rows = ["id,label,prediction", "1,1,1", "2,1,0", "3,0,0", "4,1,1", "5,0,1"]
    (workspace / "predictions.csv").write_text("\n".join(rows) + "\n")
    return workspace


async def test_switched_on_the_kernel_runs_a_quoted_program_as_written(
    llm: ScriptedLLMServer, small: Path
) -> None:
    call = {"name": "python", "id": "p1", "arguments": {"code": PROGRAM}}
    llm.add(Turn(tool_calls=[call]), Turn(content="2 true positives."))
    settings = fast_settings(llm.url, model_name=SMALL, adaptations={SMALL: {"python-first": True}})
    async with open_session(settings, small, mode="headless") as session:
        events = await collect(session.send("How many true positives are in predictions.csv?"))
    first, second = llm.requests
    assert {"python", "bash", "read"} <= offered(first)
    schema = next(t for t in first["tools"] if t["function"]["name"] == "python")["function"]
    assert set(schema["parameters"]["properties"]) == {"code", "timeout", "restart"}
    assert PYTHON_FIRST in sent(first)
    result = next(m for m in second["messages"] if m["role"] == "tool")
    assert result["content"].splitlines()[-1] == "2", result["content"]
    assert events[-1].data["final_text"] == "2 true positives."


async def test_off_by_default_the_kernel_is_not_offered_nor_named_in_the_note(
    llm: ScriptedLLMServer, small: Path
) -> None:
    llm.add(Turn(content="I would count them with pandas."))
    async with open_session(fast_settings(llm.url, model_name=SMALL), small) as session:
        await collect(session.send("How many true positives are in predictions.csv?"))
    (request,) = llm.requests
    assert "python" not in offered(request) and "bash" in offered(request)
    assert PYTHON_FIRST not in sent(request)


@pytest.mark.parametrize("lean", [True, False])
def test_more_tools_no_longer_names_python_once_it_is_offered(lean: bool) -> None:
    from configs.settings import Settings
    from tools.families import build_catalog, offered_tools, with_more_tools

    catalog = with_more_tools(build_catalog(Settings()))
    for python in (False, True):
        tools = offered_tools(catalog, small=True, lean=lean, history=[], python=python)
        schemas = [t if isinstance(t, dict) else convert_to_openai_tool(t) for t in tools]
        names = [s["function"]["name"] for s in schemas]
        listing = next(s for s in schemas if s["function"]["name"] == "more_tools")
        available = listing["function"]["description"].split("Available: ")[1]
        assert names.count("python") == int(python)
        assert ("python," in available.split()) != python, available


async def test_python_tool_offers_the_kernel_and_says_nothing_of_it(
    llm: ScriptedLLMServer, small: Path
) -> None:
    """`python-tool` (off by default): the kernel's tool is offered beside `bash`, the note
    unchanged; the model picks either."""
    llm.add(Turn(content="Five rows."))
    settings = fast_settings(llm.url, model_name=SMALL, adaptations={SMALL: {"python-tool": True}})
    async with open_session(settings, small, mode="headless") as session:
        await collect(session.send("How many rows are in predictions.csv?"))
    (first,) = llm.requests
    assert {"python", "bash", "read"} <= offered(first)
    assert PYTHON_FIRST not in sent(first)
