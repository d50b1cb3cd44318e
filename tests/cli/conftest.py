"""Running the real `ml-intern` command in a subprocess, isolated per test.

Every run gets its own ML_INTERN_HOME, config dir and workspace, so the end-to-end tests
share no state and can run in parallel (`pytest -n auto`). Runs are forked from a process
that imported the third-party libraries once (tests/fakes/cli_zygote.py); `Cli(fresh=True)`
spawns a new interpreter, for tests of start-up itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer

COMMAND = [sys.executable, "-m", "cli"]
RUN_TIMEOUT_S = 100


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cli_e2e: runs the real ml-intern command in subprocesses (isolated, parallel-safe)",
    )


@dataclass
class Cli:
    """Runs `ml-intern` with an isolated environment against an optional scripted server."""

    env: dict[str, str]
    cwd: Path
    home: Path
    fresh: bool = False  # a new interpreter per run (every run: ML_INTERN_TESTS_FRESH_CLI=1)

    def use_server(self, server: ScriptedLLMServer) -> None:
        self.env["OPENAI_API_BASE"] = server.url

    def run(
        self, *args: str, input: str | None = None, timeout: float = RUN_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        runner = subprocess.run if self.fresh else zygote_run
        return runner(
            [*COMMAND, *args],
            cwd=self.cwd,
            env=self.env,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        spawn = subprocess.Popen if self.fresh else ZygotePopen
        return spawn(
            [*COMMAND, *args],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def cli_env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "ML_INTERN_CLI_CONFIG",
            "OPENAI_BASE_URL",
            "OPENAI_API_BASE",
            "HF_TOKEN",
            "ML_INTERN_DATABASE_URL",
        )
        and not k.endswith("_API_KEY")
    }
    env.update(
        {
            "ML_INTERN_HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            "HOME": str(tmp_path),
            "ML_INTERN_NO_HF_PROMPT": "1",
            "OPENAI_API_KEY": "sk-test",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "TERM": "dumb",
            "NO_COLOR": "1",
            "COLUMNS": "120",
        }
    )
    env.update(extra or {})
    return env


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return Cli(env=cli_env(tmp_path), cwd=workspace, home=tmp_path / "home")


def lines_of(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]


# A bash command that records its process group in `started` and sleeps; run again (after a
# kill), it finds the file and answers at once.
SLEEP_ONCE = "if [ -f started ]; then echo second run; else echo $$ > started; sleep 30; fi"


def kill_9_mid_tool(process: subprocess.Popen[str], started: Path) -> None:
    """SIGKILL `process` once its tool has written `started` (SLEEP_ONCE), and the tool's
    process group with it: a crash in the middle of a tool call."""
    try:
        deadline = time.monotonic() + 90
        while not started.exists() or not started.read_text().strip():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the tool never started"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int(started.read_text().strip()), signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.communicate()
