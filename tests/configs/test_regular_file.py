"""Files the agent may plant where ml-intern reads at start (`.env`, AGENTS.md): a FIFO or a
link there is skipped, never followed or blocked on."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from configs.environment import load_dotenv_files
from configs.regular_file import read_regular


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("ok")
    (tmp_path / "host").write_text("HOST")
    (tmp_path / "link").symlink_to(tmp_path / "host")
    os.mkfifo(tmp_path / "pipe")
    assert read_regular(tmp_path / "plain", 10) == b"ok"
    assert read_regular(tmp_path / "link", 10) is None
    assert read_regular(tmp_path / "pipe", 10) is None
    assert read_regular(tmp_path / "missing", 10) is None


def test_a_fifo_or_link_planted_as_dotenv_is_skipped_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.env"
    outside.write_text("PLANTED_BY_LINK=1\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").symlink_to(outside)
    os.mkfifo(tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANTED_BY_LINK", raising=False)
    done: list[bool] = []
    worker = threading.Thread(
        target=lambda: done.append(load_dotenv_files(project) is None), daemon=True
    )
    worker.start()
    worker.join(timeout=30)
    assert done, "loading .env blocked on the FIFO"
    assert "PLANTED_BY_LINK" not in os.environ
