"""Two people on one Space: every route the server has, tried by the one against the other.

The real `ml-intern web` in sign-in mode (tests/web/test_web_oauth.py's `module_space`: one
for the module; each test signs in afresh and makes threads of its own). The route
list comes from the running server itself (`$ML_INTERN_HOME/web/routes.json`, written from
its app at start), so a route LangGraph adds later is attacked without anyone listing it.
Bob tries each one on Alice's thread and on a CLI thread with a body that names Alice's
thread, her identity and asks to create the thread; a break is a route off the page's list
that answers anything but our 404, an answer carrying Alice's or the CLI thread's words, a
success on someone else's thread, or any change to Alice's thread or the CLI thread after.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from serve.route_allowlist import NOT_HERE
from store.experiments import Experiment, Ledger, experiment_id
from tests.fakes.llm_server import Turn
from tests.web.test_web_oauth import (
    ALICE,
    BOB,
    Space,
    module_space,
    run_turn,
    signed_in,
)

pytestmark = pytest.mark.timeout(300)  # the first test's setup starts the module's Space
SECRET = "alice-secret-7f3a"
CLI_WORDS = ("cli secret question", "a private CLI answer")


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    yield from module_space(tmp_path_factory)


@pytest.fixture(autouse=True)
def fresh_model(space: Space) -> None:
    space.llm.reset()


def fill(template: str, thread: str, run_id: str) -> str:
    values = {"thread_id": thread, "run_id": run_id, "assistant_id": "ml_intern", "path": "app.js"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), template)


def hostile(thread: str) -> dict[str, object]:
    """A body naming Alice's thread and identity every way the API takes one."""
    return {
        "thread_id": thread,
        "if_exists": "do_nothing",
        "if_not_exists": "create",
        "assistant_id": "ml_intern",
        "metadata": {"owner": ALICE.sub, "title": "bob was here"},
        "values": {"messages": [{"type": "human", "content": "bob was here"}]},
        "input": {"messages": [{"type": "human", "content": "bob was here"}]},
        "context": {"thread_id": thread, "mode": "headless"},
        "config": {"configurable": {"thread_id": thread, "langgraph_auth_user_id": ALICE.sub}},
        "limit": 100,
    }


def alice_thread(
    space: Space,
    alice: httpx.Client,
) -> tuple[str, str]:
    thread = alice.post("/threads", json={"metadata": {"title": SECRET}}).json()["thread_id"]
    space.llm.add(Turn(content=f"the answer is {SECRET}"))
    assert run_turn(alice, thread, f"keep {SECRET}").status_code == 200
    run_id = alice.get(f"/threads/{thread}/runs").json()[0]["run_id"]
    return thread, run_id


def breaks_of(row: dict, target: str, response: httpx.Response) -> list[str]:
    what = f"{row['method']} {row['path']} on {target[:8]}: {response.status_code}"
    found = []
    if not row["served"] and (response.status_code != 404 or NOT_HERE not in response.text):
        found.append(f"{what}: reached a route the page does not use")
    if any(words in response.text for words in (SECRET, *CLI_WORDS)):
        found.append(f"{what}: answered with the other thread's words")
    if "{thread_id}" in row["path"] and response.is_success:
        found.append(f"{what}: succeeded on someone else's thread")
    return found


def test_every_route_keeps_two_people_apart(space: Space) -> None:
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    thread, run_id = alice_thread(space, alice)
    before = alice.get(f"/threads/{thread}/state").json()["values"]["messages"]
    table = json.loads((space.home / "web" / "routes.json").read_text())
    paths = {row["path"] for row in table}
    assert {"/internal/truncate", "/docs", "/openapi.json", "/store/items"} <= paths, paths
    attempts, breaks = 0, []
    for row in table:
        if row["path"] == "/oauth/logout":
            continue  # Bob signing himself out ends the attack; tried on its own below
        for target in (thread, space.cli_thread):
            path = fill(row["path"], target, run_id)
            method = "GET" if row["method"] == "WEBSOCKET" else row["method"]
            body = hostile(target) if method in ("POST", "PUT", "PATCH") else None
            response = bob.request(method, path, json=body)
            attempts += 1
            breaks += breaks_of(row, target, response)
    assert attempts >= 20 and len(table) >= 40, (attempts, len(table))
    assert breaks == [], "\n".join(breaks)
    # Nothing changed: Alice's thread is whole and hers; the CLI thread is nobody's.
    after = alice.get(f"/threads/{thread}/state").json()["values"]["messages"]
    assert after == before
    assert alice.get(f"/threads/{thread}").json()["metadata"]["title"] == SECRET
    for person in (alice, bob):
        assert person.get(f"/threads/{space.cli_thread}").status_code == 404
        assert space.cli_thread not in person.post("/threads/search", json={}).text
    assert SECRET not in bob.post("/threads/search", json={}).text
    print(f"isolation: {attempts} attempts over {len(table)} routes, {len(breaks)} breaks")


