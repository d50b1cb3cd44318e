"""A refresh of the known secrets that ends at the stat marks of its last look
(tools/secrets/sources.py) still learns every secret written since: each change is made after
a refresh that found a settled workspace and home unchanged, and the next refresh must mask it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.settled_files import settle_tree
from tools.secrets import mask_secrets, sources


def _new_env(home: Path, token: str) -> None:
    (home / "project" / ".env").write_text(f"API_KEY={token}\n")


def _edited_env(home: Path, token: str) -> None:
    (home / "project" / "data" / ".env").write_text(f"API_KEY={token}\n")


def _env_in_a_new_folder(home: Path, token: str) -> None:
    (home / "project" / "runs" / "deep").mkdir(parents=True)
    (home / "project" / "runs" / "deep" / ".env.local").write_text(f"API_KEY={token}\n")


def _folder_moved_in(home: Path, token: str) -> None:
    (home / "outside").mkdir()
    (home / "outside" / ".env").write_text(f"API_KEY={token}\n")
    os.rename(home / "outside", home / "project" / "moved")


def _netrc_in_the_home(home: Path, token: str) -> None:
    (home / ".netrc").write_text(f"machine huggingface.co login me password {token}\n")


CHANGES: dict[str, Callable[[Path, str], None]] = {
    "a .env written at the top": _new_env,
    "a .env edited to the same size": _edited_env,
    "a .env in a folder made since": _env_in_a_new_folder,
    "a folder holding a .env moved in": _folder_moved_in,
    "a credential file saved in the home": _netrc_in_the_home,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_secret_written_after_an_unchanged_look_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    workspace = home / "project"
    (workspace / "data").mkdir(parents=True)
    placeholder = "x" * 22
    (workspace / "data" / ".env").write_text(f"API_KEY={placeholder}\n")
    for _ in range(2):  # the first look may make folders in the home (caches): settle again
        settle_tree(home)
        sources.refresh(workspace)
    sources.refresh(workspace)  # nothing changed: this one ends at the marks
    token = secrets.token_hex(11)  # new to this process: no other test taught it
    CHANGES[change](home, token)
    sources.refresh(workspace)
    assert token not in mask_secrets(f"the output: {token}")
