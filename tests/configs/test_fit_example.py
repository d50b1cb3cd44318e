"""A small model is shown how to fit on one table and predict the one that lacks its target
(bench/README.md, train-classifier)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from configs.fit_example import fit_example
from configs.prompt import runtime_note
from tests.configs.test_prompt_snapshot import check_snapshot

PAIR = (
    "train.csv 9.4 kB, first line: id,x1,x2,x3,x4,label\n"
    "notes.md 1.0 kB\n"
    "test.csv 3.0 kB, first line: id,x1,x2,x3,x4"
)


def test_the_fit_example_in_the_runtime_note_snapshot() -> None:
    note = runtime_note(today=dt.date(2026, 1, 2), workspace="/ws", small=True, files=PAIR)
    check_snapshot("runtime_note_fit_example.md", note + "\n")
    assert "fit on train.csv" not in runtime_note(workspace="/ws", files=PAIR)  # large window


def test_the_example_names_the_tables_the_target_and_the_features_but_not_the_row_id() -> None:
    example = fit_example(PAIR) or ""
    assert example.startswith("test.csv has the columns of train.csv but `label`")
    assert "features = ['x1', 'x2', 'x3', 'x4']" in example
    assert ".fit(train[features], train['label'])" in example


def test_the_example_runs_and_saves_each_test_rows_id_and_prediction(tmp_path: Path) -> None:
    """What a model that names its output file runs: every test row predicted, under a header
    (told only how to write a file, the model wrote every column with header=False)."""
    train = "id,x1,x2,label\n" + "".join(
        f"{i},{i % 7},{i % 3},{'ab'[i % 7 > 3]}\n" for i in range(40)
    )
    (tmp_path / "train.csv").write_text(train)
    (tmp_path / "test.csv").write_text("id,x1,x2\n50,1,2\n51,6,0\n")
    files = "train.csv 1 kB, first line: id,x1,x2,label\ntest.csv 1 kB, first line: id,x1,x2"
    program = (fit_example(files) or "").split("<<'EOF'\n", 1)[1].rsplit("\nEOF", 1)[0]
    assert "<" not in program  # no placeholder to run as code (it ran `<a scikit-learn model>`)
    program = program.replace("'NAME'", "'predictions.csv'")
    subprocess.run([sys.executable, "-c", program], cwd=tmp_path, check=True)
    assert (tmp_path / "predictions.csv").read_text() == "id,label\n50,a\n51,b\n"


def test_no_example_without_a_table_that_lacks_exactly_one_column() -> None:
    both = "train.csv 1 kB, first line: id,text,label\ntest.csv 1 kB, first line: id,text,label"
    two_short = "a.csv 1 kB, first line: x,y,z\nb.csv 1 kB, first line: x"
    other = "a.csv 1 kB, first line: x,y,z\nb.csv 1 kB, first line: x,w"
    only_ids = "a.csv 1 kB, first line: id,label\nb.csv 1 kB, first line: id"
    for files in (both, two_short, other, only_ids, "a.csv 1 kB, first line: x,y"):
        assert fit_example(files) is None, files


def test_a_name_that_is_not_plain_code_gets_no_example() -> None:
    """A file or column name is chosen by whoever put the file there; the example is code."""
    quoted = "train.csv 1 kB, first line: id,x');import os;('\ntest.csv 1 kB, first line: id"
    odd_file = "tr'ain.csv 1 kB, first line: x,label\ntest.csv 1 kB, first line: x"
    assert fit_example(quoted) is None and fit_example(odd_file) is None
