"""What the model sees is reviewed: the rendered system prompt and the tool schemas are snapshots.

After an intended change, regenerate with `UPDATE_SNAPSHOTS=1 uv run pytest tests/configs/test_prompt_snapshot.py`
and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from configs.prompt import render_system_prompt

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), (
        f"{name} changed: review it, then UPDATE_SNAPSHOTS=1"
    )


def test_system_prompt_snapshot() -> None:
    prompt = render_system_prompt(
        cwd="/home/user/project",
        model="anthropic/claude-sonnet-4-5-20250929",
        tools=["bash", "read", "write", "edit", "glob", "grep", "plan"],
        plan=[
            {"id": "1", "content": "Inspect the dataset", "status": "completed"},
            {"id": "2", "content": "Fine-tune the model", "status": "in_progress"},
        ],
        today=dt.date(2026, 1, 2),
    )
    check_snapshot("system_prompt.md", prompt)


def test_tool_schemas_snapshot(tmp_path: Path) -> None:
    from configs.settings import Settings
    from tools.families import build_catalog

    schemas = build_catalog(Settings()).schemas()
    check_snapshot("tool_schemas.json", json.dumps(schemas, indent=2, sort_keys=True) + "\n")
