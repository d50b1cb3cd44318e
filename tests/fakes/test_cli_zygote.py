"""The zygote's runs behave as fresh `python -m cli` processes do, to the tests that use them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.cli_zygote import ML_ENV, ZygotePopen
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


SCRIPT = """import json, os, random, sys
seen = [__name__, sys.argv, sys.path[0], os.getcwd(), os.environ["ASKED"]]
print(json.dumps(seen), "torch" in sys.modules)
print(random.random(), file=sys.stderr)
sys.exit(3)
"""


def test_a_script_runs_as_main_with_its_argv_place_and_environment(tmp_path: Path) -> None:
    script = tmp_path / "tool" / "train.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    env = {**os.environ, **ML_ENV, "ASKED": "yes"}
    argv = [sys.executable, str(script), "--steps", "3"]
    forked = [zygote_run(argv, cwd=tmp_path, env=env, text=True, timeout=60) for _ in range(2)]
    fresh = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    seen = json.loads(fresh.stdout.rsplit(" ", 1)[0])
    assert seen == ["__main__", argv[1:], str(script.parent), str(tmp_path), "yes"]
    for run in forked:
        assert run.returncode == fresh.returncode == 3
        assert run.stdout.replace("True", "False") == fresh.stdout  # torch is only preloaded
    assert forked[0].stderr != forked[1].stderr  # each run's RNG is seeded afresh
    with pytest.raises(ValueError, match="OMP_NUM_THREADS"):
        zygote_run(argv, cwd=tmp_path, env={**env, "OMP_NUM_THREADS": "4"}, timeout=60)


def test_a_run_finds_with_the_prebuilt_secret_rules_what_a_fresh_process_finds(
    tmp_path: Path,
) -> None:
    text = "token ghp_" + "a1B2c3D4e5" * 3 + "aBcDeF\nkey=AKIA" + "Z7QW3RTY5UIO2PAS" + "\n"
    argv = [sys.executable, "-m", "tests.fakes.prebuilt_secret_rules"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    forked = zygote_run(argv, input=text, cwd=tmp_path, env=env, text=True, timeout=60)
    fresh = subprocess.run(
        argv, input=text, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert forked.returncode == 0 == fresh.returncode, (forked.stderr, fresh.stderr)
    forked_found, fresh_found = json.loads(forked.stdout), json.loads(fresh.stdout)
    assert forked_found["prebuilt"] and not fresh_found["prebuilt"]
    assert forked_found["found"] == fresh_found["found"] != []
