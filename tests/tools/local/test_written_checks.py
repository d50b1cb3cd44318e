"""What a small model is told about the file it wrote: placeholders left in a card or report,
a `.json` that is not JSON (the end-to-end tests are in tests/nodes/test_small_reads.py)."""

from __future__ import annotations

from pathlib import Path

from tests.configs.test_prompt_snapshot import check_snapshot
from tools.local.written_checks import written_notes

CARD = (
    "---\nlicense: mit\n---\n# Reviews\n- Number of rows: <number of rows>\n"
    "- Positive: <number of rows with 'pos'>\n- Negative: <count of neg>\n- Contact: <Your Name>\n"
)


def test_placeholders_left_in_a_written_text_are_named() -> None:
    """Seen on dataset-card: `<number of rows>` written, then numbers it never computed."""
    note = written_notes(Path("README.md"), CARD)
    check_snapshot("write_placeholders_small.md", f"Wrote 8 lines to README.md{note}\n")
    assert "<number of rows>, <number of rows with 'pos'>, <count of neg>, ..." in note


def test_tags_code_and_filled_texts_have_no_placeholder() -> None:
    for text in (
        '<div class="card">Rows: 40</div><br/>\n',
        "x = List<int>()\nif a < b and c > d:\n    pass\n",
        "See <https://example.com> or <me@example.com>.\n",
        "Number of rows: 40\nPositive: 20\n",
    ):
        assert written_notes(Path("notes.md"), text) == "", text


def test_a_json_file_gets_the_json_check_not_the_placeholder_one() -> None:
    assert "placeholders" not in written_notes(Path("m.json"), '{"f1": "<f1 score>"}')
    assert "not valid JSON" in written_notes(Path("m.json"), "f1: <f1 score>")
