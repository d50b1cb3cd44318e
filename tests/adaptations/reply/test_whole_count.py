"""adaptations/reply/whole_count.py: a "how many" answered with no whole number, and only
that, is sent back with its numbers named."""

from __future__ import annotations

import pytest

from adaptations.reply.whole_count import asks_a_count, count_note, not_counts

ROWS = "How many rows of sales.csv have the region `north` and an amount above 100?"


@pytest.mark.parametrize(
    ("request_", "answer", "numbers"),
    [
        (ROWS, "11821.95", ["11821.95"]),
        (ROWS, "There are 11,821.95 such rows.", ["11821.95"]),
        ("How many files in data/ are empty?", "About 2.5 files on average.", ["2.5"]),
        ("how many TEST rows leak into train.csv?", "0.35 and 0.4", ["0.35", "0.4"]),
    ],
)
def test_a_count_answered_with_only_fractions_is_named(
    request_: str, answer: str, numbers: list[str]
) -> None:
    assert not_counts(request_, answer) == numbers


@pytest.mark.parametrize(
    ("request_", "answer"),
    [
        (ROWS, "59"),
        (ROWS, "59 rows, with a total amount of 11821.95."),  # a whole number among them
        (ROWS, "59.0"),  # a count printed as a float
        (ROWS, "None of them."),  # no number: another check's business
        ("How many parameters does the model have?", "About 1.5 million."),
        ("How many parameters does the model have?", "124.4M"),
        ("How many rows are missing a label?", "12.5% of them"),
        ("How many hours did the run in train.log take?", "2.5 hours."),
        ("How many GB does the checkpoint take?", "1.2 GB"),
        ("How many tokens per second does bench.log show?", "41.7"),
        ("What is the mean loss in log.csv?", "0.35"),  # no count asked
        ("What learning rate does train.py use?", "3e-4"),
    ],
)
def test_a_whole_count_a_measure_or_another_question_passes(request_: str, answer: str) -> None:
    assert not_counts(request_, answer) == []


def test_a_count_is_told_apart_from_a_measure() -> None:
    assert asks_a_count("How many images are in the folder?")
    assert asks_a_count("how many\nrows does it have")
    assert not asks_a_count("How many epochs did it train for?")
    assert not asks_a_count("How much memory does an A100 have?")


def test_the_note_names_the_numbers_and_asks_for_a_count() -> None:
    assert count_note(["11821.95"]) == (
        "The request asks how many, a count, but your answer gives 11821.95, which is not a "
        "whole number: a sum, a mean or a ratio, not a count. Count the items the request asks "
        "about with a tool (for rows of a table, `len()` of the rows selected, not a column's "
        "sum), then answer with that count."
    )
    assert "1.5, 2.5, 3.5, ..., which are not" in count_note(["1.5", "2.5", "3.5", "4.5"])
