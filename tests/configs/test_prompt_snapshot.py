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
SMALL = "llamacpp/qwen2.5-coder-1.5b"
LARGE = "anthropic/claude-sonnet-4-5-20250929"


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
    from tools.families import build_catalog
    from tools.skills import scan_skills

    memory = [MemoryFile(Path("/home/user/project/AGENTS.md"), "Use uv, never pip.")]
    prompt = render_system_prompt(
        mode=mode,
        model="anthropic/claude-sonnet-4-5-20250929",
        tools=[*build_catalog(Settings()).names, "research", "experiments"],
        skills=scan_skills(None, env={"HOME": "/nonexistent"}).skills,  # the bundled skills
        memory=memory,
        hf_user="alice",
    )
    check_snapshot(f"system_prompt_{mode}.md", prompt)


def test_small_window_prompt_and_tools_snapshot(tmp_path: Path) -> None:
    """What a small-window model sees: the compact prompt, one line per skill, the core tools
    with one-line descriptions and `more_tools`."""
    from graph.research_agent import with_research
    from tools.families import build_catalog, offered_tools, with_more_tools
    from tools.skills import scan_skills

    settings = Settings()
    catalog = with_more_tools(with_research(build_catalog(settings), settings, tmp_path))
    prompt = render_system_prompt(
        mode="headless",
        model="llamacpp/qwen2.5-coder-1.5b",
        tools=catalog.names,
        skills=scan_skills(None, env={"HOME": "/nonexistent"}).skills,
        small=True,
    )
    check_snapshot("system_prompt_small.md", prompt)
    offered = offered_tools(catalog, small=True, history=[])
    from langchain_core.utils.function_calling import convert_to_openai_tool

    schemas = [convert_to_openai_tool(tool) for tool in offered]
    check_snapshot("tool_schemas_small.json", json.dumps(schemas, indent=2, sort_keys=True) + "\n")


def test_lean_request_prompt_and_tools_snapshot(tmp_path: Path) -> None:
    """What a small-window model sees with `lean-request` on: the compact prompt with the
    skills by name and no line naming the model, the lean core tools in lean schemas (no
    optional argument a chore rarely needs, no `null` unions, no bounds) and `more_tools`
    naming every other tool, `plan` and `research` among them."""
    from graph.experiments import with_ledger
    from graph.research_agent import with_research
    from tools.families import build_catalog, offered_tools, with_more_tools
    from tools.skills import scan_skills

    settings = Settings()
    catalog = with_research(build_catalog(settings), settings, tmp_path)
    catalog = with_more_tools(with_ledger(catalog, tmp_path))
    bundled = scan_skills(None, env={"HOME": "/nonexistent"}).skills
    options = {"mode": "headless", "hf_user": "alice", "small": True, "lean": True}
    prompt = render_system_prompt(model=SMALL, tools=catalog.names, skills=bundled, **options)
    check_snapshot("system_prompt_lean.md", prompt)
    assert SMALL not in prompt and "sft-trl, " in prompt
    schemas = offered_tools(catalog, small=True, lean=True, history=[])
    check_snapshot("tool_schemas_lean.json", json.dumps(schemas, indent=2, sort_keys=True) + "\n")
    more = schemas[-1]["function"]
    assert more["name"] == "more_tools"
    assert {"plan,", "research,"} <= set(more["description"].split())


def test_a_prompt_never_names_a_missing_tool_and_skips_empty_sections() -> None:
    prompt = render_system_prompt(mode="interactive", model="openai/gpt-4o", tools=["bash", "read"])
    check_snapshot("system_prompt_minimal.md", prompt)
    missing = ("hf_docs_search", "github_find_examples", "hf_papers", "to research", "`skill`")
    for absent in missing:
        assert absent not in prompt
    assert (
        "# Skills" not in prompt and "AGENTS.md" not in prompt and "Hugging Face user" not in prompt
    )


