"""Peers in the ML-task runner: each runs through the same proxy, limits and grader as ours; a
peer missing, crashing or past its time is a row with its reason; `--out` resumes a pass.

A peer's venv python is stood in for by tests/bench/fake_peer.py (one chat completion, its reply
handed back as the answer), so the runner's side is tested without a peer installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn

FAKE_PEER = Path(__file__).with_name("fake_peer.py")


def install_fake(peers: Path, install: str, python: str = sys.executable) -> None:
    """A venv for `install` (mini, smolagents) whose python (`python`) runs the fake peer."""
    venv_python = peers / install / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\nexec "{python}" "{FAKE_PEER}" "$@"\n')
    venv_python.chmod(0o755)


def rows_of(out: str) -> list[dict]:
    return [json.loads(x) for x in out.splitlines() if x.startswith('{"harness"')]


def test_a_peer_runs_in_the_workspace_through_the_counting_proxy_and_is_graded(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from bench.ml_tasks import run

    peers, seen = tmp_path / "peers", tmp_path / "seen.jsonl"
    out = tmp_path / "results" / "rows.jsonl"  # its folder made when missing
    install_fake(peers, "mini")
    monkeypatch.setenv("FAKE_PEER_SEEN", str(seen))
    llm.add(Turn(content="After the last epoch the eval accuracy was 0.9134."))
    llm.add(Turn(content="The eval accuracy was 0.8123."))
    for harness in ("mini", "mini-text"):
        code = run.main(["--harness", harness, "--model", "local", "--base-url", llm.url,
                         "--task", "final-metric", "--peers", str(peers), "--out", str(out),
                         "--timeout", "120"])  # fmt: skip
        assert code == 0
    rows = rows_of(capsys.readouterr().out)
    assert [(r["harness"], r["solved"], r["exit_reason"]) for r in rows] == [
        ("mini", True, "done"), ("mini-text", False, "done")]  # fmt: skip
    assert rows[1]["why"] == "the answer does not give 0.9134"
    for row in rows:
        assert row["peer"] == "mini-swe-agent==2.4.6" and row["model"] == "local"
        assert row["model_calls"] == 1 and row["input_tokens"] > 0 and row["output_tokens"] > 0
        assert row["wall_s"] > 0 and row["set"] == "dev" and row["repeat"] == 0
        assert row["sent_temperature"] == "server default"  # the fake sends none
    assert [json.loads(x) for x in out.read_text().splitlines()] == rows
    given = [json.loads(x) for x in seen.read_text().splitlines()]
    assert [g["config"] for g in given] == ["default", "text"]
    for g in given:  # the same limits as ours, in the task's workspace
        assert g["runner"] == "mini_runner.py" and g["steps"] == 12 and g["time_limit"] == 120
        assert g["cwd"] == g["workspace"] and g["workspace"].endswith("/ws")
    assert "eval accuracy after the last epoch" in json.dumps(llm.requests[0]["messages"])


def test_a_missing_peer_is_a_row_with_its_reason_and_runs_once_installed(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    peers, out = tmp_path / "peers", tmp_path / "rows.jsonl"
    argv = ["--harness", "smolagents", "--model", "local", "--base-url", llm.url,
            "--task", "final-metric", "--task", "csv-count", "--peers", str(peers),
            "--out", str(out)]  # fmt: skip
    assert run.main(argv) == 0
    rows = rows_of(capsys.readouterr().out)
    assert [r["task"] for r in rows] == ["csv-count", "final-metric"]
    for row in rows:
        assert not row["solved"] and row["model_calls"] is None
        assert (
            row["exit_reason"]
            == row["why"]
            == (
                f"missing: no smolagents venv at {peers / 'smolagents/venv'}: "
                "run bench/ml_tasks/peers/install.sh smolagents"
            )
        )
    assert llm.requests == []
    install_fake(peers, "smolagents")
    llm.add(Turn(content="59 rows."), Turn(content="It was 0.9134."))
    assert run.main(argv) == 0
    again = rows_of(capsys.readouterr().out)
    assert [(r["task"], r["exit_reason"]) for r in again] == [
        ("csv-count", "done"), ("final-metric", "done")]  # fmt: skip
    assert len(out.read_text().splitlines()) == 4


def test_a_crashed_or_timed_out_peer_is_a_row_and_the_pass_goes_on(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    peers = tmp_path / "peers"
    install_fake(peers, "smolagents")
    llm.add(Turn(content="crash"), Turn(content="too late", delay=60))
    code = run.main(["--harness", "smolagents", "--model", "local", "--base-url", llm.url,
                     "--task", "final-metric", "--repeats", "2", "--peers", str(peers),
                     "--timeout", "3"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    crashed, late = rows_of(out)
    assert crashed["exit_reason"] == "crash: RuntimeError: the peer fell over"
    assert late["exit_reason"] == "timeout" and 3 <= late["wall_s"] < 30
    assert not crashed["solved"] and not late["solved"]
    assert crashed["model_calls"] == 1 and late["model_calls"] == 0  # the wire counts replies
    assert json.loads(out.splitlines()[-1])["runs"] == 2


def test_a_half_finished_pass_resumes_from_its_data_file(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    peers, out = tmp_path / "peers", tmp_path / "rows.jsonl"
    install_fake(peers, "smolagents")
    head = {"harness": "smolagents", "set": "dev", "model": "local", "repeat": 0}
    kept = {**head, "task": "csv-count", "solved": True, "why": "solved", "answer": "59",
            "exit_reason": "done", "model_calls": 3, "input_tokens": 900, "output_tokens": 40,
            "cost_usd": None, "wall_s": 12.0}  # fmt: skip
    other_model = {**kept, "model": "another", "solved": False}
    out.write_text(json.dumps(kept) + "\n" + json.dumps(other_model) + "\nnot a row\n")
    llm.add(Turn(content="It was 0.9134."), Turn(content="59"), Turn(content="0.9134"))
    code = run.main(["--harness", "smolagents", "--model", "local", "--base-url", llm.url,
                     "--task", "csv-count", "--task", "final-metric", "--repeats", "2",
                     "--peers", str(peers), "--out", str(out)])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    ran = [(r["task"], r["repeat"]) for r in rows_of(captured.out)]
    assert ran == [("final-metric", 0), ("csv-count", 1), ("final-metric", 1)]
    assert f"recorded in {out}: csv-count pass 0" in captured.err
    assert len(llm.requests) == 3
    summary = json.loads(captured.out.splitlines()[-1])
    assert summary["runs"] == 4 and summary["per_task"]["csv-count"]["solved"] == 2


def test_a_peers_in_process_python_imports_what_a_commands_python3_has(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """smolagents runs the model's Python in its runner's process: that code imports pandas as
    `python3` in ours' or mini's commands does, though the peer's own venv has none."""
    from bench.ml_tasks import run

    bare = tmp_path / "bare"  # a venv with nothing installed, as a peer's is but for the peer
    venv.create(bare, with_pip=False)
    own = subprocess.run([bare / "bin/python", "-c", "import pandas"], capture_output=True)
    assert b"No module named 'pandas'" in own.stderr
    peers, seen = tmp_path / "peers", tmp_path / "seen.jsonl"
    install_fake(peers, "smolagents", python=str(bare / "bin/python"))
    monkeypatch.setenv("FAKE_PEER_SEEN", str(seen))
    monkeypatch.setenv("FAKE_PEER_IMPORT", "pandas")
    llm.add(Turn(content="After the last epoch the eval accuracy was 0.9134."))
    code = run.main(["--harness", "smolagents", "--model", "local", "--base-url", llm.url,
                     "--task", "final-metric", "--peers", str(peers), "--timeout", "120"])  # fmt: skip
    assert code == 0 and rows_of(capsys.readouterr().out)[0]["solved"]
    imported = json.loads(seen.read_text())["imported"]
    python3 = shutil.which("python3")  # the first on PATH: the one a command gets
    assert python3 and Path(imported).is_relative_to(Path(python3).parents[1]), imported


