"""The ML-task runner drives the real CLI against a scripted server and grades what it did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn


def test_runner_grades_each_run_and_counts_the_wire(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    llm.add(Turn(content="After the last epoch the eval accuracy was 0.9134."))
    llm.add(Turn(content="The eval accuracy was 0.8123."))  # the first epoch's: wrong
    kept = tmp_path / "exchanges"
    code = run.main(["--model", "openai/scripted-model", "--base-url", llm.url, "--task",
                     "final-metric", "--repeats", "2", "--keep-exchanges", str(kept)])  # fmt: skip
    assert code == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    rows = [json.loads(x) for x in lines if x.startswith('{"harness"')]
    assert [r["solved"] for r in rows] == [True, False]
    assert rows[1]["why"] == "the answer does not give 0.9134"
    for row in rows:
        assert row["model_calls"] == 1 and row["input_tokens"] > 0 and row["output_tokens"] > 0
        assert row["exit_reason"] == "done" and row["wall_s"] > 0 and row["load"] >= 0
    summary = json.loads(lines[-1])
    assert summary["per_task"]["final-metric"]["solved"] == 1 and summary["runs"] == 2
    # One task of the set: not the set's figure, so not appended to bench/results.
    assert "bench" not in summary and "not recorded in bench/results (tasks picked)" in err
    request = json.loads((kept / "ours/final-metric/0/01-request.json").read_text())
    sent = json.dumps(request["messages"])
    assert "eval accuracy after the last epoch" in sent and "/ws" in sent
    assert "0.9134" in (kept / "ours/final-metric/0/answer.md").read_text()


def test_a_run_again_counts_only_its_own_exchanges(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run done again (set aside, or cut by a stopped sweep) keeps its exchanges where the
    earlier attempt kept its own: its row counts its calls, not the earlier attempt's."""
    from bench.ml_tasks import run

    kept = tmp_path / "exchanges"
    earlier = kept / "ours" / "final-metric" / "0"
    earlier.mkdir(parents=True)
    timings = {"prompt_ms": 9000.0, "predicted_n": 300, "predicted_ms": 60000.0}
    for n in range(1, 13):  # an earlier attempt's twelve calls, at 5 tokens a second
        (earlier / f"{n:02d}-request.json").write_text(json.dumps({"messages": []}))
        (earlier / f"{n:02d}-reply.txt").write_text("thinking")
        (earlier / f"{n:02d}-response.txt").write_text(json.dumps(
            {"usage": {"prompt_tokens": 5000, "completion_tokens": 300}, "timings": timings}
        ))  # fmt: skip
    llm.add(Turn(content="After the last epoch the eval accuracy was 0.9134."))
    code = run.main(["--model", "openai/scripted-model", "--base-url", llm.url, "--task",
                     "final-metric", "--keep-exchanges", str(kept)])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    row = next(json.loads(x) for x in out if x.startswith('{"harness"'))
    assert row["solved"] and row["model_calls"] == 1 and row["input_tokens"] < 5000
    assert row["model_s"] is None  # the scripted server sends no timings; the earlier did
    assert sorted(p.name for p in earlier.glob("*-request.json")) == ["01-request.json"]