def test_research_prompt_snapshot(tmp_path: Path) -> None:
    """The research sub-agent's system prompt, brief and partial-report instruction."""
    from graph.research_agent import SUMMARY_SYSTEM, brief, research_catalog, with_research
    from tools.families import build_catalog
    from tools.research import ResearchRequest
    from tools.skills import scan_skills

    settings = Settings()
    catalog = research_catalog(with_research(build_catalog(settings), settings, tmp_path))
    prompt = render_system_prompt(
        mode="interactive",
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


def rules_lines(model: str, files: str = "", request: str = "") -> list[str]:
    """The lines `model`'s rules add to its runtime note (adaptations/loops.py `note_lines`),
    every rule that applies to it on (the table example is off by default), given the
    workspace's `files` and the turn's `request`."""
    import asyncio

    from adaptations.hooks import RuntimeNote
    from adaptations.loops import note_lines
    from adaptations.registry import RULES
    from configs.model_profile import profile_of

    async def listed() -> str:
        return files

    profile = profile_of(model, env={})
    rules = [rule for rule in RULES if rule.applies(profile)]
    return asyncio.run(note_lines(rules, RuntimeNote(profile, request, Path("/ws"), listed)))


def test_runtime_note_snapshot() -> None:
    plan = [
        {"id": "1", "content": "Inspect the dataset", "status": "completed"},
        {"id": "2", "content": "Fine-tune the model", "status": "in_progress"},
        {"id": "3", "content": "Push and report", "status": "pending"},
    ]
    note = runtime_note(plan, today=dt.date(2026, 1, 2), workspace="/home/user/project")
    check_snapshot("runtime_note.md", note + "\n")
    small = runtime_note(
        plan, today=dt.date(2026, 1, 2), workspace="/home/user/project", lines=rules_lines(SMALL)
    )
    check_snapshot("runtime_note_small.md", small + "\n")
    files = (
        "data/train.jsonl 46.7 kB\nsales.csv 10.7 kB, first line: id,region,amount\n"
        "apples.txt 48 B\nruns/ (not listed)"
    )
    lines = rules_lines(SMALL, files, "What is the sum of the amount column of sales.csv?")
    listed = runtime_note(today=dt.date(2026, 1, 2), workspace="/ws", lines=lines)
    check_snapshot("runtime_note_small_files.md", listed + "\n")
    assert rules_lines(LARGE, files, "What is the sum of the amount column of sales.csv?") == []
    order = "Write the total amount of each region in sales.csv to totals.csv."
    ordered = runtime_note(
        today=dt.date(2026, 1, 2), workspace="/ws", lines=rules_lines(SMALL, files, order)
    )
    check_snapshot("runtime_note_small_order.md", ordered + "\n")
    pick = "Which region of sales.csv has the highest total amount?"
    picked = runtime_note(
        today=dt.date(2026, 1, 2), workspace="/ws", lines=rules_lines(SMALL, files, pick)
    )
    check_snapshot("runtime_note_small_pick.md", picked + "\n")


def test_order_examples_snapshot() -> None:
    """The program an order gets for each kind of file it can ask for."""
    from configs.note_examples import ORDER_WRITES, example_order

    files = "sales.csv 10.7 kB, first line: id,region,amount"
    shown = [
        example_order(files, f"Write the amounts of sales.csv to out{suffix}.") or ""
        for suffix in ORDER_WRITES
    ]
    check_snapshot("order_examples.md", "\n\n".join(shown) + "\n")
    # a large window's note never lists files


def test_runtime_note_with_runs_snapshot() -> None:
    """After a compaction: one line per run, as the ledger measured it."""
    from graph.experiment_report import runtime_lines
    from store.experiments import Experiment

    series = {"loss": {"final": 0.71, "best": 0.7, "points": [[1, 1.9], [2, 0.7]]}}
    run = Experiment(
        id="exp-1a2b3c4d", thread_id="t", call_id="c1", kind="hf_job",
        name="train_lr3e-4.py on a10g-small", status="COMPLETED", started_at=0.0,
        ended_at=1800.0, price_per_hour=1.0, metrics={"main": "loss", "series": series},
    )  # fmt: skip
    note = runtime_note(today=dt.date(2026, 1, 2), runs=runtime_lines([run]))
    check_snapshot("runtime_note_runs.md", note + "\n")


async def test_tool_schemas_snapshot(tmp_path: Path) -> None:
    """Every tool the model can get: the built-ins, research, notify and wrapped MCP tools."""
    import sys

    from graph.experiments import with_ledger
    from graph.research_agent import with_research
    from tools.external.mcp import open_mcp
    from tools.families import build_catalog

    slack = {"destinations": {"team": {"token": "xoxb-1", "channel": "C1"}}}
    settings = Settings(messaging=slack)
    catalog = with_ledger(with_research(build_catalog(settings), settings, tmp_path), tmp_path)
    root = Path(__file__).resolve().parents[2]
    fake = {"command": sys.executable, "args": ["-m", "tests.fakes.mcp_stdio_server"]}
    async with open_mcp({"fake": {**fake, "cwd": str(root)}}) as mcp:
        catalog = catalog.extended(mcp.specs())
    names = set(catalog.names)
    assert {"research", "notify", "skill", "fake__echo"} <= names
    check_snapshot(
        "tool_schemas.json", json.dumps(catalog.schemas(), indent=2, sort_keys=True) + "\n"
    )
