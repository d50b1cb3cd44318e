"""How a name the agent chose is shown in a report: one line, nothing a terminal obeys."""

from __future__ import annotations

from tools.shown_names import shown


def test_control_characters_marks_and_bad_bytes_are_escaped_once() -> None:
    name = "evil\n\x1b[31mred\u202e\x00caf\udce9.txt"
    assert shown(name) == "evil\\n\\x1b[31mred\\u202e\\x00caf\\xe9.txt"
    assert shown(shown(name)) == shown(name)  # a front end may escape again


def test_printable_names_are_kept_as_they_are() -> None:
    for name in ("notes.txt", "café/ünï cödé.py", "a b\\c", "数据.csv"):
        assert shown(name) == name
