"""Where people sign in, one person has at most `server.runs_per_person` runs waiting or running
on the embedded server, as on the team server (serve/person_run_cap.py): one more is refused.

Alice sends six runs at once on a Space whose model holds her requests: exactly four are made
(the per-person default), the other two are answered 429 with the sentence, at once. Bob's run
meanwhile goes and finishes. When Alice's model answers, her four finish, and her next run is
made again. In flight is counted by the model server itself.
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
SENT = PER_PERSON + 2


def body(client: httpx.Client, text: str) -> dict[str, Any]:
    workspace = client.get("/web/info").json()["workspace"]
    human = {"messages": [{"type": "human", "content": text}]}
    return {"assistant_id": "ml_intern", "input": human, "context": {"workspace": workspace}}


def wait_until(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_person_at_their_cap_is_refused_and_another_goes(space: Space) -> None:  # noqa: F811
    release = threading.Event()

    def answer(request: dict[str, Any]) -> Turn:
        text = user_texts(request)[-1]
        if text.startswith("alice"):
            release.wait(120)  # Alice's model is slow until the test lets it answer
        return Turn(content=f"answered {text}")

    space.llm.responder = answer
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    threads = [alice.post("/threads", json={}).json()["thread_id"] for _ in range(SENT)]
    asks = [(thread, body(alice, f"alice {n}")) for n, thread in enumerate(threads)]
    pool = ThreadPoolExecutor(len(asks))  # the page's streams, as plain requests, all at once
    runs = [
        pool.submit(alice.post, f"/threads/{t}/runs/wait", json=b, timeout=200) for t, b in asks
    ]
    try:
        wait_until(lambda: sum(run.done() for run in runs) == SENT - PER_PERSON, "no refusal")
        refused = [run.result() for run in runs if run.done()]
        assert [r.status_code for r in refused] == [429] * (SENT - PER_PERSON), refused
        assert all(
            f"You have {PER_PERSON} runs waiting or running" in r.json()["detail"] for r in refused
        ), [r.text for r in refused]
        wait_until(lambda: space.llm.in_flight >= PER_PERSON, "Alice's runs never went")

        # Bob's run goes at once, beside Alice's four, and finishes while hers are held.
        thread = bob.post("/threads", json={}).json()["thread_id"]
        done = bob.post(f"/threads/{thread}/runs/wait", json=body(bob, "bob asks"))
        assert done.status_code == 200, done.text
        assert done.json()["messages"][-1]["content"] == "answered bob asks"
        assert space.llm.peak_in_flight == PER_PERSON + 1  # Alice's refused ones never reached it
    finally:
        release.set()
        pool.shutdown()
    made = [(asked, run.result()) for asked, run in zip(asks, runs, strict=True)]
    answered = [(asked, answer) for asked, answer in made if answer.status_code != 429]
    assert len(answered) == PER_PERSON
    for (_, asked), answer in answered:
        assert answer.status_code == 200, answer.text
        text = asked["input"]["messages"][0]["content"]
        assert answer.json()["messages"][-1]["content"] == f"answered {text}"
    (thread, asked), _ = next((a, r) for a, r in made if r.status_code == 429)
    again = alice.post(f"/threads/{thread}/runs/wait", json=asked, timeout=200)
    assert again.status_code == 200, again.text  # her runs ended: room again
