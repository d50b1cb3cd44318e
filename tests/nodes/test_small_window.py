"""Small local models: a lean first request, the question last, the window asked of the server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.agent import collect, fast_settings
from tests.fakes.llm_server import ScriptedLLMServer, Turn

CORE = {"bash", "read", "write", "edit", "grep", "glob", "plan", "skill", "hf_jobs", "research"}
QUESTION = "What does main.py print?"


@asynccontextmanager
async def session_for(
    model: str, workspace: Path, home: Path, **switched: bool
) -> AsyncIterator[Any]:
    """A headless session built the way the CLI builds it (research and more_tools included),
    the rules in `switched` (by name, `-` for `_`) on or off for `model`."""
    from graph.session import Session

    rules = {name.replace("_", "-"): on for name, on in switched.items()}
    settings = fast_settings(None, model_name=model, adaptations={model: rules})
    async with Session.open(settings, workspace=workspace, home=home, mode="headless") as session:
        yield session


def tool_names(request: dict[str, Any]) -> set[str]:
    return {tool["function"]["name"] for tool in request.get("tools") or []}


def upper_bound_tokens(request: dict[str, Any]) -> int:
    """Messages and tools as JSON text, counted with tiktoken's GPT-4o encoding: the JSON
    punctuation makes this more than any chat template's count of the same request."""
    import litellm

    text = json.dumps(request["messages"]) + json.dumps(request.get("tools") or [])
    return int(litellm.token_counter(model="gpt-4o", text=text))


