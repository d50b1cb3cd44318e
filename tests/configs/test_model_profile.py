"""A model id is resolved once, in one place, into an immutable profile everyone reads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from cli.launch import Flags, launch
from configs.model_profile import profile_of
from configs.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# The resolver and the parsing it is built on; nobody else may import the parsing.
RESOLVER = {"configs/model_profile.py", "configs/model_routes.py", "configs/model_prices.py"}
PARSING = re.compile(
    r"configs\.model_routes|configs\.providers|\b(provider_of|is_router_id|get_model_info|"
    r"supports_reasoning|get_llm_provider)\("
)


@pytest.mark.parametrize(
    ("model", "facts"),
    [
        (
            "anthropic/claude-sonnet-4-5-20250929",
            ("provider", "ANTHROPIC_API_KEY", True, "litellm", True, False, True, False, None),
        ),
        ("openai/gpt-4o", ("provider", "OPENAI_API_KEY", True, "litellm", False, False, False, False, None)),
        ("moonshotai/Kimi-K2.6", ("router", "HF_TOKEN", False, "unknown", False, False, False, False, None)),
        ("llamacpp/qwen", ("local", None, False, "unknown", False, True, False, True, 0.0)),
    ],
)  # fmt: skip
def test_a_profile_states_every_fact_about_its_model(model: str, facts: tuple) -> None:
    p = profile_of(model, env={})
    assert (
        p.route.kind, p.key_variable, p.priced, p.window_source, p.takes_effort,
        p.text_tool_calls, bool(p.cache_breakpoints), p.small_window, p.temperature,
    ) == facts  # fmt: skip


def test_the_config_wins_and_the_profile_cannot_be_changed() -> None:
    settings = Settings(
        context_window={"ollama/big": 131_072},
        model_prices={"ollama/big": {"input_per_mtok": 0.1, "output_per_mtok": 0.2}},
        text_tool_calls={"ollama/big": False},
    )
    big = profile_of("ollama/big", settings, env={})
    assert (big.context_window, big.window_source, big.small_window) == (131_072, "config", False)
    assert big.priced and not big.text_tool_calls
    assert big.with_window(4096) is big  # the config's window beats the server's
    with pytest.raises(dataclasses.FrozenInstanceError):
        big.context_window = 1  # type: ignore[misc]
    served = profile_of("ollama/small", env={}).with_window(8192)
    assert (served.context_window, served.window_source, served.small_window) == (
        8192,
        "server",
        True,
    )
    assert not profile_of("vllm/x", env={}).with_window(131_072).small_window


def test_no_module_but_the_resolver_parses_model_ids() -> None:
    offenders = []
    # Every `*/**/*.py` but the venv's and the tests': the venv's ~24,000 are not walked.
    tops = [p for p in ROOT.iterdir() if p.is_dir() and p.name not in (".venv", "tests")]
    for path in (path for top in sorted(tops) for path in top.glob("**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in RESOLVER:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PARSING.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "read configs.model_profile.profile_of instead"


@pytest.mark.parametrize("headless", [True, False])
def test_an_unknown_model_id_gets_advice_about_the_id_not_a_key(
    headless: bool,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    flags = Flags(prompt="hi" if headless else None, model="nonsense-model-xyz")
    assert launch(flags) == 2
    err = capsys.readouterr().err
    assert "unknown model 'nonsense-model-xyz'" in err and "provider prefix" in err
    assert "OPENAI_API_KEY" not in err


def test_whether_a_model_takes_images_comes_from_litellm_s_list_or_the_config() -> None:
    """Kernel plots and editor images go to a model only when it reads them."""
    assert profile_of("openai/gpt-4o", env={}).takes_images
    assert not profile_of("llamacpp/qwen", env={}).takes_images
    settings = Settings(takes_images={"llamacpp/qwen-vl": True, "openai/gpt-4o": False})
    assert profile_of("llamacpp/qwen-vl", settings, env={}).takes_images
    assert not profile_of("openai/gpt-4o", settings, env={}).takes_images
