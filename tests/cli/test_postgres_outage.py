"""The database goes away mid-run: the run stops with a sentence naming it, and the thread
resumes once the database is back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.postgres import PASSWORD, PostgresCluster, running_cluster

pytestmark = [pytest.mark.cli_e2e, pytest.mark.timeout(300)]
MODEL = ("--model", "openai/scripted-model")


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own: it is stopped and started again."""
    with running_cluster() as cluster:
        yield cluster


def test_a_database_gone_mid_run_stops_it_clearly_and_the_thread_resumes(
    cli: Cli, llm: ScriptedLLMServer, own_cluster: PostgresCluster
) -> None:
    cli.use_server(llm)
    cli.env["ML_INTERN_DATABASE_URL"] = url = own_cluster.new_database()
    hold = "touch started; while [ ! -f release ]; do sleep 0.05; done; echo finished"
    llm.add(Turn(tool_calls=[{"name": "bash", "arguments": {"command": hold}, "id": "c1"}]))
    run = cli.popen(*MODEL, "--thread-id", "outage", "do the thing")
    deadline = time.monotonic() + 120
    while not (cli.cwd / "started").exists():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    own_cluster.halt()  # the database goes away while the tool runs
    (cli.cwd / "release").touch()
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1, out + err
    assert f"Cannot use the thread database at 127.0.0.1:{own_cluster.port}" in err
    assert "Traceback" not in err and PASSWORD not in err + out and url not in err
    assert "couldn't get a connection" not in err  # at once, not after a pool's 10 s timeout
    assert "couldn't get a connection" not in err  # at once, not after a pool's 10 s timeout

    own_cluster.resume()
    llm.add(Turn(content="Done after the outage."))
    resumed = cli.run("--resume", "outage", "--headless", "--output-format", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["result"] == "Done after the outage."
    tool_results = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_results] == ["c1"]  # answered once, not orphaned
