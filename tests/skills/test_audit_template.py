"""The dataset-audit script reports empties, duplicates, lengths and train/test leakage."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, run_template

SCRIPT = SKILLS / "dataset-audit" / "audit_dataset.py"
pytestmark = pytest.mark.timeout(600)


def test_audit_counts_what_the_skill_says_it_counts(
    tiny_lm: Path, template_env: dict[str, str], tmp_path: Path
) -> None:
    rows = tiny.chat_rows(20)
    train = [*rows, *rows[:3], {"instruction": "", "output": ""}]  # 3 copies, 1 empty
    test = [*rows[:2], {"instruction": "zebra quokka", "output": "new"}]  # 2 leaked rows
    data = tiny.write_jsonl(tmp_path / "data", "train", train)
    tiny.write_jsonl(data, "test", test)
    args = [str(data), "--text-column", "instruction", "--tokenizer", str(tiny_lm),
            "--max-length", "4"]  # fmt: skip
    out = run_template(SCRIPT, args, template_env, tmp_path).stdout

    assert "split sizes: train=24, test=3" in out
    assert "empty rows: 1 (4.17%)" in out
    assert "exact duplicate rows (beyond first copy): 3" in out
    assert "rows over 4 tokens (truncated in training): 23" in out  # 6 tokens each
    assert "train & test: 2 distinct texts in both" in out
