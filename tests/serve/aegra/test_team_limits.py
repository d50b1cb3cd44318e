"""The team server's limits, on two real replicas (one PostgreSQL, one redis-server):

- a signed-in person at `server.runs_per_person` (the sign-in team's, tests/serve/aegra/
  conftest.py) who sends runs to both replicas at once
  gets exactly their cap, the rest refused with a sentence (serve/aegra/run_cap.py), while
  another person's run goes; and no more than `server.streams_per_person` streams of theirs;
- a client that opens more streams than `server.streams_per_replica` and never reads them is
  refused beyond the cap, and another client's run on that replica still succeeds
  (serve/aegra/stream_cap.py; the replica's Redis pool is sized to the cap).

Runs are held running by a command that waits for a file the test writes.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.fakes.llm_server import Turn
from tests.serve.aegra.conftest import STREAMS_PER_PERSON, STREAMS_PER_REPLICA, Team
from tests.serve.aegra.test_team_server import messages, start_run, wait_for_run
from tests.serve.aegra.test_team_sign_in import DAVE, ERIN, run_body, sign_in
from tests.web.web_harness import bash

pytestmark = pytest.mark.timeout(300)
HOLD = "while [ ! -e go ]; do sleep 0.05; done; echo went"  # runs until the test says go


def open_stream(client: httpx.Client, path: str) -> tuple[socket.socket, str]:
    """A GET of `path` with `client`'s cookies on a raw socket that reads only the status
    line and never the stream; the socket and the status code."""
    url = client.base_url
    sock = socket.create_connection((url.host, url.port), timeout=30)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    request = f"GET {path} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\nCookie: {cookie}\r\n\r\n"
    sock.sendall(request.encode())
    return sock, sock.recv(12).decode().split(" ")[-1]


def started(client: httpx.Client, thread_id: str) -> httpx.Response:
    """A run sent as the page sends it (`/runs/stream`), its answer's status and headers
    read, its stream left (the run goes on)."""
    body = run_body(client, "hold on", on_disconnect="continue")
    with client.stream("POST", f"/threads/{thread_id}/runs/stream", json=body) as answer:
        if answer.status_code != 200:
            answer.read()
        return answer


def poll(condition: object, what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def capped(signed_in_team: Team) -> Iterator[tuple[httpx.Client, httpx.Client, httpx.Client]]:
    """Dave signed in on replica A and on B, Erin on B, on the sign-in team (runs and streams
    capped at 2 a person)."""
    (a, b), provider = signed_in_team.replicas, signed_in_team.provider
    assert provider is not None
    people = [sign_in(str(a.base_url), provider, DAVE)]
    people += [sign_in(str(b.base_url), provider, who) for who in (DAVE, ERIN)]
    try:
        yield people[0], people[1], people[2]
    finally:
        for client in people:
            client.close()


def test_a_person_at_their_cap_is_refused_on_either_replica(
    capped: tuple[httpx.Client, httpx.Client, httpx.Client], signed_in_team: Team
) -> None:
    alice_a, alice_b, bob = capped  # Dave and Erin, in the roles of Alice and Bob
    llm, workspace = signed_in_team.llm, signed_in_team.workspace
    (workspace / DAVE.sub).mkdir()  # bash does not make a person's folder (its first tool may)
    llm.add(Turn(tool_calls=[bash("h1", HOLD)]), Turn(tool_calls=[bash("h2", HOLD)]))
    llm.add(*[Turn(content="done") for _ in range(4)])
    threads = [alice_a.post("/threads", json={}).json()["thread_id"] for _ in range(4)]
    sent = list(zip([alice_a, alice_b, alice_a, alice_b], threads, strict=True))
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda ct: started(*ct), sent))
    assert sorted(a.status_code for a in answers) == [200, 200, 429, 429], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 429)
    assert "You have 2 runs waiting or running" in refused.json()["detail"]
    poll(lambda: len(llm.requests) >= 2, "both of Alice's runs asked the model")

    # Bob is not Alice: his run goes while she is at her cap.
    bobs = bob.post("/threads", json={}).json()["thread_id"]
    answer = bob.post(f"/threads/{bobs}/runs/wait", json=run_body(bob, "hi"))
    assert answer.status_code == 200 and "done" in answer.text, answer.text

    # Her streams: two followed, a third refused; on the other replica too.
    running = [t for t, a in zip(threads, answers, strict=True) if a.status_code == 200]
    runs = alice_a.get(f"/threads/{running[0]}/runs").json()
    assert runs[0]["status"] == "running", runs
    path = f"/threads/{running[0]}/runs/{runs[0]['run_id']}/stream"
    held = [open_stream(alice_a, path) for _ in range(STREAMS_PER_PERSON)]
    assert [code for _, code in held] == ["200"] * STREAMS_PER_PERSON
    third, code = open_stream(alice_a, path)
    assert code == "429", code
    third.close()
    for sock, _ in held:
        sock.close()

    (workspace / DAVE.sub / "go").write_text("")
    for thread in running:
        poll(lambda t=thread: alice_b.get(f"/threads/{t}").json()["status"] == "idle", thread)
    fresh = next(t for t in threads if t not in running)
    assert started(alice_b, fresh).status_code == 200  # under her cap again
    poll(lambda: alice_b.get(f"/threads/{fresh}").json()["status"] == "idle", fresh)


def test_streams_nobody_reads_leave_room_for_another_run(team: Team) -> None:
    """On the shared team (nobody signs in), `STREAMS_PER_REPLICA` streams a replica."""
    (a, b), llm, workspace = team.replicas, team.llm, team.workspace
    llm.add(Turn(tool_calls=[bash("h1", HOLD)]), Turn(content="Still here."), Turn(content="held"))
    held = a.post("/threads", json={}).json()["thread_id"]
    run = start_run(a, held, "hold on", "headless").json()["run_id"]
    poll(lambda: len(llm.requests) >= 1, "the held run asked the model")
    # More streams than the replica's whole Redis pool (3 + its jobs + room: 99), none read.
    path = f"/threads/{held}/runs/{run}/stream"
    opened = [open_stream(a, path) for _ in range(120)]
    try:
        codes = [code for _, code in opened]
        assert codes.count("200") == STREAMS_PER_REPLICA and codes.count("429") == 117, codes
        other = b.post("/threads", json={}).json()["thread_id"]
        answer = start_run(a, other, "are you there?", "headless")  # on the crowded replica
        assert answer.status_code == 200, answer.text
        assert wait_for_run(a, other, answer.json()["run_id"])["status"] == "success"
        assert messages(b, other)[-1]["content"] == "Still here."
    finally:
        for sock, _ in opened:
            sock.close()
    (workspace / "go").write_text("")
    assert wait_for_run(a, held, run)["status"] == "success"
