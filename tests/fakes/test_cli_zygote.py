"""The zygote's runs behave as fresh `python -m cli` processes do, to the tests that use them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.cli_zygote import run as zygote_run

CLI = [sys.executable, "-m", "cli"]


def test_a_run_has_its_own_output_exit_code_and_place(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    for args in (["--version"], ["--no-such-flag"]):
        forked = zygote_run([*CLI, *args], cwd=tmp_path, env=env, text=True, timeout=60)
        fresh = subprocess.run(
            [*CLI, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert (forked.returncode, forked.stdout, forked.stderr) == (
            fresh.returncode,
            fresh.stdout,
            fresh.stderr,
        )
    assert forked.returncode == 2 and "no-such-flag" in forked.stderr


def test_a_killed_run_reports_the_signal_like_popen(tmp_path: Path) -> None:
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    with ZygotePopen(
        [*CLI, "-"], cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as run:  # fmt: skip
        assert run.pid != os.getpid() and run.poll() is None  # waiting on its stdin
        run.send_signal(signal.SIGKILL)
        assert run.wait(30) == -signal.SIGKILL
        assert run.poll() == -signal.SIGKILL
