"""What the agent plants in its workspace cannot make the secrets' refresh
(tools/secrets/sources.py) list or read a host folder: the workspace is walked by descriptor,
no link followed, each file opened non-blocking and checked on the descriptor it is read from.
The home's own credential places are the user's, read by name as before."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fakes.by_name import by_name
from tests.fakes.open_routes import open_route  # noqa: F401 (autouse fixture)
from tests.fakes.path_flipper import PathFlipper, planted_flip
from tools.secrets import sources
from tools.secrets.known import KNOWN


def _known(value: str) -> bool:
    return value not in KNOWN.mask(f"out: {value}", env={})


def _host_with_env(tmp_path: Path) -> tuple[Path, str]:
    """A host folder outside the workspace holding a `.env` with a value new to this process."""
    host = tmp_path / "host"
    host.mkdir()
    token = secrets.token_hex(16)
    (host / ".env").write_text(f"API_KEY={token}\n")
    (host / "credentials.json").write_text(f'{{"api_key": "{token}x"}}')
    return host, token


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace in a home of its own (the user's credential places are never read)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "ws").mkdir(parents=True)
    return tmp_path / "home" / "ws"


def test_a_folder_flipping_with_a_link_to_a_host_folder_never_has_its_files_read(
    tmp_path: Path, workspace: Path
) -> None:
    """Between the listing's type check and the folder's listing (or a file's open by name),
    the agent swaps the folder for a link to a host folder: the host read the `.env` there."""
    host, token = _host_with_env(tmp_path)
    (workspace / "runs").mkdir()  # a level down: opened from a folder's descriptor, not the root's
    real, link = planted_flip(workspace / "runs", host)
    mine = secrets.token_hex(16)
    (real / ".env").write_text(f"API_KEY={mine}\n")
    sources.refresh(workspace)  # the rule set's first load, before the race
    refreshes, deadline, interval = 0, time.monotonic() + 10, sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the refresh gets the GIL back soon after each system call
    with contextlib.ExitStack() as stack:
        stack.callback(sys.setswitchinterval, interval)
        flipper = stack.enter_context(PathFlipper(real, link))
        while (refreshes < 300 or not flipper.at_least(3000)) and time.monotonic() < deadline:
            sources.refresh(workspace)
            refreshes += 1
            assert not _known(token), f"the host's .env was read after {refreshes} refreshes"
    assert refreshes >= 300 and flipper.at_least(3000)
    assert _known(mine)  # the folder's own, read whenever the walk found it real


def test_links_planted_in_the_workspace_are_neither_listed_nor_read(
    tmp_path: Path, workspace: Path
) -> None:
    """A link to a host folder, and `.env` / credential files linked to host files: the host
    opens or lists nothing beneath the workspace by name, and learns nothing through them."""
    host, token = _host_with_env(tmp_path)
    (workspace / "linked").symlink_to(host, target_is_directory=True)
    (workspace / ".env").symlink_to(host / ".env")
    (workspace / "deep").mkdir()
    (workspace / "deep" / "credentials.json").symlink_to(host / "credentials.json")
    with by_name() as seen:
        sources.refresh(workspace)
    assert not _known(token) and not _known(f"{token}x")
    assert [line for line in seen if f"{workspace}/" in line or str(host) in line] == []


def test_a_fifo_planted_as_a_env_is_skipped_not_waited_on(tmp_path: Path, workspace: Path) -> None:
    """A FIFO named like a credential file blocks a reader forever unless it is opened
    non-blocking: the refresh ends, and the real files beside it are still learned."""
    os.mkfifo(workspace / ".env")
    (workspace / "sub").mkdir()
    os.mkfifo(workspace / "sub" / "credentials.csv")
    mine = secrets.token_hex(16)
    (workspace / "sub" / ".env.local").write_text(f"API_KEY={mine}\n")
    done = threading.Event()
    thread = threading.Thread(target=lambda: (sources.refresh(workspace), done.set()), daemon=True)
    thread.start()
    assert done.wait(10), "the refresh hung on a FIFO"
    assert _known(mine)
