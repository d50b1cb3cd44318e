"""The dataset template drops short rows, duplicates and benchmark overlap, then pushes splits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, run_template
from tests.skills.hub import ModelHub

SCRIPT = SKILLS / "dataset-building" / "build_dataset.py"
pytestmark = pytest.mark.timeout(300)
QUESTION = "natalia sold clips to 48 of her friends in april and then she sold half as many in may"


def test_dataset_is_cleaned_deduplicated_decontaminated_and_pushed(
    hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    unique = [f"row {i}: {t}" for i, t in enumerate(tiny.corpus(10))]  # 20 distinct rows
    rows = [
        *unique,
        unique[0].upper(),  # a duplicate in other case
        f"  {unique[1]} !! ",  # and in other spacing and punctuation
        "too short",
        f"Here is a problem. {QUESTION.capitalize()}. How many?",  # a benchmark question
    ]
    data = tiny.write_jsonl(tmp_path / "raw", "train", [{"text": t} for t in rows])
    bench = tiny.write_jsonl(tmp_path / "bench", "test", [{"question": QUESTION + "?"}])
    args = [
        "--source", str(data), "--repo-id", "alice/clean", "--eval-dataset", str(bench),
        "--test-size", "0.25", "--min-chars", "12",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    repo = hub.repo("datasets", "alice/clean")
    assert repo.private
    tables = [pq.read_table(io.BytesIO(b)) for n, b in repo.files.items() if n.endswith(".parquet")]
    texts = [t for table in tables for t in table.column("text").to_pylist()]
    assert sorted(texts) == sorted(unique), done.stdout
    assert any(n.startswith("data/test") for n in repo.files), sorted(repo.files)
    assert "| exact duplicates removed | 21 |" in repo.files["README.md"].decode()
