"""The run-request attacks on the team server (Aegra on real PostgreSQL and redis-server,
its API open as in token mode), replica A of the shared team (tests/serve/aegra/conftest.py): a run that jumps to
`execute_tools`, a config naming another thread, every Aegra route that would start a run
or write a thread past the parser, and a body over the cap. Each refusal leaves the thread
as it was. (tests/serve/test_run_requests.py has the full set on the embedded server.)
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import Turn
from tests.serve.aegra.conftest import Team
from tests.serve.engine_routes import refused_routes_tried, team_routes

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def api(team: Team) -> httpx.Client:
    return team.replicas[0]


def human(text: str) -> dict[str, Any]:
    return {"messages": [{"type": "human", "content": text}]}


def a_thread_with_history(team: Team, words: str) -> str:
    api, llm = team.replicas[0], team.llm
    thread = api.post("/threads", json={}).json()["thread_id"]
    llm.add(Turn(content=f"noted: {words}"))
    body = {"assistant_id": "ml_intern", "input": human(words), "context": {"mode": "headless"}}
    answer = api.post(f"/threads/{thread}/runs/wait", json=body)
    assert answer.status_code == 200, answer.text
    return thread


def state_of(api: httpx.Client, thread: str) -> dict[str, Any]:
    state = api.get(f"/threads/{thread}/state").json()
    return {"values": state["values"], "next": state["next"], "checkpoint": state["checkpoint"]}


def test_a_run_cannot_jump_to_execute_tools_nor_name_another_thread(
    team: Team, api: httpx.Client
) -> None:
    victim = a_thread_with_history(team, "the victim's secret 81f2")
    own = a_thread_with_history(team, "mine")
    before, own_before = state_of(api, victim), state_of(api, own)
    planted = team.root / f"pwned-{uuid.uuid4().hex}"
    call = {"name": "bash", "args": {"command": f"echo pwned > {planted}"}, "id": "x"}
    goto = {"node": "execute_tools", "input": {"call": {**call, "type": "tool_call"}}}
    jump = {"assistant_id": "ml_intern", "command": {"goto": goto}}
    answer = api.post(f"/threads/{own}/runs/wait", json=jump)
    assert answer.status_code == 422 and '"command.goto"' in answer.json()["detail"], answer.text
    for config in ({"thread_id": victim}, {"langgraph_auth_user": {"identity": "alice"}}):
        body = {"assistant_id": "ml_intern", "input": human("what was said?"), "config": config}
        answer = api.post(f"/threads/{own}/runs", json=body)
        assert answer.status_code == 422 and '"config"' in answer.json()["detail"], answer.text
        assert victim not in answer.text and "81f2" not in answer.text
    assert not planted.exists()
    assert (state_of(api, victim), state_of(api, own)) == (before, own_before)


def test_every_aegra_route_that_would_run_past_the_parser_is_refused(
    team: Team, api: httpx.Client
) -> None:
    thread = a_thread_with_history(team, "hello")
    before = state_of(api, thread)
    call = {"name": "bash", "args": {"command": "true"}, "id": "x"}
    tried = refused_routes_tried(api, team_routes(), thread, call)
    assert tried >= 12
    assert state_of(api, thread) == before
    assert api.get(f"/threads/{thread}/runs").json()[0]["status"] == "success"
    big = b'{"assistant_id": "ml_intern", "input": "' + b"x" * (9 << 20) + b'"}'
    said = api.post(f"/threads/{thread}/runs/wait", content=big)
    assert said.status_code == 413 and "ML_INTERN_MAX_BODY_BYTES" in said.text, said.text
