"""Each benchmark runs end to end with tiny sizes and prints its table and JSON summary."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.postgres import PostgresCluster
from tests.fakes.redis import RedisServer


def summary(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_loop_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import loop

    loop.main(["--iterations", "5", "--bytes", "2000", "--repeats", "1", "--compare"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "loop"
    for saver in ("message-store", "langgraph-sqlite"):
        assert found[saver]["overhead_late_ms"] > 0 and found[saver]["transcript_bytes"] > 10_000
        assert found[saver]["undo_ms"] > 0 and found[saver]["reopen_ms"] > 0


def test_threads_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import threads

    threads.main(["--threads", "4", "--runs", "1", "--no-cli"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "threads" and found["messages_per_thread"] == 20
    assert found["list_all_ms"] > 0 and found["open_graph_thread_ms"] > 0


def test_prompt_size_shows_a_small_models_first_request_by_part(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The fixed part of a small model's first request, `lean-request` off and on (the
    default): the lean one leaves `plan` and `research` to `more_tools`, about half the size."""
    from bench import prompt_size

    prompt_size.main(["--small"])
    out = capsys.readouterr().out
    found = summary(out)
    assert found["bench"] == "prompt_size_small"
    lean, default = found["first_request_fixed_lean_tokens"], found["first_request_fixed_tokens"]
    assert lean < default * 0.6
    rows = {line.split()[0] + " " + line.split()[1]: line.split()[2:] for line in out.splitlines()
            if line.startswith(("tool:", "system:"))}  # fmt: skip
    assert rows["tool: plan"][1] == "-" and rows["tool: bash"][1] != "-"


