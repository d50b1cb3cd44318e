"""`langgraph dev` serves the same graph on the same SQLite threads as the CLI.

Starts the real server on a free port, drives it with langgraph-sdk against the
scripted LLM: create a thread, run to an approval interrupt, resume, then continue
the thread through a CLI Session; and the other way round.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.server_address import free_port
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import module_env

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Studio:
    url: str
    llm: ScriptedLLMServer
    home: Path


@pytest.fixture(scope="module")
def module_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """One `langgraph dev` (and scripted model) for the module's tests: each works in a
    thread of its own."""
    root = tmp_path_factory.mktemp("studio")
    with module_env(root) as home, ScriptedLLMServer() as llm:
        for url in serve_studio(llm, home, root):
            yield Studio(url, llm, home)


@pytest.fixture
def studio(module_studio: Studio, monkeypatch: pytest.MonkeyPatch) -> str:
    """The module's server; this test's CLI sessions open its home's threads."""
    monkeypatch.setenv("ML_INTERN_HOME", str(module_studio.home))
    return module_studio.url


@pytest.fixture
def llm(module_studio: Studio) -> ScriptedLLMServer:
    """The module's scripted model, its script and requests emptied for this test."""
    module_studio.llm.reset()
    return module_studio.llm


def serve_studio(llm: ScriptedLLMServer, home: Path, tmp_path: Path) -> Iterator[str]:
    """`langgraph dev` on a free port, on `home`'s threads and the scripted model, while the
    generator is suspended; its URL."""
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"model_name": "openai/scripted-model", "api_base": llm.url, "stream": False})
    )
    port = free_port()
    env = {
        **os.environ,
        "ML_INTERN_HOME": str(home),
        "ML_INTERN_CLI_CONFIG": str(config),
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "LANGSMITH_TRACING": "false",
    }
    log = (tmp_path / "langgraph-dev.log").open("w")
    server = ZygotePopen(  # `langgraph dev`, forked from the warm zygote
        [sys.executable, "-m", "langgraph_cli", "dev", "--no-browser", "--no-reload",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "langgraph-dev.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/ok", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("langgraph dev did not start within 90 s")
        yield url
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait(timeout=5)
        log.close()
        # Shown by pytest only when the test fails: the server's side of the story.
        print((tmp_path / "langgraph-dev.log").read_text()[-6000:])


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


async def test_studio_approval_round_trip_then_the_cli_continues_the_thread(
    studio: str, llm: ScriptedLLMServer, workspace: Path
) -> None:
    from langgraph_sdk import get_client

    llm.add(
        # A glob: the approval policy expands it, off the server's event loop.
        Turn(tool_calls=[call("bash", "b1", command="touch from-studio && ls from-*")]),
        Turn(content="made it in studio"),
        Turn(content="continued in the CLI"),
    )
    client = get_client(url=studio)
    thread = await client.threads.create()
    # The run context names the workspace (README: Studio and the SDK); older clients put the
    # same keys in config["configurable"], which the server copies into the context.
    context = {"workspace": str(workspace), "mode": "interactive"}
    config = {"configurable": {"workspace": str(workspace)}}
    user = {"messages": [{"role": "user", "content": "make a file", "type": "human"}]}
    await client.runs.wait(thread["thread_id"], "ml_intern", input=user, context=context)
    state = await client.threads.get_state(thread["thread_id"])
    interrupts = state["interrupts"] or [i for t in state["tasks"] for i in t.get("interrupts", [])]
    request = interrupts[0]["value"]["action_requests"][0]
    assert request["name"] == "bash" and request["args"] == {
        "command": "touch from-studio && ls from-*"
    }
    assert not (workspace / "from-studio").exists()

    await client.runs.wait(
        thread["thread_id"],
        "ml_intern",
        command={"resume": {"decisions": [{"type": "approve"}]}},
        config=config,
    )
    state = await client.threads.get_state(thread["thread_id"])
    assert (workspace / "from-studio").exists()
    assert state["values"]["messages"][-1]["content"] == "made it in studio"

    async with open_session(
        fast_settings(llm.url), workspace, thread_id=thread["thread_id"]
    ) as session:
        events = await collect(session.send("and now?"))
        messages = await session.messages()
    assert events[-1].data["final_text"] == "continued in the CLI"
    assert [m.content for m in messages if m.type == "human"] == ["make a file", "and now?"]


async def test_a_cli_thread_continues_through_the_server(
    studio: str, llm: ScriptedLLMServer, workspace: Path
) -> None:
    from langgraph_sdk import get_client

    llm.add(Turn(content="hello from the CLI"), Turn(content="hello from the server"))
    async with open_session(fast_settings(llm.url), workspace) as session:
        await collect(session.send("hi"))
        thread_id = session.thread_id
    client = get_client(url=studio)
    user = {"messages": [{"role": "user", "content": "still there?", "type": "human"}]}
    await client.runs.wait(thread_id, "ml_intern", input=user, if_not_exists="create")
    state = await client.threads.get_state(thread_id)
    contents = [m["content"] for m in state["values"]["messages"]]
    assert contents == ["hi", "hello from the CLI", "still there?", "hello from the server"]