def test_a_live_run_cannot_be_watched_by_another(space: Space) -> None:
    """Joining someone else's live run is a plain 404 (LangGraph's own answer is a 200 whose
    stream holds only an error event), and shows none of the run; named under his own thread,
    it is not found, neither to watch nor to cancel."""
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    thread = alice.post("/threads", json={}).json()["thread_id"]
    answer = threading.Event()  # the model answers once Bob has tried: the run is live till then
    space.llm.add(Turn(content=f"slowly, {SECRET}", gate=answer))
    running = threading.Thread(target=run_turn, args=(alice, thread, "take your time"))
    running.start()
    deadline = time.monotonic() + 60
    while not (live := alice.get(f"/threads/{thread}/runs", params={"status": "running"}).json()):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    watched = bob.get(f"/threads/{thread}/runs/{live[0]['run_id']}/stream")
    # Through his own thread, which the gate lets him name: her run is not one of its runs.
    his = bob.post("/threads", json={}).json()["thread_id"]
    joined = bob.get(f"/threads/{his}/runs/{live[0]['run_id']}/stream")
    stopped = bob.post(f"/threads/{his}/runs/{live[0]['run_id']}/cancel")
    answer.set()
    running.join(timeout=120)
    assert watched.status_code == 404 and SECRET not in watched.text, watched.text[:500]
    assert SECRET not in joined.text and "Run not found" in joined.text, joined.text[:500]
    assert stopped.status_code == 404, stopped.text
    assert alice.get(f"/threads/{thread}/runs").json()[0]["status"] == "success"
    own = alice.get(f"/threads/{thread}/runs/{live[0]['run_id']}/stream")
    assert own.status_code == 200  # the owner still can


def test_a_run_cannot_name_another_thread_or_person(space: Space) -> None:
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    thread, _ = alice_thread(space, alice)
    own = bob.post("/threads", json={}).json()["thread_id"]
    calls_before = len(space.llm.requests)
    human = {"messages": [{"type": "human", "content": "list sandboxes"}]}
    attempts = {
        "context": {"context": {"thread_id": thread}},
        "configurable": {"config": {"configurable": {"thread_id": thread}}},
        "identity": {"config": {"configurable": {"langgraph_auth_user_id": ALICE.sub}}},
        "unknown context": {"context": {"person": ALICE.sub}},
        "webhook": {"webhook": "http://127.0.0.1:9/steal"},
    }
    for name, extra in attempts.items():
        body = {"assistant_id": "ml_intern", "input": human, **extra}
        answer = bob.post(f"/threads/{own}/runs/wait", json=body)
        assert answer.status_code == 422, (name, answer.text)
    claim = {"assistant_id": "ml_intern", "input": human, "if_not_exists": "create"}
    answer = bob.post(f"/threads/{space.cli_thread}/runs/wait", json=claim)
    assert answer.status_code == 422 and "POST /threads" in answer.text, answer.text
    assert bob.get(f"/threads/{space.cli_thread}").status_code == 404
    assert len(space.llm.requests) == calls_before  # no refused run reached the model


def test_sign_out_is_a_post_from_the_page_only(space: Space) -> None:
    bob = signed_in(space, BOB)
    assert bob.get("/oauth/logout").status_code == 404  # a link or an <img> cannot sign out
    evil = bob.post("/oauth/logout", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert bob.post("/threads/search", json={}).status_code == 200  # still signed in
    own = bob.post("/oauth/logout", headers={"Origin": space.url})
    assert own.status_code == 200 and own.url.path == "/"
    assert bob.post("/threads/search", json={}).status_code == 401


def test_a_persons_experiments_are_theirs_alone(space: Space) -> None:
    """The Experiments pane's route: Alice reads her thread's runs; Bob, naming her thread,
    gets the 404 of a thread that is not there, with none of her run's words."""
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    thread = alice.post("/threads", json={}).json()["thread_id"]
    listing = {"name": "experiments", "id": "x1", "arguments": {"operation": "list"}}
    space.llm.add(Turn(tool_calls=[listing]), Turn(content="listed"))
    assert run_turn(alice, thread, "list my runs").status_code == 200
    run = Experiment(id=experiment_id(thread, "x1"), thread_id=thread, call_id="x1",
                     kind="hf_job", name=SECRET, status="COMPLETED")  # fmt: skip
    with Ledger(space.home / "threads.sqlite") as ledger:
        ledger.save(run)
    route = f"/web/threads/{thread}/experiments"
    own = alice.get(route)
    assert own.status_code == 200 and [r["name"] for r in own.json()["experiments"]] == [SECRET]
    for target in (thread, space.cli_thread):
        stolen = bob.get(f"/web/threads/{target}/experiments")
        assert stolen.status_code == 404 and SECRET not in stolen.text, stolen.text


def test_a_persons_figures_are_theirs_alone(space: Space) -> None:
    """The figure route: Alice's python figure is served to her; Bob, naming it on her
    thread or on his own, gets the 404 of a figure that is not there, never its bytes."""
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    thread = alice.post("/threads", json={}).json()["thread_id"]
    code = "from PIL import Image\nImage.new('RGB', (30, 20), 'red')"
    plot = {"name": "python", "id": "f1", "arguments": {"code": code}}
    space.llm.add(Turn(tool_calls=[plot]), Turn(content="plotted"))
    assert run_turn(alice, thread, "plot", mode="headless").status_code == 200
    messages = alice.get(f"/threads/{thread}/state").json()["values"]["messages"]
    result = next(m for m in messages if m["type"] == "tool")
    assert result["artifact"], result["content"]
    name = result["artifact"]["figures"][0]
    route = f"/web/threads/{thread}/figures/{name}"
    own = alice.get(route)
    assert own.status_code == 200 and own.content.startswith(b"\x89PNG")
    bobs = bob.post("/threads", json={}).json()["thread_id"]
    for stolen in (bob.get(route), bob.get(f"/web/threads/{bobs}/figures/{name}")):
        assert stolen.status_code == 404 and b"PNG" not in stolen.content
