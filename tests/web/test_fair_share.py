"""Where people sign in, one person's runs cannot keep another's waiting (serve/run_admission.py).

Alice starts five runs at once on a Space whose model holds her requests; four go (the
per-person default), the fifth waits and the server says why. Bob's run meanwhile goes at
once and finishes. When Alice's model answers, all five of hers finish, the fifth last.
In flight is counted by the model server itself.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import Turn
from tests.fakes.transcript_checks import user_texts
from tests.web.test_web_oauth import (
    ALICE,
    BOB,
    Space,
    signed_in,
    space,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.timeout(300)
PER_PERSON = 4  # configs/cli_agent_config.json: server.runs_per_person


def body(client: httpx.Client, text: str) -> dict[str, Any]:
    workspace = client.get("/web/info").json()["workspace"]
    human = {"messages": [{"type": "human", "content": text}]}
    return {"assistant_id": "ml_intern", "input": human, "context": {"workspace": workspace}}


def wait_until(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_one_person_cannot_starve_another(space: Space) -> None:  # noqa: F811
    release = threading.Event()

    def answer(request: dict[str, Any]) -> Turn:
        text = user_texts(request)[-1]
        if text.startswith("alice"):
            release.wait(120)  # Alice's model is slow until the test lets it answer
        return Turn(content=f"answered {text}")

    space.llm.responder = answer
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    threads = [alice.post("/threads", json={}).json()["thread_id"] for _ in range(PER_PERSON + 1)]
    asks = [(thread, body(alice, f"alice {n}")) for n, thread in enumerate(threads)]
    pool = ThreadPoolExecutor(len(asks))  # the page's streams, as plain requests
    runs = [
        pool.submit(alice.post, f"/threads/{t}/runs/wait", json=b, timeout=200) for t, b in asks
    ]
    try:
        wait_until(lambda: space.llm.in_flight >= PER_PERSON, "Alice's runs never went")
        waiting = {}

        def reasons() -> bool:
            for thread in threads:
                waiting[thread] = alice.get(f"/web/threads/{thread}/waiting").json()["waiting"]
            return any(waiting.values())

        wait_until(reasons, "no run of Alice's says it waits")
        (late,) = [thread for thread, reason in waiting.items() if reason]
        assert f"you have {PER_PERSON} runs going" in waiting[late], waiting[late]
        # Another person asking about that thread learns nothing (it is not theirs).
        assert bob.get(f"/web/threads/{late}/waiting").status_code == 404

        # Bob's run goes at once, beside Alice's four, and finishes while hers are held.
        thread = bob.post("/threads", json={}).json()["thread_id"]
        done = bob.post(f"/threads/{thread}/runs/wait", json=body(bob, "bob asks"))
        assert done.status_code == 200, done.text
        assert done.json()["messages"][-1]["content"] == "answered bob asks"
        assert space.llm.peak_in_flight == PER_PERSON + 1  # Alice's fifth never reached it
        assert alice.get(f"/web/threads/{late}/waiting").json()["waiting"]
    finally:
        release.set()
        pool.shutdown()
    for (_, asked), run in zip(asks, runs, strict=True):
        answer = run.result()
        assert answer.status_code == 200, answer.text
        text = asked["input"]["messages"][0]["content"]
        assert answer.json()["messages"][-1]["content"] == f"answered {text}"
    assert alice.get(f"/web/threads/{late}/waiting").json() == {"waiting": None}
