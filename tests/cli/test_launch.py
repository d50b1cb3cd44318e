"""Choosing the mode, the thread and the credentials before anything heavy runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.exit_codes import ExitCode, exit_code_for
from cli.headless import Output
from cli.launch import (
    Flags,
    UsageError,
    choose_thread,
    overrides,
    wants_headless,
)
from cli.repl import decision_for
from configs.model_profile import missing_key_message, model_problem, profile_of
from configs.settings import Settings
from graph.events import Event
from store.thread_index import ThreadIndex


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("done", 0),
        (None, 0),
        ("max_iterations", 3),
        ("max_cost", 4),
        ("doom_loop", 5),
        ("interrupted", 130),
        ("error", 1),
        ("compact_failed", 1),
        ("something new", 1),
    ],
)
def test_exit_codes(reason: str | None, code: int) -> None:
    assert exit_code_for(reason) == code


def test_wants_headless() -> None:
    assert wants_headless(Flags(prompt="hi"), stdin_is_tty=True)
    assert not wants_headless(Flags(), stdin_is_tty=True)
    assert wants_headless(Flags(headless=True, resume="abc"), stdin_is_tty=True)
    with pytest.raises(UsageError, match="--resume"):
        wants_headless(Flags(headless=True), stdin_is_tty=True)
    with pytest.raises(UsageError, match="not a terminal"):
        wants_headless(Flags(), stdin_is_tty=False)


def test_flags_become_overrides() -> None:
    flags = Flags(
        model="openai/x",
        max_iterations=5,
        no_stream=True,
        yolo=True,
        max_cost=1.5,
        max_job_cost=3.0,
        sandbox=True,
        effort="high",
    )
    assert overrides(flags) == {
        "model_name": "openai/x",
        "max_iterations": 5,
        "stream": False,
        "approval.yolo": True,
        "max_cost_usd": 1.5,
        "max_job_cost": 3.0,
        "sandbox.mode": "local",
        "reasoning_effort": "high",
    }
    assert set(overrides(Flags()).values()) == {None}  # the config decides


def test_missing_key_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    proxied = Settings(api_base="http://proxy")
    assert "ANTHROPIC_API_KEY" in str(missing_key_message(profile_of("anthropic/claude-x")))
    assert "OPENAI_API_KEY" in str(missing_key_message(profile_of("openai/gpt-4o")))
    assert missing_key_message(profile_of("anthropic/claude-x", proxied)) is None
    assert missing_key_message(profile_of("ollama/llama3")) is None
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    assert profile_of("openai/local").endpoint == "http://127.0.0.1:8000/v1"
    assert profile_of("anthropic/claude-x").endpoint is None
    assert "placeholder" in str(missing_key_message(profile_of("openai/local")))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    assert missing_key_message(profile_of("openai/local")) is None


def test_choose_thread(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    index = ThreadIndex(isolated_home / "threads.sqlite")
    index.touch("old", title="t", cwd=str(tmp_path.resolve()))
    assert choose_thread(Flags(resume="old")).resuming
    assert choose_thread(Flags(continue_=True)).thread_id == "old"
    assert choose_thread(Flags(thread_id="fresh")).resuming is False
    with pytest.raises(UsageError, match="already exists"):
        choose_thread(Flags(thread_id="old"))
    with pytest.raises(UsageError, match="No thread 'gone'"):
        choose_thread(Flags(resume="gone"))


@pytest.mark.parametrize(
    ("reply", "decision"),
    [
        ("y", {"type": "approve"}),
        ("YES", {"type": "approve"}),
        ("n", {"type": "reject"}),
        ("use uv instead", {"type": "reject", "message": "use uv instead"}),
    ],
)
def test_approval_replies(reply: str, decision: dict) -> None:
    assert decision_for(reply) == decision


def test_json_output_shape(capsys: pytest.CaptureFixture[str]) -> None:
    output = Output("json", Settings())
    output.thread_id = "t"
    usage = {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5}
    output.event(Event(type="error", thread_id="t", data={"message": "bad key", "fatal": True}))
    output.event(
        Event(
            type="turn_complete",
            thread_id="t",
            data={"stop_reason": "error", "iterations": 2, "final_text": "", "usage": usage},
        )
    )
    assert output.finish() == ExitCode.RUNTIME_ERROR
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        "thread_id": "t",
        "result": "",
        "exit_reason": "error",
        "iterations": 2,
        "usage": {
            **usage,
            **{"cache_read_tokens": 0, "cache_write_tokens": 0, "cache_hit_share": 0.0},
            "unpriced_models": [],
            "job_cost_usd": 0.0,  # the worst case of the paid Jobs it started
        },
        "rules_fired": {},  # the rules for weaker models whose hooks acted: none here
        "error": "bad key",
    }
    assert "bad key" in err


def test_one_hf_token_is_enough_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.launch import with_default_model
    from configs.model_profile import ROUTER_DEFAULT_MODEL

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_" + "x" * 30)
    routed = with_default_model(Settings(), explicit=False)
    assert routed.model_name == ROUTER_DEFAULT_MODEL
    assert "through the Hugging Face router" in capsys.readouterr().err
    assert with_default_model(Settings(), explicit=True).model_name == Settings().model_name
    chosen = Settings(model_name="openai/gpt-4o")  # from a config file: the user's choice
    assert with_default_model(chosen, explicit=False).model_name == "openai/gpt-4o"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert with_default_model(Settings(), explicit=False).model_name == Settings().model_name


def test_max_cost_on_an_unpriced_model_is_refused_until_prices_are_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    limited = Settings(max_cost_usd=1.0)
    problem, kind = model_problem("llamacpp/qwen2.5-coder", limited) or ("", "")
    assert '"model_prices"' in problem and "llamacpp/qwen2.5-coder" in problem
    assert kind == "usage"
    # litellm prices it
    assert model_problem("anthropic/claude-sonnet-4-5-20250929", limited) is None
    assert model_problem("llamacpp/qwen2.5-coder", Settings()) is None  # no limit asked for
    priced = Settings(
        max_cost_usd=1.0,
        model_prices={"llamacpp/qwen2.5-coder": {"input_per_mtok": 0.1, "output_per_mtok": 0.2}},
    )
    assert model_problem("llamacpp/qwen2.5-coder", priced) is None
