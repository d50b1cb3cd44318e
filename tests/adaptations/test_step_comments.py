"""The `step-comments` rule (adaptations/shaping.py `StepComments`): a question about a table
that gets the pandas example also gets the line asking for the question's conditions as
comments; an order, or a turn without the example, gets neither."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adaptations.hooks import RuntimeNote
from adaptations.loops import note_lines
from adaptations.registry import BY_NAME
from configs.model_profile import profile_of
from configs.prompt import STEP_COMMENTS

FILES = "sales.csv 10.7 kB, first line: id,region,amount\ntrain.py 2.1 kB"
QUESTION = "How many rows of sales.csv have the region north and an amount above 100?"


def lines(names: list[str], request: str) -> list[str]:
    async def listed() -> str:
        return FILES

    profile = profile_of("llamacpp/local", env={})
    rules = [BY_NAME[n] for n in names]
    return asyncio.run(note_lines(rules, RuntimeNote(profile, request, Path("/ws"), listed)))


def test_a_question_about_a_table_gets_the_line_right_after_the_example() -> None:
    got = lines(["workspace-listing", "table-example", "step-comments"], QUESTION)
    assert got[-1] == STEP_COMMENTS
    assert got[-3].startswith("For sales.csv, `bash` with: python3 - <<'EOF'")


@pytest.mark.parametrize(
    ("names", "request_text"),
    [
        (["workspace-listing", "table-example", "step-comments"], "Move sales.csv to data/."),
        (["workspace-listing", "table-example", "step-comments"], "Why does train.py fail?"),
        (["workspace-listing", "step-comments"], QUESTION),
    ],
)
def test_without_the_example_the_rule_adds_nothing(names: list[str], request_text: str) -> None:
    assert STEP_COMMENTS not in lines(names, request_text)
