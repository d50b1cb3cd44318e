"""`ml-intern web` serves people without the dev runtime's blocking-call traps; the suite and
Studio keep them, so a blocking call on the event loop still fails a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.studio import CHECK_BLOCKING_ENV, dev_args, langgraph_program
from cli.web import blocking_checks


def test_the_suite_runs_every_server_with_the_checks() -> None:
    assert os.environ.get(CHECK_BLOCKING_ENV) == "1"  # tests/conftest.py


def test_web_turns_the_checks_off_unless_asked_and_studio_keeps_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "langgraph.json"
    monkeypatch.delenv(CHECK_BLOCKING_ENV)
    web = dev_args(config, "127.0.0.1", 8123, 4, {**os.environ, **blocking_checks()})
    assert web[-1] == "--allow-blocking"
    studio = dev_args(config, "127.0.0.1", 8123, 4, dict(os.environ))
    assert "--allow-blocking" not in studio
    monkeypatch.setenv(CHECK_BLOCKING_ENV, "1")
    asked = dev_args(config, "127.0.0.1", 8123, 4, {**os.environ, **blocking_checks()})
    assert "--allow-blocking" not in asked


def test_the_installed_langgraph_dev_takes_the_flag() -> None:
    shown = subprocess.run(
        [langgraph_program(), "dev", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--allow-blocking" in shown, sys.executable
