"""The `kept-lines` rule: a small model's `write` over a file it read that keeps under half of
the file's lines is not run, and it is told how many it keeps and how to `edit` lines instead;
a write that keeps the file, a new file, a file not read and a large model's write run as
before."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from configs.model_profile import profile_of
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.local.kept_lines import lines_kept, rewrite_refusal

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# kept-lines alone: its pair, settings-made (on by default with it), asks for the answer once a
# write made the settings the request names
ON = {SMALL: {"kept-lines": True, "settings-made": False}}
CONFIG = "".join(f"key_{n} = {n}\n" for n in range(12)) + "\n# the end\n"
TWO_LINES = "key_3 = 30\nkey_7 = 70"


def test_a_line_is_kept_when_the_new_text_holds_it_as_often() -> None:
    assert profile_of(SMALL).small_window  # the model the tests below run
    assert lines_kept(CONFIG, CONFIG.replace("key_3 = 3", "key_3 = 30")) == (12, 13)
    assert lines_kept(CONFIG, TWO_LINES) == (0, 13)
    assert lines_kept("a\na\nb\n\n", "  a  \nb\n") == (2, 3)  # blank lines and end spaces aside


def test_only_a_write_that_drops_most_of_a_file_of_several_lines_is_answered() -> None:
    assert rewrite_refusal("c.toml", CONFIG, TWO_LINES) is not None
    seven = "".join(CONFIG.splitlines(keepends=True)[:7])
    assert rewrite_refusal("c.toml", CONFIG, seven) is None  # keeps 7 of 13: more than half
    assert rewrite_refusal("c.toml", "a = 1\nb = 2\n", "a = 3\n") is None  # too short to judge
    refusal = rewrite_refusal("c.toml", CONFIG, TWO_LINES)
    check_snapshot("write_kept_lines_small.md", f"{refusal}\n")


async def _run(settings: Any, llm: ScriptedLLMServer, workspace: Path, *calls: dict) -> list[str]:
    """The tool results the model saw, one per call, in a turn that makes `calls` in turn."""
    llm.add(*(Turn(tool_calls=[call]) for call in calls), Turn(content="Done."))
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("In c.toml, set key_3 to 30 and key_7 to 70."))
    return [str(m["content"]) for m in llm.requests[-1]["messages"] if m["role"] == "tool"]


def _call(tool: str, **args: Any) -> dict[str, Any]:
    return {"name": tool, "arguments": args}


READ = _call("read", path="c.toml")
CLOBBER = _call("write", path="c.toml", content=TWO_LINES)


async def test_a_small_models_rewrite_of_a_file_it_read_is_held_and_edits_then_run(
    small_llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "c.toml").write_text(CONFIG)
    edit = _call("edit", path="c.toml", old_str="key_3 = 3", new_str="key_3 = 30")
    settings = fast_settings(None, model_name=SMALL, adaptations=ON)
    read, held, edited = await _run(settings, small_llm, workspace, READ, CLOBBER, edit)
    assert "key_11 = 11" in read
    assert "Not written: c.toml has 13 lines with text, and this content keeps 0 of them" in held
    assert edited.startswith("Edited c.toml: 1 replacement")
    assert (workspace / "c.toml").read_text() == CONFIG.replace("key_3 = 3\n", "key_3 = 30\n")


async def test_writes_that_keep_the_file_or_make_a_new_one_run_as_before(
    small_llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "c.toml").write_text(CONFIG)
    kept = CONFIG.replace("key_3 = 3", "key_3 = 30").replace("key_7 = 7", "key_7 = 70")
    new = _call("write", path="notes.md", content="two\nlines")
    settings = fast_settings(None, model_name=SMALL, adaptations=ON)
    results = await _run(settings, small_llm, workspace, READ, _call("write", path="c.toml",
                         content=kept), new)  # fmt: skip
    assert results[1:] == ["Wrote 14 lines to c.toml", "Wrote 2 lines to notes.md (new file)"]
    assert (workspace / "c.toml").read_text() == kept


async def test_a_file_not_read_gets_the_writes_own_answer_and_a_large_model_is_not_held(
    small_llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "c.toml").write_text(CONFIG)
    settings = fast_settings(None, model_name=SMALL, adaptations=ON)
    [unread] = await _run(settings, small_llm, workspace, CLOBBER)
    assert "you have not read it" in unread and "Not written" not in unread
    assert (workspace / "c.toml").read_text() == CONFIG
    large = await _run(fast_settings(small_llm.url), small_llm, workspace, READ, CLOBBER)
    assert large[1] == "Wrote 2 lines to c.toml"  # off for a large model: as before
    assert (workspace / "c.toml").read_text() == TWO_LINES


async def test_on_by_default_for_a_small_model_and_switched_off_in_config(
    small_llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "c.toml").write_text(CONFIG)
    held = await _run(fast_settings(None, model_name=SMALL), small_llm, workspace, READ, CLOBBER)
    assert held[1].startswith("Not written: c.toml has 13 lines with text")
    assert (workspace / "c.toml").read_text() == CONFIG
    off = fast_settings(None, model_name=SMALL, adaptations={SMALL: {"kept-lines": False}})
    assert (await _run(off, small_llm, workspace, READ, CLOBBER))[1] == "Wrote 2 lines to c.toml"


async def test_a_link_in_place_of_the_file_is_not_read_for_the_check(
    small_llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    """The check reads the file the way `read` does: a symlink swapped in after the read is not
    followed, and the write itself then refuses it."""
    outside = tmp_path / "outside.txt"
    outside.write_text(CONFIG)
    (workspace / "c.toml").write_text(CONFIG)
    replies = iter([Turn(tool_calls=[CLOBBER]), Turn(content="Done.")])

    def swap_then_write(_request: dict[str, Any]) -> Turn:
        if not (workspace / "c.toml").is_symlink():
            (workspace / "c.toml").unlink()
            (workspace / "c.toml").symlink_to(outside)
        return next(replies)

    small_llm.add(Turn(tool_calls=[READ]))
    small_llm.responder = swap_then_write
    settings = fast_settings(None, model_name=SMALL, adaptations=ON)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("In c.toml, set key_3 to 30."))
    [_, refused] = [m["content"] for m in small_llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert "symlink" in str(refused) and "Not written" not in str(refused)
    assert outside.read_text() == CONFIG


def test_a_fifo_in_place_of_the_file_is_not_read_for_the_check(tmp_path: Path) -> None:
    """The check opens the file non-blocking and refuses what is not a regular file: a FIFO
    put where the file was gives no text to compare (and no hang)."""
    from tools.local.file_checks import Place
    from tools.local.kept_lines import current_text

    (tmp_path / "c.toml").write_text(CONFIG)
    place = Place(tmp_path / "c.toml", tmp_path, "c.toml")
    assert current_text(place, None) == CONFIG
    (tmp_path / "c.toml").unlink()
    os.mkfifo(tmp_path / "c.toml")
    assert current_text(place, None) is None
