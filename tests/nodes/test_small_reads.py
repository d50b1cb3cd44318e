"""A small-window model reading a file too large for its window gets the head, the tail, the
size and how to search it instead (docs/lab, the ML tasks: long-file, token-count);
a large model's read is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from configs.model_profile import profile_of
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.local.read_fit import cut_note, fitted, rough_tokens

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# Off by default since 2026-11-27 (switched off with the never-fired rules to no loss on dev
# pass 1): switched on here.
SWITCHED_ON = {SMALL: {"written-notes": True}}
ANSWER = "warmup_ratio = 0.063"


def settings_ini(sections: int) -> str:
    """A long settings file with the one line asked for in the middle."""
    body = [f"[module_{n}]\nworkers = {n * 7}\nlog_level = info\n" for n in range(sections)]
    body.insert(sections // 2, ANSWER + "\n")
    return "# settings\n" + "".join(body) + "# end of settings\n"


def test_the_cut_notes_snapshot() -> None:
    notes = [cut_note(name, 4002, 60539, 40, 3990) for name in ("sales.csv", "d.json", "a.ini")]
    check_snapshot("read_cut_small.md", "\n\n".join(notes) + "\n")


def test_lines_that_fit_are_left_alone_and_a_cut_keeps_head_and_tail_within_budget() -> None:
    lines = settings_ini(1500).splitlines()
    assert fitted("s.ini", lines[:50], 1, len(lines), 1000, 2304) is None
    cut = fitted("s.ini", lines, 1, len(lines), 60539, 2304)
    assert cut is not None
    assert cut.startswith("     1\t# settings") and cut.endswith("# end of settings")
    assert ANSWER not in cut and "`grep` with `pattern`" in cut
    assert rough_tokens(cut) <= 2304


async def read_as(
    settings: Any, llm: ScriptedLLMServer, workspace: Path, tool: str = "read", **args: Any
) -> str:
    """What the model sees of one `read` (or `tool`) call: the result in its next request."""
    llm.add(Turn(tool_calls=[{"name": tool, "arguments": args}]), Turn(content="Done."))
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("What is warmup_ratio in settings.ini?"))
    [tool] = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    return str(tool["content"])


@pytest.fixture
def small(small_llm: ScriptedLLMServer) -> ScriptedLLMServer:
    assert profile_of(SMALL).small_window
    return small_llm


async def test_a_small_model_reading_a_long_file_is_shown_how_to_search_it(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "settings.ini").write_text(settings_ini(1500))
    seen = await read_as(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON),
        small,
        workspace,
        path="settings.ini",
    )
    assert seen.startswith("     1\t# settings") and "# end of settings" in seen
    assert ANSWER not in seen
    assert "too large to read whole" in seen and "`grep` with `pattern`" in seen
    assert rough_tokens(seen) < 3000  # against ~25,000 for the whole file


async def test_a_small_model_sees_a_short_file_or_a_page_that_fits_whole(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "settings.ini").write_text(settings_ini(1500))
    at = settings_ini(1500).splitlines().index(ANSWER) + 1
    settings = fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON)
    seen = await read_as(settings, small, workspace, path="settings.ini", offset=at, limit=5)
    assert ANSWER in seen and "too large" not in seen and "Call read with offset" in seen


async def test_a_large_model_reads_the_same_file_whole(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "settings.ini").write_text(settings_ini(300))  # under the 20,000-char cap
    seen = await read_as(fast_settings(llm.url), llm, workspace, path="settings.ini")
    assert ANSWER in seen and "too large" not in seen
    assert seen.count("\n") + 1 == len(settings_ini(300).splitlines())


NOT_JSON = {"tool": "write", "path": "metrics.json", "content": "f1 = 0.7667\nmatrix = [[23, 8]]"}


async def test_a_small_model_writing_a_json_file_that_is_not_json_is_told(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    seen = await read_as(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), small, workspace, **NOT_JSON
    )
    check_snapshot("write_not_json_small.md", seen + "\n")
    assert (workspace / "metrics.json").read_text() == NOT_JSON["content"]  # written all the same
    fine = {**NOT_JSON, "content": '{"f1": 0.7667}'}
    again = await read_as(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), small, workspace, **fine
    )
    assert "JSON" not in again


async def test_a_small_models_key_value_lines_are_written_as_sent_never_rewritten(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    """No tool changes a file the model wrote without the model asking: key-value lines in a
    .json file stay as sent, and the model is told they are not JSON."""
    lines = "f1: 0.767\nconfusion_matrix: [[0.742, 0.258], [0.207, 0.793]]"
    call = {**NOT_JSON, "content": lines}
    seen = await read_as(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), small, workspace, **call
    )
    assert "not valid JSON" in seen and "as JSON:" not in seen
    assert (workspace / "metrics.json").read_text() == lines
    (workspace / "metrics.json").unlink()
    large = await read_as(fast_settings(small.url), small, workspace, **call)
    assert large == "Wrote 2 lines to metrics.json (new file)"  # a large model's: as sent
    assert (workspace / "metrics.json").read_text() == lines


async def test_a_yaml_alias_bomb_in_a_json_file_is_not_expanded(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    """The attack: a few lines of YAML aliases that expand to ~10^6 values if converted."""
    bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
    )
    call = {**NOT_JSON, "content": bomb}
    seen = await read_as(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), small, workspace, **call
    )
    assert "not valid JSON" in seen and "as JSON:" not in seen and len(seen) < 400


async def test_a_large_model_writing_the_same_file_gets_the_same_result_as_before(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    seen = await read_as(fast_settings(llm.url), llm, workspace, **NOT_JSON)
    assert seen == "Wrote 2 lines to metrics.json (new file)"


CARD = {"tool": "write", "path": "README.md", "content": "# Reviews\nRows: <number of rows>\n"}


async def test_a_small_model_is_told_of_placeholders_in_what_it_wrote_a_large_one_is_not(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    """Seen on dataset-card: a card of `<number of rows>` lines, reviews.csv never read."""
    seen = await read_as(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), small, workspace, **CARD
    )
    assert seen.startswith("Wrote 2 lines to README.md (new file), but it still holds")
    assert "(<number of rows>)" in seen and "`bash` with python3" in seen
    assert (workspace / "README.md").read_text() == CARD["content"]  # written all the same
    (workspace / "README.md").unlink()
    large = await read_as(fast_settings(small.url), small, workspace, **CARD)
    assert large == "Wrote 2 lines to README.md (new file)"
