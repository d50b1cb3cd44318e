"""missing-values: the answer names birth_year first among the columns, with its 23 empty cells."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import first_named, grade, says_number

COLUMNS = ["customer_id", "full_name", "email", "birth_year", "country", "signup_date",
           "annual_income"]  # fmt: skip


def judge(_workspace: Path, answer: str) -> str | None:
    named = first_named(answer, COLUMNS)
    if named != "birth_year":
        return f"the answer names {named or 'no column'} first"
    return says_number(answer, "23")


grade(judge)
