"""What each client of the team server gets of a run (Aegra on real PostgreSQL and
redis-server, replica A of the shared team): a `/runs/wait` its answer, the whole final
state, and a late joiner of that run its end; a stream of `values` the whole state after
every step; a stream as the page asks for it (`messages-tuple`, `updates`, `custom`) its
updates and messages, and no whole states. A `/runs/wait` that names no mode streams to no
one, so the server publishes only the run's last state (compat/aegra.py, `NOT_STREAMED`).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import Turn
from tests.serve.aegra.conftest import Team
from tests.serve.aegra.test_team_server import messages
from tests.web.web_harness import bash

pytestmark = pytest.mark.timeout(300)
ANSWER = "Listed the workspace."


def body(text: str, **following: Any) -> dict[str, Any]:
    """A headless run of `text` (its tool calls run unasked), followed as `following` says."""
    human = {"messages": [{"type": "human", "content": text}]}
    return {"assistant_id": "ml_intern", "input": human, "context": {"mode": "headless"},
            **following}  # fmt: skip


def scripted(team: Team) -> None:
    """The model's next run: a `bash` call (a step of its own), then the answer."""
    team.llm.add(Turn(tool_calls=[bash("c1", "echo listed")]), Turn(content=ANSWER))


def streamed(client: httpx.Client, path: str, method: str = "POST", **kwargs: Any) -> list:
    """The (event, data) pairs of the SSE stream at `path`, read to its end."""
    events: list[tuple[str, Any]] = []
    event = ""
    with client.stream(method, path, **kwargs) as answer:
        assert answer.status_code == 200, answer.read()
        for line in answer.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line.removeprefix("data:"))))
    return events


def last_content(values: dict[str, Any]) -> object:
    return values["messages"][-1]["content"]


def test_a_run_waited_for_answers_its_final_state_and_a_late_joiner_sees_it_end(
    team: Team,
) -> None:
    api = team.replicas[0]
    thread = api.post("/threads", json={}).json()["thread_id"]
    scripted(team)
    answer = api.post(f"/threads/{thread}/runs/wait", json=body("list the workspace"))
    assert answer.status_code == 200, answer.text
    final = answer.json()
    assert last_content(final) == ANSWER
    assert [m["type"] for m in final["messages"]] == ["human", "ai", "tool", "ai"]
    assert final["messages"] == messages(api, thread)  # the thread's state, whole
    run = api.get(f"/threads/{thread}/runs").json()[0]
    assert run["status"] == "success"
    joined = streamed(api, f"/threads/{thread}/runs/{run['run_id']}/stream", "GET")
    assert joined and joined[-1][0] == "end", joined

    # A run waited for that names `values` is followed as it asks, its answer the same.
    scripted(team)
    again = body("list it again", stream_mode=["values"])
    answer = api.post(f"/threads/{thread}/runs/wait", json=again)
    assert answer.status_code == 200 and last_content(answer.json()) == ANSWER, answer.text


def test_a_stream_of_values_gets_the_whole_state_after_every_step(team: Team) -> None:
    api = team.replicas[0]
    thread = api.post("/threads", json={}).json()["thread_id"]
    scripted(team)
    path = f"/threads/{thread}/runs/stream"
    events = streamed(api, path, json=body("list the workspace", stream_mode=["values"]))
    values = [data for event, data in events if event == "values"]
    # Its input, each model call, the tool's result, each with the messages so far.
    counts = [len(state["messages"]) for state in values]
    assert counts[0] == 1 and counts[-1] == 4 and counts == sorted(counts), counts
    assert {2, 3} <= set(counts), counts
    assert last_content(values[-1]) == ANSWER
    assert values[-1]["messages"] == messages(api, thread)


def test_a_stream_as_the_page_asks_gets_its_updates_and_messages_and_no_whole_state(
    team: Team,
) -> None:
    api = team.replicas[0]
    thread = api.post("/threads", json={}).json()["thread_id"]
    scripted(team)
    page = {"stream_mode": ["messages-tuple", "updates", "custom"]}
    events = streamed(api, f"/threads/{thread}/runs/stream", json=body("list it", **page))
    kinds = {event for event, _ in events}
    assert "values" not in kinds and {"metadata", "updates", "messages"} <= kinds, kinds
    updated = [data for event, data in events if event == "updates"]
    said = [m["content"] for u in updated for m in u.get("call_model", {}).get("messages", [])]
    assert said[-1] == ANSWER, updated
    assert any(u.get("execute_tools") for u in updated), updated
    assert last_content({"messages": messages(api, thread)}) == ANSWER


def test_only_a_run_waited_for_that_names_no_mode_is_streamed_to_no_one() -> None:
    from compat.aegra import NOT_STREAMED
    from serve.aegra.run_metadata import streamed_as_asked

    wait, asked = "/threads/t1/runs/wait", {"stream_mode": ["values"]}
    assert streamed_as_asked({"input": {}}, wait) == {"input": {}, "stream_mode": NOT_STREAMED}
    assert streamed_as_asked({"stream_mode": None}, wait)["stream_mode"] == NOT_STREAMED
    assert streamed_as_asked(asked, wait) == asked
    for path in ("/threads/t1/runs/stream", "/threads/t1/runs"):
        assert streamed_as_asked({}, path) == {}  # a stream's default stays `values`
