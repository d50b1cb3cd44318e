"""adaptations/reply/echoed_request.py: an answer that is the request again, and only that."""

from __future__ import annotations

import pytest

from adaptations.reply.echoed_request import echoes

REQUEST = "What does the mean function in utils.py return for an empty list?"


@pytest.mark.parametrize(
    "answer",
    [
        REQUEST,
        "what does the MEAN function in utils.py return for an empty list",
        "  What does the mean function in `utils.py` return for an empty list ?",
        "What does the mean function in utils.py return",  # its first part
    ],
)
def test_the_request_written_back_is_an_echo(answer: str) -> None:
    assert echoes(REQUEST, answer)


@pytest.mark.parametrize(
    "answer",
    [
        "It returns 0.0 for an empty list.",
        "You asked what the mean function in utils.py returns for an empty list: 0.0.",
        "utils.py",
        "What does the mean function return? It raises ZeroDivisionError.",
        "",
    ],
)
def test_an_answer_using_the_request_s_words_is_not_an_echo(answer: str) -> None:
    assert not echoes(REQUEST, answer)


def test_a_yes_to_a_yes_or_no_question_is_not_an_echo() -> None:
    assert not echoes("Is the learning rate in train.py 2e-4, yes or no?", "yes")