def test_set_chooses_the_tasks_listed_and_run(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.ml_tasks import run

    assert run.main(["--list"]) == 0
    dev = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert run.main(["--set", "held-out", "--list"]) == 0
    held_out = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert "final-metric" in dev and len(dev) >= 14 and len(held_out) >= 14
    assert not set(dev) & set(held_out)
    assert run.main(["--set", "held-out", "--list", "--task", "final-metric"]) == 2
    assert "unknown task(s) in the held-out set: final-metric" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run.main(["--set", "held-out"])  # running needs a model
    assert "--model is required" in capsys.readouterr().err


def test_a_held_out_run_is_graded_and_labelled_with_its_set(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    llm.add(Turn(content="It has 1,544,579 trainable parameters."))
    code = run.main(["--model", "openai/scripted-model", "--base-url", llm.url,
                     "--set", "held-out", "--task", "param-count"])  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    row = next(json.loads(x) for x in lines if x.startswith('{"harness"'))
    assert row["set"] == "held-out" and row["task"] == "param-count" and row["solved"]
    assert json.loads(lines[-1])["set"] == "held-out"


async def test_the_hub_tasks_facts_reach_the_agent_through_its_tools(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a held-out Hub or hardware task needs is on the task's local Hub, as the tools show it."""
    from bench.ml_tasks import run
    from tests.fakes.hub_server import invoke
    from tools.hub.jobs import jobs_spec
    from tools.hub.repo_details import repo_details_spec
    from tools.hub.repo_files import repo_files_spec

    tasks = {t.name: t for t in run.all_tasks(task_set="held-out")}
    candidates = (tasks["hub-license-pick"].folder / "files/candidates.txt").read_text().split()
    calls = [
        ("hub-license-pick", repo_details_spec().tool, {"repo_ids": candidates}),
        ("hub-config-layers", repo_files_spec().tool,
         {"operation": "read", "repo_id": "kestrel-ai/kestrel-1b", "path": "config.json"}),
        ("multi-gpu-flavor", jobs_spec().tool, {"operation": "hardware"}),
    ]  # fmt: skip
    seen = {}
    for name, tool, args in calls:
        with run.task_hub(tasks[name]) as hub:
            monkeypatch.setenv("HF_ENDPOINT", hub.url)
            monkeypatch.setenv("HF_TOKEN", hub.token)
            seen[name] = (await invoke(tool, **args)).content
    assert "## quarry-labs/review-classifier (model)" in seen["hub-license-pick"]
    assert "↓120,577 downloads" in seen["hub-license-pick"]
    assert "card: license: cc-by-nc-4.0" in seen["hub-license-pick"]
    assert '"num_hidden_layers": 26' in seen["hub-config-layers"]
    assert (
        "| l40sx4 | 4x Nvidia L40S | 48 vCPU | 382 GB | 4x L40S 192 GB | 8.30 |"
        in (seen["multi-gpu-flavor"])
    )


def test_adaptations_switch_the_rules_a_run_sends(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run
    from configs.prompt import LOOK_FIRST

    sent = {}
    switched = "-look-first,+code-block"
    for spec in ("default", "none", switched, "-lean-request"):
        llm.reset()
        llm.add(*[Turn(content="The eval accuracy was 0.9134.")] * 4)
        kept = tmp_path / spec
        code = run.main(["--model", "llamacpp/local", "--base-url", llm.url, "--task",
                         "final-metric", f"--adaptations={spec}", "--keep-exchanges", str(kept)])  # fmt: skip
        assert code == 0
        requests = sorted((kept / "ours/final-metric/0").glob("*-request.json"))
        sent[spec] = next(r.read_text() for r in requests if '"messages"' in r.read_text())
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"h')]
    assert [r["adaptations"] for r in rows] == ["default", "none", switched, "-lean-request"]
    # Each row names the rules active in its run: -RULE off, +RULE (off by default) on.
    assert "look-first" in rows[0]["rules"] and "code-block" not in rows[0]["rules"]
    assert "look-first" not in rows[2]["rules"] and "code-block" in rows[2]["rules"]
    assert rows[1]["rules"] == []
    assert LOOK_FIRST in sent["default"]  # the runtime note of a small-window model
    assert LOOK_FIRST not in sent["none"] and LOOK_FIRST not in sent[switched]
    # none: the full prompt and every tool's schema, as a large model gets them
    assert len(sent["default"]) < len(sent["none"])
    # -lean-request: the core toolset's request, `plan` offered; the default is lean
    assert "lean-request" not in rows[3]["rules"] and "lean-request" in rows[0]["rules"]
    offered = {k: {t["function"]["name"] for t in json.loads(v)["tools"]} for k, v in sent.items()}
    assert "plan" in offered["-lean-request"] and "plan" not in offered["default"]
    assert len(sent["default"]) < len(sent["-lean-request"]) * 0.6
    assert run.main(["--model", "m", "--adaptations=-no-such-rule", "--list"]) == 2
    assert "unknown rule no-such-rule" in capsys.readouterr().err


def test_ours_decodes_greedily_unless_asked_and_each_temperature_is_its_own_run(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local model's default (greedy) and `--temperature` both reach the wire, and the row
    says so; a run at another temperature is not taken for one already recorded."""
    from bench.ml_tasks import run

    out = tmp_path / "rows.jsonl"
    llm.add(*[Turn(content="The eval accuracy was 0.9134.")] * 2)
    for extra in ([], ["--temperature", "0.8"], ["--temperature", "0.8"]):
        code = run.main(["--model", "llamacpp/local", "--base-url", llm.url, "--task",
                         "final-metric", "--out", str(out), *extra])  # fmt: skip
        assert code == 0
    assert "recorded in" in capsys.readouterr().err  # the third: the second's run
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r.get("temperature"), r["sent_temperature"]) for r in rows] == [
        (None, 0.0), (0.8, 0.8)]  # fmt: skip
    assert [r["temperature"] for r in llm.requests if "messages" in r] == [0, 0.8]


def test_a_run_of_ours_that_stops_before_its_first_call_is_a_row_with_its_reason(
    llm: ScriptedLLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    code = run.main(["--model", "no-provider-serves-this", "--base-url", llm.url, "--task",
                     "final-metric"])  # fmt: skip
    assert code == 0
    row = json.loads(next(x for x in capsys.readouterr().out.splitlines() if x.startswith("{")))
    assert not row["solved"] and row["model_calls"] == 0
    assert row["exit_reason"].startswith(
        "crash: ml-intern: unknown model 'no-provider-serves-this'"
    )


def test_only_a_whole_set_of_a_harness_as_it_stands_is_the_sets_figure() -> None:
    from bench.ml_tasks import run

    def why(*argv: str) -> str:
        return run.partial_run(run.arguments_parser().parse_args(["--model", "m", *argv]))

    assert why() == "" and why("--set", "held-out", "--repeats", "3") == ""
    assert why("--task", "csv-count") == "tasks picked"
    assert why("--adaptations=-look-first", "--variant", "v") == "rules switched, a variant"
    assert why("--variant", run.DEFAULTS_VARIANT) == ""  # today's defaults by their table name
    assert why("--checkout", "../before") == "another checkout"
    assert why("--temperature", "0.8") == "a temperature"
