"""What a launch checks before the REPL's prompt shows imports neither LangChain's model
classes nor the rules' registry (most of a second of CPU; the warm-up thread imports them
after the prompt), unless the config switches a rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import cli_env

REPO = Path(__file__).resolve().parents[2]
# A fresh interpreter: the test process has imported all of them long before.
PROGRAM = """
import json, sys
from cli.launch import checked_settings
from configs.settings import Settings
from models.chat_model import through_litellm
settings = checked_settings(Settings(adaptations={switches}), {model!r})
litellm = through_litellm({model!r}, settings)
heavy = ("langchain_core", "litellm", "adaptations.registry")
print(json.dumps({{"litellm": litellm, "imported": [m for m in heavy if m in sys.modules]}}))
"""


def checked(tmp_path: Path, model: str, switches: dict[str, Any]) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(model=model, switches=switches)],
        cwd=REPO,
        env=cli_env(tmp_path, {"ANTHROPIC_API_KEY": "sk-ant-test"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pytest.mark.parametrize("model", ["openai/scripted-model", "anthropic/claude-sonnet-4-5"])
def test_our_own_paths_are_told_apart_before_the_prompt_with_nothing_heavy(
    tmp_path: Path, model: str
) -> None:
    found, stderr = checked(tmp_path, model, {})
    assert found == {"litellm": False, "imported": []}, stderr


def test_a_switched_rule_is_still_checked_and_an_unknown_one_said(tmp_path: Path) -> None:
    found, stderr = checked(tmp_path, "openai/scripted-model", {"*": {"no-such-rule": True}})
    assert "adaptations.registry" in found["imported"]
    assert "no-such-rule" in stderr
