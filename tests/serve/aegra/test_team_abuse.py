"""The team server under the issue's bad inputs that need two replicas: a thread id asked of
both at once, and a tool that prints 100 MB while another person's run goes on.

- The same new thread id sent to A and B at the same moment makes one thread: one answer
  200 and one 409 with a sentence (not a 500), and both replicas then show the same record.
- A tool prints 100 MB on the team server: the thread keeps the output capped at its head and
  tail, another run answers meanwhile on the other replica, and neither Redis (where Aegra
  keeps a run's events for replay) nor a replica's memory grows with the flood.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis

from tests.fakes.llm_server import Turn
from tests.fakes.server_runs import run_body, wait_until
from tests.fakes.transcript_checks import user_texts
from tests.serve.aegra.conftest import Team
from tests.web.test_server_under_abuse import FLOOD, listening_pid, rss_mb

pytestmark = pytest.mark.timeout(300)
REDIS_GROWTH_MB = 30  # Redis's peak over its start: events are capped before they reach it
RSS_GROWTH_MB = 300  # as for the embedded server (tests/web/test_server_under_abuse.py)


def answer(request: dict[str, Any]) -> Turn:
    """The model: floods once, then says so; answers anyone else at once."""
    if any(m["role"] == "tool" for m in request["messages"]):
        return Turn(content="Printed it all.")
    if "flood" in user_texts(request)[-1]:
        return Turn(tool_calls=[{"name": "bash", "arguments": {"command": FLOOD}, "id": "f1"}])
    return Turn(content="Still here for you.")


def test_one_thread_id_asked_of_both_replicas_and_a_hundred_megabyte_tool_output(
    team: Team,
) -> None:
    (a, b), llm = team.replicas, team.llm
    thread = str(uuid.uuid4())
    title = f"twice {thread}"  # the team's other tests make threads of their own
    body = {"thread_id": thread, "if_exists": "raise", "metadata": {"title": title}}
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda client: client.post("/threads", json=body), (a, b)))
    assert sorted(r.status_code for r in made) == [200, 409], [r.text for r in made]
    assert "already exists" in next(r for r in made if r.status_code == 409).text
    again = [c.post("/threads", json={**body, "if_exists": "do_nothing"}) for c in (a, b)]
    assert [r.json()["thread_id"] for r in again] == [thread, thread]
    search = {"metadata": {"title": title}, "limit": 100}
    listed = [t["thread_id"] for t in b.post("/threads/search", json=search).json()]
    assert listed == [thread], listed

    llm.responder = answer
    store = redis.Redis.from_url(team.redis.url)
    redis_before = store.info("memory")["used_memory"] / 2**20
    # one Aegra process a replica: the one serving its port (forked or not, whatever its argv)
    servers = [listening_pid(client.base_url.port or 0) for client in (a, b)]
    assert len(set(servers)) == 2, servers
    rss_before = sum(rss_mb(pid) for pid in servers)
    run = a.post(f"/threads/{thread}/runs", json=run_body("flood the screen"))
    assert run.status_code == 200, run.text
    other = b.post("/threads", json={}).json()["thread_id"]
    waited = b.post(f"/threads/{other}/runs/wait", json=run_body("are you there?"))
    assert waited.status_code == 200 and "Still here for you." in waited.text, waited.text

    def finished() -> bool:
        messages = b.get(f"/threads/{thread}/state").json()["values"].get("messages") or []
        return bool(messages) and messages[-1]["content"] == "Printed it all."

    wait_until(finished, "the flooded run did not finish", timeout=240)
    messages = a.get(f"/threads/{thread}/state").json()["values"]["messages"]
    (result,) = [m for m in messages if m["type"] == "tool"]
    text = str(result["content"])
    assert len(text) < 2_000_000 and "lines omitted" in text and "END-OF-FLOOD" in text
    redis_grown = store.info("memory")["used_memory_peak"] / 2**20 - redis_before
    rss_grown = sum(rss_mb(pid) for pid in servers) - rss_before
    print(f"Redis peak grew {redis_grown:.1f} MB, replicas {rss_grown:.0f} MB; "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    assert redis_grown < REDIS_GROWTH_MB and rss_grown < RSS_GROWTH_MB
    store.close()