def test_a_peer_needs_the_server_it_shares(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.ml_tasks import run

    with pytest.raises(SystemExit):
        run.main(["--harness", "mini", "--model", "local"])
    assert "a peer needs --base-url" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run.main(["--harness", "smolagents", "--model", "local", "--temperature", "0"])
    assert "a peer samples as its defaults say" in capsys.readouterr().err


@pytest.mark.parametrize("install", ["mini", "smolagents"])
def test_the_readme_quotes_the_one_sentence_added_to_each_peers_prompts(install: str) -> None:
    """The runners load their peer only inside main(), so they import without it installed."""
    import importlib.util

    from bench.ml_tasks import peers

    runner = peers.HERE / f"{install}_runner.py"
    spec = importlib.util.spec_from_file_location(f"{install}_runner", runner)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (peers.HERE.parent / "README.md").read_text()
    assert " ".join(module.ANSWER_SENTENCE.split()) in " ".join(readme.split())


def test_the_original_missing_is_a_row_too(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    absent = tmp_path / "original" / "venv" / "bin" / "ml-intern"
    code = run.main(["--harness", "original", "--original", str(absent), "--model", "local",
                     "--base-url", llm.url, "--task", "final-metric"])  # fmt: skip
    assert code == 0
    (row,) = rows_of(capsys.readouterr().out)
    assert row["exit_reason"] == (
        f"missing: no original ml-intern at {absent}: run bench/ml_tasks/install_original.sh"
    )
    assert not row["solved"] and llm.requests == []
