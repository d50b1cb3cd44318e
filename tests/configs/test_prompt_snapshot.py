"""What the model sees is reviewed: the rendered system prompt and the tool schemas are snapshots.

After an intended change, regenerate with `UPDATE_SNAPSHOTS=1 uv run pytest tests/configs/test_prompt_snapshot.py`
and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from configs.memory import MemoryFile
from configs.prompt import render_system_prompt, runtime_note
from configs.run_context import Mode
from configs.settings import Settings

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


@pytest.mark.parametrize("mode", ["interactive", "headless"])
def test_system_prompt_snapshot(mode: Mode) -> None:
    from configs.skills import scan_skills
    from tools.families import build_catalog

    memory = [MemoryFile(Path("/home/user/project/AGENTS.md"), "Use uv, never pip.")]
    prompt = render_system_prompt(
        mode=mode,
        cwd="/home/user/project",
        model="anthropic/claude-sonnet-4-5-20250929",
        tools=[*build_catalog(Settings()).names, "research"],
        skills=scan_skills(None, env={"HOME": "/nonexistent"}).skills,  # the bundled skills
        memory=memory,
        hf_user="alice",
    )
    check_snapshot(f"system_prompt_{mode}.md", prompt)


def test_a_prompt_never_names_a_missing_tool_and_skips_empty_sections() -> None:
    prompt = render_system_prompt(
        mode="interactive", cwd="/w", model="openai/gpt-4o", tools=["bash", "read"]
    )
    check_snapshot("system_prompt_minimal.md", prompt)
    missing = ("hf_docs_search", "github_find_examples", "hf_papers", "to research", "`skill`")
    for absent in missing:
        assert absent not in prompt
    assert (
        "# Skills" not in prompt and "AGENTS.md" not in prompt and "Hugging Face user" not in prompt
    )


def test_research_prompt_snapshot(tmp_path: Path) -> None:
    """The research sub-agent's system prompt, brief and partial-report instruction."""
    from configs.skills import scan_skills
    from graph.research_agent import SUMMARY_SYSTEM, brief, research_catalog, with_research
    from tools.families import build_catalog
    from tools.research import ResearchRequest

    settings = Settings()
    catalog = research_catalog(with_research(build_catalog(settings), settings, tmp_path))
    prompt = render_system_prompt(
        mode="interactive",
        cwd="/home/user/project",
        model="anthropic/claude-sonnet-4-5-20250929",
        tools=catalog.names,
        skills=scan_skills(None, env={"HOME": "/nonexistent"}).skills,
        hf_user="alice",
        role="research",
    )
    request = ResearchRequest(
        "Best recipe for SFT of a 1B model?", "1 GPU", "headless", tmp_path, "t"
    )
    parts = [prompt, "---- brief", brief(request, settings), "---- partial report", SUMMARY_SYSTEM]
    check_snapshot("research_prompt.md", "\n".join(parts) + "\n")
    assert "`plan`" not in prompt and "push_to_hub" not in prompt


def test_runtime_note_snapshot() -> None:
    plan = [
        {"id": "1", "content": "Inspect the dataset", "status": "completed"},
        {"id": "2", "content": "Fine-tune the model", "status": "in_progress"},
        {"id": "3", "content": "Push and report", "status": "pending"},
    ]
    check_snapshot("runtime_note.md", runtime_note(plan, today=dt.date(2026, 1, 2)) + "\n")


async def test_tool_schemas_snapshot(tmp_path: Path) -> None:
    """Every tool the model can get: the built-ins, research, notify and wrapped MCP tools."""
    import sys

    from graph.research_agent import with_research
    from tools.external.mcp import open_mcp
    from tools.families import build_catalog

    slack = {"destinations": {"team": {"token": "xoxb-1", "channel": "C1"}}}
    settings = Settings(messaging=slack)
    catalog = with_research(build_catalog(settings), settings, tmp_path)
    root = Path(__file__).resolve().parents[2]
    fake = {"command": sys.executable, "args": ["-m", "tests.fakes.mcp_stdio_server"]}
    async with open_mcp({"fake": {**fake, "cwd": str(root)}}) as mcp:
        catalog = catalog.extended(mcp.specs())
    names = set(catalog.names)
    assert {"research", "notify", "skill", "fake__echo"} <= names
    check_snapshot(
        "tool_schemas.json", json.dumps(catalog.schemas(), indent=2, sort_keys=True) + "\n"
    )
