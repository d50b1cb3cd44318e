"""`ml-intern experiments` through the real CLI: two headless runs launch two Jobs on the local
Hub, then the table, `--json` and `compare` show them as the ledger recorded them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Cli
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e


def job(call_id: str, lr: str) -> Turn:
    args = {"operation": "uv", "script": "train.py", "flavor": "t4-small", "wait": True}
    call = {"name": "hf_jobs", "id": call_id, "arguments": {**args, "script_args": ["--lr", lr]}}
    return Turn(tool_calls=[call])


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.job_line_delay = 0.01
        yield hub


@pytest.mark.timeout(400)  # four CLI processes and two Jobs; slow on a loaded machine
def test_runs_are_listed_as_a_table_as_json_and_compared(
    cli: Cli, llm: ScriptedLLMServer, hub: FakeHub
) -> None:
    (cli.cwd / "train.py").write_text("import trl\nprint('training')\n")
    llm.add(job("j1", "1e-4"), Turn(content="run one"), job("j2", "3e-4"), Turn(content="run two"))
    cli.use_server(llm)
    cli.env.pop("HF_HUB_OFFLINE", None)
    cli.env.update(HF_ENDPOINT=hub.url, HF_TOKEN=hub.token)
    model = ("--model", "openai/scripted-model", "--output-format", "json")
    hub.job_logs = ["{'loss': 2.0, 'epoch': 0.5}", "{'loss': 1.5, 'epoch': 1.0}"]
    first = cli.run(*model, "train with lr 1e-4", timeout=250)
    assert first.returncode == 0, first.stderr
    hub.job_logs = ["step 1 loss=1.4", "not a metric", "step 2 loss=0.9"]
    second = cli.run(*model, "-c", "now lr 3e-4", timeout=250)
    assert second.returncode == 0, second.stderr

    listed = cli.run("experiments")
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()[1:]
    assert len(rows) == 2 and all("train.py on t4-small" in r and "completed" in r for r in rows)
    assert "loss 1.5" in rows[0] and "loss 0.9" in rows[1] and "$0." in rows[0]
    assert "█▁" in rows[0]  # the loss went down: a sparkline from the stored summary

    data = json.loads(cli.run("experiments", "--json").stdout)["experiments"]
    assert [d["metrics"]["series"]["loss"]["points"] for d in data] == [
        [[0.5, 2.0], [1.0, 1.5]],
        [[0.0, 1.4], [1.0, 0.9]],
    ]
    assert [d["args"]["script_args"] for d in data] == [["--lr", "1e-4"], ["--lr", "3e-4"]]
    assert all(d["cost_usd"] > 0 and d["price_per_hour"] == pytest.approx(0.6) for d in data)

    compared = cli.run("experiments", "compare", "1", "2")
    assert compared.returncode == 0, compared.stderr
    assert "≠ arguments" in compared.stdout and "  loss: 1.5 | 0.9" in compared.stdout
    missing = cli.run("experiments", "compare", "1", "7")
    assert missing.returncode != 0 and "'7' matches no run" in missing.stderr

    # A fork made by `ml-intern threads fork` lists the same runs, with their series.
    thread = json.loads(cli.run("experiments", "--json").stdout)["thread_id"]
    forked = cli.run("threads", "fork", thread)
    assert forked.returncode == 0, forked.stderr
    fork_id = re.search(r"into (\S+);", forked.stdout).group(1)  # type: ignore[union-attr]
    copies = json.loads(cli.run("experiments", fork_id, "--json").stdout)["experiments"]
    assert [c["metrics"]["series"]["loss"]["points"] for c in copies] == [
        d["metrics"]["series"]["loss"]["points"] for d in data
    ]
    assert {c["id"] for c in copies}.isdisjoint({d["id"] for d in data})  # the fork's own rows


def test_no_thread_here_is_a_clear_error(cli: Cli) -> None:
    done = cli.run("experiments")
    assert done.returncode != 0
    assert "No thread was started in this directory" in done.stderr
