"""The pandas example a small model gets for a question about a listed table
(configs/note_examples.py `example_table`, the `table-example` rule): which questions get it, over
which table, read how; and that it runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from configs.note_examples import example_order, example_table
from tests.fakes.python_shim import shim, shim_env

TABLE = {"id": [1, 2], "amount": [5, 7]}


def run_example(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`command` run by bash as written, its `python3 -` this venv's interpreter: the shim that
    forks it from a process that imported pandas (tests/fakes/python_shim.py)."""
    command = command.replace("python3 -", f"{shim()} -", 1)
    env = {**os.environ, **shim_env()}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True)


LISTING = (
    'events/log.jsonl 46.7 kB, first line: {"step": 1}\n'
    "sales.csv 10.7 kB, first line: id,region,amount\n"
    "train.py 2.1 kB\nnotes.md 48 B\nruns/ (not listed)"
)


@pytest.mark.parametrize(
    ("request_text", "table", "reader"),
    [
        ("How many rows of sales.csv have the region north?", "sales.csv", "pd.read_csv"),
        ("What is the median step in events/log.jsonl?", "events/log.jsonl", "pd.read_json"),
        ("Which value of log.jsonl's loss is lowest?", "events/log.jsonl", "pd.read_json"),
        ("How many rows have an empty region?", "events/log.jsonl", "pd.read_json"),
        ("How many rows of the runs have region north?", "events/log.jsonl", "pd.read_json"),
        ("Which rows of sales.csv?", "sales.csv", "pd.read_csv"),
    ],
)
def test_a_question_about_a_table_gets_pandas_over_the_table_it_names(
    request_text: str, table: str, reader: str
) -> None:
    example = example_table(LISTING, request_text)
    assert example is not None
    assert f"For {table}, `bash` with: python3 - <<'EOF'" in example
    assert f"{reader}('{table}'" in example


@pytest.mark.parametrize(
    "request_text",
    [
        "Move sales.csv into a data/ folder.",
        "Make train.py read its data from sales.csv instead of a list.",
        "Add sales.csv to .gitignore.",
        "What does notes.md say about the release?",
        "What license is this project under?",
        "Why does train.py skip rows whose region is empty?",
        "Which columns does runs/ hold?",
    ],
)
def test_an_order_naming_a_table_or_a_question_about_another_file_gets_none(
    request_text: str,
) -> None:
    assert example_table(LISTING, request_text) is None


def test_a_name_inside_another_is_not_named() -> None:
    example = example_table(LISTING, "How many rows does oldsales.csv have?")
    assert example is not None and "'sales.csv'" not in example


def test_a_table_whose_name_is_not_plain_gets_none() -> None:
    listing = "my sales.csv 10 kB\nit's.csv 3 kB"
    assert example_table(listing, "How many rows does it's.csv have?") is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("sales.csv", "id,amount\n1,5\n2,7\n"),
        ("log.jsonl", '{"id": 1, "amount": 5}\n{"id": 2, "amount": 7}\n'),
        ("part.parquet", None),
    ],
)
def test_the_example_runs_as_written_once_its_expression_is_filled(
    tmp_path: Path, name: str, content: str | None
) -> None:
    if content is None:  # written by a pandas run: no pandas imported into the test process
        code = f"import pandas as pd; pd.DataFrame({TABLE}).to_parquet({name!r})"
        env = {**os.environ, **shim_env()}
        subprocess.run([shim(), "-c", code], cwd=tmp_path, env=env, check=True)
    else:
        (tmp_path / name).write_text(content)
    example = example_table(f"{name} 1 kB", f"What is the total amount in {name}?")
    assert example is not None
    command = example.split("`bash` with: ", 1)[1].replace(
        "<an expression over df>", "df.amount.sum()"
    )
    done = run_example(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "12"


@pytest.mark.parametrize(
    ("request_text", "table"),
    [
        ("Write the mean amount of sales.csv by region to means.csv.", "sales.csv"),
        ("From events/log.jsonl, write the steps whose loss rose to rose.txt.", "events/log.jsonl"),
        ("Deduplicate sales.csv into clean.jsonl, keeping the first of each id.", "sales.csv"),
        ("Remove duplicate rows from sales.csv and write the result to clean.csv.", "sales.csv"),
        ("Make a copy of sales.csv with only the north rows in NORTH.CSV.", "sales.csv"),
        ("Write the number of rows of sales.csv to count.txt.", "sales.csv"),
    ],
)
def test_an_order_for_a_new_file_from_a_table_gets_pandas_over_it(
    request_text: str, table: str
) -> None:
    example = example_order(LISTING, request_text)
    assert example is not None and f"from {table}, run this with `bash`:" in example


@pytest.mark.parametrize(
    "request_text",
    [
        "Move sales.csv into data/sales.csv.",
        "Copy sales.csv to backup.csv.",
        "Make train.py read sales.csv and write its report to report.txt.",  # a listed script
        "Write a script analyze.py that reads sales.csv and writes totals.csv.",
        "Write a bash script that turns sales.csv into totals.csv.",
        "Add a test that loads sales.csv and checks out.csv.",
        "Add a section to the README about sales.csv and results.csv.",
        "Commit sales.csv and summary.txt.",
        "Fix the bug where sales.csv is read as latin-1 and out.csv is empty.",
        "Explain how sales.csv becomes report.txt.",
        "Write train_config.json for fine-tuning a classifier on sales.csv.",
        "Fetch https://example.com/extra.json and join it to sales.csv.",
        "Write the totals of sales.csv to totals.csv.bak.",
        "How many rows of sales.csv have the region north? Write it to n.txt.",  # a question
        "Write a haiku to poem.txt.",  # no table
    ],
)
def test_orders_that_move_edit_or_make_nothing_from_a_table_get_none(request_text: str) -> None:
    assert example_order(LISTING, request_text) is None


@pytest.mark.parametrize(
    ("output", "computed", "expected"),
    [
        ("big.csv", "out = df[df.amount > 6]", "id,amount\n2,7\n"),
        ("big.jsonl", "out = df[df.amount > 6]", '{"id":2,"amount":7}\n'),
        ("total.json", "out = {'total': df.amount.sum(), 'ids': df.id.values}",
         '{"total": 12, "ids": [1, 2]}'),
        ("ids.txt", "out = df.id", "1\n2\n"),
        ("TOTAL.TXT", "out = df.amount.sum()", "12\n"),
    ],
)  # fmt: skip
def test_the_order_example_writes_the_ordered_kind_of_file_once_its_value_is_filled(
    tmp_path: Path, output: str, computed: str, expected: str
) -> None:
    """The write line the example gives for the ordered file's suffix runs as given, numpy's
    numbers and arrays included."""
    (tmp_path / "sales.csv").write_text("id,amount\n1,5\n2,7\n")
    example = example_order("sales.csv 1 kB", f"Write the amounts of sales.csv to {output}.")
    assert example is not None and example.startswith(f"To make {output} from sales.csv, run")
    program = example.split("run this with `bash`: ", 1)[1].split("\n")
    assert program[3].startswith(("out = <", "out = {<")) and f"'{output}'" in program[4]
    program[3] = computed
    done = run_example("\n".join(program), tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / output).read_text() == expected
