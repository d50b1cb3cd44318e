"""`code-block`: a program a small model writes between <code> tags runs as a `bash` call."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from adaptations.reply.code_block import with_code_call
from configs.prompt import CODE_BLOCK
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# The quotes and the `\n` inside a string literal that broke the model's `python3 -c` calls.
PROGRAM = """import csv
rows = [r for r in csv.DictReader(open('sales.csv')) if r["region"] == 'north']
print(f"north:\\n{len(rows)}")"""
# What smolagents' CodeAgent had the same model write (csv-count, 2026-11-28): a thought, the
# block, no closing tag.
UNCLOSED = f"Thought: count the rows with a filter.\n<code>\n{PROGRAM}\n"


def command_of(response: AIMessage) -> str:
    [call] = response.tool_calls
    assert call["name"] == "bash" and call["id"].startswith("call_code_")
    return call["args"]["command"]


def ran(command: str, cwd: Path) -> str:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "text",
    [
        f"<code>\n{PROGRAM}\n</code>",
        f"Let me count.\n<code>{PROGRAM}</code>\nObservation: 12\nThe answer is 12.",
        UNCLOSED,
        f"<code>\n```python\n{PROGRAM}\n```\n</code>",  # a fence inside the tags
    ],
)
def test_the_program_in_the_tags_runs_as_written(text: str, tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("id,region\n1,north\n2,south\n3,north\n")
    made = with_code_call(AIMessage(content=text))
    assert ran(command_of(made), tmp_path) == "north:\n2\n"
    assert "<code>" not in made.content and "Observation" not in made.content


def test_the_words_before_the_block_stay_and_what_it_imagined_after_goes() -> None:
    made = with_code_call(AIMessage(content=f"Let me count.\n<code>{PROGRAM}</code>\nIt is 9."))
    assert made.content == "Let me count."


@pytest.mark.parametrize(
    "text",
    [
        f"Here is a script that counts them:\n```python\n{PROGRAM}\n```",  # shown, not run
        "Wrap inline code in `<code>` tags in HTML.",  # no program
        "<code></code>",
        "The answer is 59.",
    ],
)
def test_an_answer_that_shows_code_or_names_the_tag_is_left_alone(text: str) -> None:
    made = with_code_call(AIMessage(content=text))
    assert made.tool_calls == [] and made.content == text


def test_a_reply_with_calls_of_its_own_is_left_alone() -> None:
    call = {"name": "read", "args": {"path": "a"}, "id": "c1", "type": "tool_call"}
    reply = AIMessage(content=f"<code>{PROGRAM}</code>", tool_calls=[call])
    assert with_code_call(reply).tool_calls == [call]


def test_a_program_holding_the_end_line_still_runs_whole(tmp_path: Path) -> None:
    program = "text = '''\nEOF\n'''\nprint(text.strip())"
    made = with_code_call(AIMessage(content=f"<code>\n{program}\n</code>"))
    assert ran(command_of(made), tmp_path) == "EOF\n"


async def test_a_small_model_with_the_rule_on_reads_its_programs_output(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "sales.csv").write_text("id,region\n1,north\n2,south\n3,north\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content=UNCLOSED), Turn(content="2 rows."))
    settings = fast_settings(None, model_name=SMALL, adaptations={SMALL: {"code-block": True}})
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("How many rows of sales.csv are in the north?"))
    first, second = llm.requests
    assert CODE_BLOCK in str(first["messages"])
    [output] = tool_results(second).values()
    assert output.startswith("north:\n2\n")
    assert_valid_tool_pairing(second["messages"])
    assert events[-1].data["final_text"] == "2 rows."


async def test_off_by_default_a_block_is_the_answer(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content=UNCLOSED))
    settings = fast_settings(None, model_name=SMALL)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("How many rows of sales.csv are in the north?"))
    assert CODE_BLOCK not in str(llm.requests[0]["messages"]) and len(llm.requests) == 1
    assert events[-1].data["final_text"].startswith("Thought:")


async def test_a_block_waits_for_approval_as_any_bash_call_does(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text the model writes cannot skip the approval policy: the block's program, which
    writes a file, asks first, and nothing is written while it waits."""
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content="<code>\nopen('x.txt', 'w').write('written')\n</code>"))
    settings = fast_settings(None, model_name=SMALL, adaptations={SMALL: {"code-block": True}})
    async with open_session(settings, workspace) as session:  # interactive: bash asks first
        await collect(session.send("write x.txt"))
        pending = await session.pending_approval()
    assert pending is not None and not (workspace / "x.txt").exists()
    assert "python3 - <<'EOF'" in json.dumps(pending, default=str)
