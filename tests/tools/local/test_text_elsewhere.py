"""A small model's edit whose text is absent names the workspace file that holds it
(docs/lab, fix-bug: check.py's assertion sent as old_str of stats.py, four times)."""

from __future__ import annotations

from pathlib import Path

from adaptations.registry import BY_NAME
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs

# Off by default (never fired on dev pass 1): switched on, for any model.
ON = (BY_NAME["text-elsewhere"],)

STATS = "def min_max(xs):\n    lo, hi = min(xs), max(xs)\n    return [(x - lo) / (hi + lo) for x in xs]\n"
CHECK = "from stats import min_max\n\nassert min_max([2, 4, 6]) == [0.0, 0.5, 1.0]\n"
WRONG = {"path": "stats.py", "old_str": "min_max([2, 4, 6]) == [0.0, 0.5, 1.0]", "new_str": "x"}


async def edit_after_read(
    workspace: Path, args: dict[str, object], small: bool, **context: object
) -> str:
    specs = {s.name: s.tool for s in local_specs()}
    tokens: dict[str, object] = {"read_tokens": 1000} if small else {}
    tokens |= context
    await call_tool(specs["read"], {"path": str(args["path"])}, workspace, **tokens)
    message = await call_tool(specs["edit"], args, workspace, as_tool_call=True, **tokens)
    assert message.status == "error"
    return str(message.content)


async def test_the_file_that_holds_the_text_is_named_to_every_model(tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(STATS)
    (tmp_path / "check.py").write_text(CHECK)
    small = await edit_after_read(tmp_path, WRONG, small=True, rules=ON)
    assert small.endswith("\nThat text is in check.py, line 3, not in stats.py.")
    check_snapshot("text_elsewhere.md", small + "\n")
    large = await edit_after_read(tmp_path, WRONG, small=False, rules=ON)
    assert large == small  # `text-elsewhere` helps any model
    off = await edit_after_read(tmp_path, WRONG, small=False, rules=frozenset())
    assert "check.py" not in off and off == small.rpartition("\n")[0]
    nowhere = await edit_after_read(
        tmp_path, {**WRONG, "old_str": "no such text"}, small=True, rules=ON
    )
    assert "That text is in" not in nowhere
    assert (tmp_path / "stats.py").read_text() == STATS