@pytest.mark.timeout(300)
def test_startup_benchmark(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every figure but the REPL's, in the summary the report reads. The first headless run
    (OpenAI) is a fresh launch, as the figure measures; the Anthropic one and `python -c
    "import litellm"` fork from the warm zygote (fresh, ~1.5 and ~3.8 s of CPU more)."""
    from bench import startup
    from tests.fakes.cli_zygote import FreshOnce

    monkeypatch.setattr(startup, "LAUNCH", FreshOnce())
    startup.main(["--runs", "1", "--no-repl", "--no-warm-up"])  # on the bytecode the venv has
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "startup" and found["help_s"] > 0 and found["repl_prompt_s"] is None
    assert found["first_request_openai_s"] > 0 and found["first_request_anthropic_s"] > 0
    assert found["import_litellm_s"] > 0


def test_acp_startup_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import acp_startup

    acp_startup.main(["--runs", "1", "--no-warm-up"])  # on the bytecode the venv has
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "acp_startup"
    assert found["initialize_s"] > 0 and 0 < found["session_new_s"] < found["first_request_s"]


@pytest.mark.timeout(300)
def test_provider_path_benchmark(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both providers in both modes, each beside its floor. Every run forks from the warm
    zygote: a fresh launch of the same installed script is test_startup_benchmark's to make
    (here one on litellm's path was ~4-5 s of CPU, its `import litellm` included)."""
    from bench import provider_path
    from tests.fakes.cli_zygote import InstalledScriptPopen

    monkeypatch.setattr(provider_path, "LAUNCH", InstalledScriptPopen)
    provider_path.main(["--steps", "1", "--bytes", "2000"])  # a gap; launch is its CPU
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "provider_path"
    for provider in ("openai", "anthropic", "openai@streamed", "anthropic@streamed"):
        figures = found[provider]
        assert figures["launch_to_first_request_s"] > 0 and figures["peak_rss_mb"] > 50
        assert 50 < figures["first_request_rss_mb"] <= figures["peak_rss_mb"]
        assert figures["gap_early_ms"] > 0 and figures["floor"]["gap_early_ms"] > 0
    assert 0 < found["anthropic"]["cache_hit_share"] <= 1


@pytest.mark.timeout(600)
def test_step_profile_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import step_profile

    argv = ["--steps", "2", "--repeats", "1", "--kinds", "read,bash_write", "--no-warm-up"]
    step_profile.main(argv)
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "step_profile"
    for provider in ("openai", "anthropic"):
        read, bash = found[provider]["read"], found[provider]["bash_write"]
        assert read["model_call"] > 0 and read["approval"] > 0 and read["checkpoint"] > 0
        assert read["masking"] > 0 and read["journal"] == 0  # a read changes nothing
        assert bash["journal"] > 0 and bash["tool_process"] > 0 and bash["tool"] > 0
        assert bash["total"] >= bash["total_in_process"] > 0


@pytest.mark.timeout(600)
def test_step_profile_splits_the_engines_share(capsys: pytest.CaptureFixture[str]) -> None:
    """`--engine`: LangGraph's superstep, the callbacks and the stream take `other`'s share."""
    from bench import step_profile

    argv = ["--steps", "2", "--repeats", "1", "--providers", "openai", "--kinds", "read"]
    step_profile.main([*argv, "--no-warm-up", "--engine"])
    read = summary(capsys.readouterr().out)["openai"]["read"]
    for stage in ("lg_tick", "lg_runner", "lg_node_seq", "lg_astream", "session_pump"):
        assert read[stage] > 0, stage
    assert read["model_call"] > 0 and read["approval"] > 0


def test_layers_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import layers

    layers.main(["--steps", "3", "--bytes", "2000", "--repeats", "1"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "layers"
    for size in ("early", "late"):
        assert found[size]["stdlib_pre_encoded_ms"] > 0 and found[size]["chat_litellm_ms"] > 0


def test_model_call_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import model_call

    model_call.main(["--batches", "1", "--calls", "2", "--steps", "2"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "model_call" and found["steps"] == 2
    assert found["litellm"][0] > 0 and found["auto"][0] > 0


def test_experiments_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import experiments

    experiments.main(["--lines", "2000", "--runs", "5"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "experiments" and found["runs"] == 5 and found["parse_s"] > 0
    assert found["points_loss"] <= 1000 and found["list_ms_median"] > 0


def test_postgres_benchmark(
    capsys: pytest.CaptureFixture[str], postgres_cluster: PostgresCluster
) -> None:
    from bench import postgres

    postgres.main(["--url", postgres_cluster.admin_url, "--iterations", "5", "--bytes", "2000",
                   "--threads", "20"])  # fmt: skip
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "postgres"
    for store in ("sqlite", "postgres"):
        assert found[store]["writes_per_step_ms"] > 0 and found[store]["db_bytes"] > 10_000
        assert found[store]["list_all_ms"] > 0 and found[store]["undo_ms"] > 0


def test_real_model_recording_proxy_keeps_the_raw_reply(llm, tmp_path) -> None:
    """The real-model bench's proxy passes a streamed reply through and keeps its raw text."""
    import urllib.request

    from bench.recording_proxy import RecordingProxy
    from tests.fakes.llm_server import Turn

    reply = '```json\n{"name": "ls", "arguments": {}}\n```'
    llm.add(Turn(content=reply))
    proxy = RecordingProxy(llm.url.removesuffix("/v1"), tmp_path)
    try:
        body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
        request = urllib.request.Request(
            proxy.url + "/v1/chat/completions", data=json.dumps(body).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            relayed = answer.read()
    finally:
        proxy.close()
    assert json.loads((tmp_path / "01-request.json").read_text()) == body
    assert (tmp_path / "01-response.txt").read_bytes() == relayed
    assert relayed.startswith(b"data: ") and (tmp_path / "01-reply.txt").read_text() == reply


def test_server_load_benchmark(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both workloads on one server, in turn (its start is most of a pass's CPU, so it is
    forked from the warm zygote): `plan` calls, then `bash` calls that append to a file,
    each round's figures under its own key."""
    from bench import server_load
    from tests.fakes.cli_zygote import ZygotePopen

    monkeypatch.setattr(server_load, "LAUNCH", ZygotePopen)
    server_load.main(["--runs", "2", "--step", "0.05", "--tool", "plan", "bash", "--no-warm-up"])
    out = capsys.readouterr().out
    found = summary(out)
    assert found["bench"] == "server_load" and found["tool"] == "plan bash"
    assert "`plan` calls" in out and "`bash` calls" in out  # a table for each
    plan, bash = found["runs_2"], found["bash"]["runs_2"]
    assert found["rounds"] == [plan, bash]
    for round_ in (plan, bash):  # every bash call exited 0, or its run would not count as ok
        assert round_["ok"] == 2 and round_["peak_in_flight"] == 2
        assert round_["cpu_ms_per_step"] > 0
        assert round_["bench_cpu_ms_per_step"] > 0  # the client's and scripted model's own CPU
        assert round_["peak_rss_mb"] >= found["idle_rss_mb"] > 50


@pytest.mark.timeout(300)
def test_server_load_benchmark_on_aegra(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    redis_server: RedisServer,
) -> None:
    """The team server's round: one replica running the runs, on real PostgreSQL and Redis
    (forked from the warm zygote, as test_server_load_benchmark's server)."""
    from bench import server_load
    from tests.fakes.cli_zygote import ZygotePopen

    monkeypatch.setattr(server_load, "LAUNCH", ZygotePopen)
    server_load.main(["--engine", "aegra", "--runs", "2", "--step", "0.05", "--db", pg_url,
                      "--redis", redis_server.url, "--no-warm-up"])  # fmt: skip
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "server_load" and found["engine"] == "aegra"
    team = found["aegra"]
    assert team["servers"] == 1 and team["team_workers"] == 0 and team["runs_on_replicas"]
    (round_,) = team["rounds"]
    assert round_["ok"] == 2 and round_["errors"] == 0 and round_["peak_in_flight"] == 2
    assert round_["cpu_ms_per_step"] > 0 and round_["peak_rss_mb"] >= team["idle_rss_mb"] > 50
    assert {"wall_over_model", "step_p95_ms", "start_p95_ms", "db_cpu_ms_per_step"} <= set(round_)
    assert 0 < round_["last_answer_s"] <= round_["wall_s"]


def test_kernel_benchmark(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `python -c` that loads the data is forked from a process that imported pandas."""
    from bench import kernel
    from tests.fakes.cli_zygote import ML_ENV, TablePopen

    def launch(args: list[str], **kwargs: Any) -> TablePopen:
        return TablePopen(args, env={**os.environ, **ML_ENV}, **kwargs)

    monkeypatch.setattr(kernel, "LAUNCH", launch)
    kernel.main(["--mb", "1", "--repeats", "1", "--starts", "1"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "kernel" and found["kernel_start_ms"] > 0
    assert found["tool_question_ms"] > 0 and found["python_c_ms"] > 0


def test_rewind_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import rewind

    rewind.main(["--files", "200", "--dataset-mb", "1", "--steps", "3"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "rewind" and found["restored"] == ["src000/f00000.py"]
    assert found["idle_step_bytes"] < found["changed_step_bytes"] < 2000


@pytest.mark.timeout(300)
def test_aegra_floor_benchmark(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    redis_server: RedisServer,
) -> None:
    """Aegra alone with a graph that only waits (forked from the warm zygote): every run
    answers, its CPU is counted."""
    from bench import aegra_floor, server_load
    from tests.fakes.cli_zygote import ZygotePopen

    monkeypatch.setattr(server_load, "LAUNCH", ZygotePopen)

    aegra_floor.main(["--runs", "3", "--step", "0.05", "--db", pg_url, "--redis", redis_server.url,
                      "--no-warm-up"])  # fmt: skip
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "aegra_floor"
    round_ = found["wait"]["runs_3"]
    assert round_["ok"] == 3 and round_["aegra_cpu_ms_per_step"] > 0
    assert round_["wall_over_wait"] >= 1 and round_["db_cpu_ms_per_step"] >= 0


def test_server_attacks_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    """The attack bench reads each verdict from the effect: on today's server, a `goto` past
    approval writes no file and the server's secret never lands in the workspace."""
    from bench import server_attacks

    server_attacks.main(["--only", "goto_execute_tools", "server_env_read", "lifted_cap"])
    found = summary(capsys.readouterr().out)
    assert found["bench"] == "server_attacks"
    assert (found["held"], found["broken"]) == (3, 0), found


def test_ci_wall_reads_the_suite_s_figures_from_a_ci_log() -> None:
    from bench.ci_wall import suite_figures

    log = (
        "  813.75s in all, 314 files\n"
        "================= 3096 passed, 1 warning in 423.82s (0:07:03) ==================\n"
    )
    assert suite_figures(log) == {"tests": 3096, "suite_s": 423.82, "test_time_s": 813.75}
    failed = "============ 2 failed, 3094 passed in 430.10s (0:07:10) ============\n"
    with pytest.raises(ValueError, match="no passing pytest run"):
        suite_figures(failed)


def test_a_figure_recorded_for_a_clone_names_the_clone_s_commit(tmp_path: Path) -> None:
    """`bench/ci_wall.py` measures a clone: a commit made here meanwhile is not the one measured."""
    from bench.report import ROOT, record

    record("ci_wall", {"ci_s": 351.0}, folder=tmp_path, commit="abc1234")
    record("ci_wall", {"ci_s": 352.0}, folder=tmp_path)
    first, second = (json.loads(line) for line in (tmp_path / "ci_wall.jsonl").open())
    assert (first["figure"], first["value"], first["commit"]) == ("ci_wall.ci_s", 351.0, "abc1234")
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert second["commit"] == head