async def test_a_small_local_model_gets_a_lean_first_request_with_the_question_last(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.stated["props"] = {"default_generation_settings": {"n_ctx": 8192}}
    llm.add(Turn(content="It prints 5."))
    async with session_for("llamacpp/local", workspace, isolated_home) as session:
        events = await collect(session.send(QUESTION))
        assert (await session.values())["context_window"] == {"llamacpp/local": 8192}
    assert events[-1].data["final_text"] == "It prints 5."
    [request] = llm.requests
    assert tool_names(request) == CORE - {"plan", "research"} | {"more_tools"}  # lean-request
    assert upper_bound_tokens(request) <= 8192 // 2
    system, *_, note, question = request["messages"]
    assert question == {"role": "user", "content": QUESTION}  # the last thing it reads
    assert note["content"].startswith("[runtime] Today is")
    assert str(workspace) in note["content"] and str(workspace) not in system["content"]
    assert "look before you answer." in note["content"]  # it guessed files otherwise
    assert note["content"].endswith("never from your head.")  # it counted by eye otherwise
    assert request["temperature"] == 0  # greedy: the same request, the same reply


async def test_a_lean_request_offers_the_chores_tools_and_turns_on_the_rest(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On by default for a small window, `lean-request` sends the files, the shell, the skills
    and Jobs in lean schemas, a third smaller than the core toolset's request it takes the place
    of (switched off); `plan` is one `more_tools` call away, and an argument the lean schema
    leaves out is still taken."""
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.stated["props"] = {"default_generation_settings": {"n_ctx": 9216}}
    todo = [{"id": "1", "content": "count", "status": "completed"}]
    bash = {"command": "echo 3", "description": "print three", "timeout": 5}
    llm.add(
        Turn(content="It prints 5."),
        Turn(tool_calls=[{"name": "more_tools", "arguments": {"names": ["plan"]}}]),
        Turn(tool_calls=[{"name": "plan", "arguments": {"todos": todo}}]),
        Turn(tool_calls=[{"name": "bash", "arguments": bash}]),
        Turn(content="3"),
    )
    async with session_for("llamacpp/local", workspace, isolated_home, lean_request=False) as s:
        await collect(s.send(QUESTION))
    async with session_for("llamacpp/local", workspace, isolated_home) as session:
        events = await collect(session.send(QUESTION))
    core, lean, *later = llm.requests
    assert tool_names(core) == CORE | {"more_tools"}
    assert tool_names(lean) == CORE - {"plan", "research"} | {"more_tools"}
    assert upper_bound_tokens(lean) < upper_bound_tokens(core) * 2 / 3
    system = [len(request["messages"][0]["content"]) for request in (core, lean)]
    assert system[1] < system[0] / 2  # the skills by name only
    assert "plan" in tool_names(later[0]) and "plan" not in tool_names(lean)
    assert "Turned on" in later[0]["messages"][-1]["content"]
    assert later[-1]["messages"][-1]["content"].startswith("3")  # bash ran, `description` and all
    assert events[-1].data["final_text"] == "3"


async def test_a_configured_temperature_replaces_the_local_default(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.session import Session

    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content="hi"))
    settings = fast_settings(None, model_name="llamacpp/local", temperature={"llamacpp/local": 0.7})
    async with Session.open(
        settings, workspace=workspace, home=isolated_home, mode="headless"
    ) as s:
        await collect(s.send("hi"))
    assert llm.requests[0]["temperature"] == 0.7


async def test_more_tools_turns_on_a_tool_for_the_next_call(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(
        Turn(tool_calls=[{"name": "more_tools", "arguments": {"names": ["hf_search", "nope"]}}]),
        Turn(content="ok"),
    )
    async with session_for("llamacpp/local", workspace, isolated_home) as session:
        await collect(session.send("find a model"))
    first, second = llm.requests
    assert "hf_search" not in tool_names(first) and "hf_search" in tool_names(second)
    result = second["messages"][-1]["content"]
    assert "hf_search:" in result and "Not available: nope" in result


async def test_a_large_window_stated_by_vllm_keeps_the_full_profile(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", llm.url)
    llm.stated["models_entry"] = {"max_model_len": 131_072}
    llm.add(Turn(content="hello"))
    async with session_for("vllm/scripted-model", workspace, isolated_home) as session:
        await collect(session.send(QUESTION))
        assert (await session.values())["context_window"] == {"vllm/scripted-model": 131_072}
    [request] = llm.requests
    assert len(tool_names(request)) > 20 and "more_tools" not in tool_names(request)
    assert request["messages"][-1]["content"].startswith("[runtime]")  # large: note last
    assert "look before you answer" not in request["messages"][-1]["content"]


async def test_ollama_states_its_window_through_api_show(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_BASE_URL", llm.url)
    llm.stated["show"] = {
        "parameters": "temperature 0.7\nnum_ctx 4096",
        "model_info": {"qwen2.context_length": 32_768},
    }
    llm.add(Turn(content="hi"))
    async with session_for("ollama/qwen2.5-coder", workspace, isolated_home) as session:
        await collect(session.send("hi"))
        assert (await session.values())["context_window"] == {"ollama/qwen2.5-coder": 4096}


@pytest.mark.parametrize(
    ("mode", "advice", "never"),
    [("headless", "llama-server -c", "/new"), ("interactive", "/new", "llama-server")],
)
async def test_a_prompt_that_cannot_fit_says_what_to_change_in_words_for_the_mode(
    mode: str,
    advice: str,
    never: str,
    llm: ScriptedLLMServer,
    workspace: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from graph.session import Session

    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    overflow = Turn(status=400, error_code="context_length_exceeded")
    llm.add(*[overflow] * 6)
    settings = fast_settings(None, model_name="llamacpp/local")
    async with Session.open(settings, workspace=workspace, home=isolated_home, mode=mode) as s:
        events = await collect(s.send("hi"))
    errors = " ".join(e.data.get("message", "") for e in events if e.type == "error")
    assert advice in errors and never not in errors
    assert events[-1].data["stop_reason"] == "compact_failed"


async def test_a_small_model_sees_the_workspace_files_as_the_turn_began(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It read four real files and then a fifth it made up; shown the files, it has no name to
    invent. The list is taken once a turn, so the note before the question stays the same
    (a local server keeps the history after it cached)."""
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    (workspace / "apples.txt").write_text("Apples are red.\n")
    (workspace / "data").mkdir()
    (workspace / "data" / "train.jsonl").write_text("x" * 46_690)
    (workspace / ".env").write_text("HF_TOKEN=hf_secret\n")
    write = {"name": "write", "arguments": {"path": "new.txt", "content": "hi"}}
    llm.add(Turn(tool_calls=[write]), Turn(content="done"), Turn(content="again"))
    async with session_for("llamacpp/local", workspace, isolated_home) as session:
        await collect(session.send("Write new.txt"))
        await collect(session.send("What is here?"))
    first, second, third = (r["messages"] for r in llm.requests)
    note = next(m["content"] for m in first if m["content"].startswith("[runtime]"))
    assert "data/train.jsonl 46.7 kB\napples.txt 16 B" in note and ".env" not in note
    assert note in [m["content"] for m in second]  # unchanged within the turn
    assert "new.txt 2 B" not in note and "new.txt 2 B" in third[-2]["content"]  # next turn


async def test_a_slow_local_server_is_waited_for_not_asked_twice(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold prompt on a loaded CPU took 606 s against a 600 s timeout: the request was sent
    again while llama.cpp was still working on the first. A local server has its own limit."""
    from graph.session import Session

    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content="slow but sure", delay=1.0))
    settings = fast_settings(None, model_name="llamacpp/local", request_timeout_s=0.2)
    async with Session.open(
        settings, workspace=workspace, home=isolated_home, mode="headless"
    ) as s:
        events = await collect(s.send("hi"))
    assert events[-1].data["final_text"] == "slow but sure"
    assert len(llm.requests) == 1
