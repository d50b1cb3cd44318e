"""A run's context may say which front end it comes from, and only a known one."""

from __future__ import annotations

import pytest

from serve.run_rules import run_problem

THREAD = "0e7c9b1a-7f3e-4c43-9a5e-6a0b3f1d2c4e"


@pytest.mark.parametrize("front_end", ["web", "studio", "cli"])
def test_a_known_front_end_is_accepted(front_end: str) -> None:
    assert run_problem({"context": {"front_end": front_end}}, THREAD, signed_in=True) is None


def test_an_unknown_front_end_is_refused_with_the_choices() -> None:
    problem = run_problem({"context": {"front_end": "<script>"}}, THREAD, signed_in=False)
    assert problem == '"context.front_end" is one of cli, web, studio.'
