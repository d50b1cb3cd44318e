"""The `pick-in-program` rule (adaptations/shaping.py `PickInProgram`): a question asking which
of the workspace's things is the largest, most, lowest... gets a line asking that a program
pick it; a judgement (best), a question about code, one without a superlative or a data file,
or an order gets none."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adaptations.hooks import RuntimeNote
from adaptations.loops import note_lines
from adaptations.registry import BY_NAME
from configs.model_profile import profile_of
from configs.note_examples import PICK_IN_PROGRAM

FILES = (
    "data/train.jsonl 46.7 kB\ndata/val.jsonl 6.9 kB\n"
    "customers.csv 13.3 kB, first line: id,name,email\ntrain.py 2.1 kB"
)
RULES = ["workspace-listing", "pick-in-program"]


def lines(request: str) -> list[str]:
    async def listed() -> str:
        return FILES

    profile = profile_of("llamacpp/local", env={})
    rules = [BY_NAME[n] for n in RULES]
    return asyncio.run(note_lines(rules, RuntimeNote(profile, request, Path("/ws"), listed)))


@pytest.mark.parametrize(
    ("request_text", "word"),
    [
        ("Which file in this workspace, subfolders included, is the largest?", "largest"),
        ("Which column of customers.csv has the MOST missing values, and how many?", "most"),
        ("At which step in data/val.jsonl was the loss lowest?", "lowest"),
        ("Which label occurs most often in customers.csv?", "most"),
        ("The best run is gone. Which file in data/ is the smallest?", "smallest"),
    ],
)
def test_a_question_picking_among_the_workspaces_things_gets_the_line(
    request_text: str, word: str
) -> None:
    assert lines(request_text)[-1] == PICK_IN_PROGRAM.format(word=word)


@pytest.mark.parametrize(
    "request_text",
    [
        "Which optimizer works best for LoRA?",
        # judgements, questions about code, adverbs and adjectives after `most`: no ranking
        "Which approach is best for the class imbalance in customers.csv?",
        "Which line of train.py is most likely causing the NaN loss?",
        "Which function in train.py is the most expensive to run?",
        "Which of the files would you say is the most important to read first?",
        "Which files are the least tested? I want to add tests.",
        "Which file holds most of the training logic?",
        "Which columns does customers.csv have?",
        "How many rows of customers.csv have at least 3 purchases, and which is the first?",
        "Write the largest rows of customers.csv to top.csv.",
        "Sort customers.csv by the most recent signup.",
    ],
)
def test_other_requests_get_nothing(request_text: str) -> None:
    assert not any(line.startswith("The request asks for the") for line in lines(request_text))
