"""The run-request attacks where people sign in (the Space's embedded server, the fake Hugging
Face sign-in; one Space for the module): Bob, signed in, jumps past approval on his own
thread, or names Alice's thread or identity in a top-level config, or lifts the caps. Each is
refused by name, and Alice's thread and his own are as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import Turn
from tests.web.test_web_oauth import ALICE, BOB, Space, module_space, run_turn, signed_in

pytestmark = pytest.mark.timeout(300)
SECRET = "alice-secret-5c1e"


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    yield from module_space(tmp_path_factory)


@pytest.fixture(autouse=True)
def fresh_model(space: Space) -> None:
    space.llm.reset()


def state_of(client: httpx.Client, thread: str) -> dict[str, Any]:
    state = client.get(f"/threads/{thread}/state").json()
    return {"values": state["values"], "next": state["next"], "checkpoint": state["checkpoint"]}


def detail_of(answer: httpx.Response) -> str:
    assert answer.status_code == 422, answer.text
    return str(answer.json()["detail"])


def test_a_signed_in_person_cannot_run_past_the_server(space: Space) -> None:
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    hers = alice.post("/threads", json={"metadata": {"title": SECRET}}).json()["thread_id"]
    space.llm.add(Turn(content=f"kept {SECRET}"), Turn(content="hello bob"))
    assert run_turn(alice, hers, f"keep {SECRET}", mode="headless").status_code == 200
    his = bob.post("/threads", json={}).json()["thread_id"]
    assert run_turn(bob, his, "hi", mode="headless").status_code == 200
    before = (state_of(alice, hers), state_of(bob, his))
    planted = space.workspace / "pwned"
    call = {"name": "bash", "args": {"command": f"echo pwned > {planted}"}, "id": "x"}
    goto = {"node": "execute_tools", "input": {"call": {**call, "type": "tool_call"}}}
    human = {"messages": [{"type": "human", "content": "what did alice say?"}]}
    attacks = {
        '"command.goto"': {"command": {"goto": goto}},
        '"config"': {"input": human, "config": {"thread_id": hers}},
        '"config" ': {"input": human, "config": {"langgraph_auth_user": {"identity": ALICE.sub}}},
        '"context.max_iterations"': {"input": human, "context": {"max_iterations": 10**6}},
        '"if_not_exists"': {"input": human, "if_not_exists": "create"},
    }
    for named, attack in attacks.items():
        answer = bob.post(
            f"/threads/{his}/runs/stream", json={"assistant_id": "ml_intern", **attack}
        )
        said = detail_of(answer)
        assert named.strip() in said, said
        assert SECRET not in said and hers not in said and ALICE.sub not in said, said
    assert not planted.exists()
    assert (state_of(alice, hers), state_of(bob, his)) == before
