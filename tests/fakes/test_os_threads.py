"""A zygote's check before it forks sees native threads, which `threading` does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.cli_zygote import ML_ENV

REPO = Path(__file__).resolve().parents[2]  # where `tests.fakes` imports from
START_A_THREAD_THEN_CHECK = """
import threading
from tests.fakes.os_threads import require_one_thread
threading.Thread(target=threading.Event().wait, daemon=True).start()
require_one_thread("before a fork")
"""
IMPORT_PYARROW_THEN_CHECK = """
import threading
import pyarrow
from tests.fakes.os_threads import require_one_thread
assert threading.active_count() == 1  # Python sees no thread of pyarrow's
require_one_thread("after pyarrow")
"""


def test_a_second_thread_is_counted_and_refused() -> None:
    started = subprocess.run(
        [sys.executable, "-c", START_A_THREAD_THEN_CHECK],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert started.returncode != 0, started.stderr
    assert "before a fork: 2 threads running (python, python)" in started.stderr


def test_pyarrow_s_purging_thread_is_seen_and_ml_env_keeps_it_from_starting() -> None:
    base = {k: v for k, v in os.environ.items() if k not in ML_ENV}
    run = [sys.executable, "-c", IMPORT_PYARROW_THEN_CHECK]
    ran = {"cwd": REPO, "capture_output": True, "text": True, "timeout": 120}
    bare = subprocess.run(run, env=base, **ran)
    assert bare.returncode != 0 and "jemalloc_bg_thd" in bare.stderr, bare.stderr
    kept = subprocess.run(run, env={**base, **ML_ENV}, **ran)
    assert kept.returncode == 0, kept.stderr
