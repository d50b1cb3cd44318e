"""The server's secret: the variables first, else one key file per ML_INTERN_HOME that every
process on that home shares (two processes starting at once end with one key)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from configs.server_secret import (
    CLIENT_SECRET_ENV,
    KEY_FILE,
    SECRET_ENV,
    derived_key,
    home_secret,
    server_secret,
    shared_secret,
)

REPO = Path(__file__).resolve().parents[2]
PRINT_KEY = "from configs.server_secret import server_secret; print(server_secret().hex())"


def test_the_variables_come_first_in_their_order(tmp_path: Path) -> None:
    home = {"ML_INTERN_HOME": str(tmp_path)}
    both = {**home, SECRET_ENV: "mine", CLIENT_SECRET_ENV: "space"}
    assert server_secret(both) == shared_secret(both) == b"mine"
    assert server_secret({**home, CLIENT_SECRET_ENV: "space"}) == b"space"
    assert shared_secret(home) is None
    assert not (tmp_path / KEY_FILE).exists()  # with a variable set, no file is made


def test_without_them_a_key_file_only_its_owner_reads_is_made_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"ML_INTERN_HOME": str(home)}
    key = server_secret(env)
    path = home / KEY_FILE
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == [KEY_FILE]  # no candidate left behind
    assert server_secret(env) == key


def test_each_purpose_has_its_own_key(tmp_path: Path) -> None:
    env = {"ML_INTERN_HOME": str(tmp_path)}
    assert derived_key("approval record", env) != derived_key("another", env)
    assert derived_key("approval record", env) == derived_key("approval record", env)
    assert derived_key("approval record", {**env, SECRET_ENV: "x"}) != derived_key(
        "approval record", env
    )


def test_processes_starting_at_once_end_with_one_key(tmp_path: Path) -> None:
    home = tmp_path / "shared-home"
    env = {k: v for k, v in os.environ.items() if k not in (SECRET_ENV, CLIENT_SECRET_ENV)}
    env["ML_INTERN_HOME"] = str(home)
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", PRINT_KEY], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in starts}
    assert all(process.returncode == 0 for process in starts)
    assert keys == {(home / KEY_FILE).read_bytes().hex()}


@pytest.mark.parametrize("planted", ["short", "link", "folder"])
def test_a_key_file_it_did_not_write_is_refused_with_the_fix(tmp_path: Path, planted: str) -> None:
    home = tmp_path / planted
    home.mkdir()
    path = home / KEY_FILE
    if planted == "short":
        path.write_bytes(b"guessable")
    elif planted == "link":
        (tmp_path / "elsewhere").write_bytes(b"k" * 32)
        path.symlink_to(tmp_path / "elsewhere")
    else:
        path.mkdir()
    with pytest.raises((RuntimeError, OSError)) as refused:
        home_secret(home)
    if planted == "short":
        assert "Delete it" in str(refused.value)


def test_a_process_that_finds_the_key_made_after_its_look_keeps_that_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race's loser: it looked, found no key, another process made one before its own
    link; it takes the winner's key and leaves no candidate behind."""
    home = tmp_path / "raced"
    home.mkdir()
    (home / KEY_FILE).write_bytes(b"w" * 32)
    with monkeypatch.context() as patched:
        patched.setattr(os.path, "lexists", lambda _path: False)  # its look came first
        assert home_secret(home) == b"w" * 32
    assert sorted(p.name for p in home.iterdir()) == [KEY_FILE]
