"""Docstrings lead with the contract; an origin story is one `Why:` line that links docs/lab.

A docstring (module, class or function) of a product module has at most one line starting with
`Why:`, and every line of it, or of a `#` comment, that cites the lab journal (`docs/lab`) is
that line, linking a journal file that exists.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

from tests.product_sources import ROOT, parsed, product_files, source, walked

JOURNAL_LINK = re.compile(r"docs/lab/[\w./-]+\.md")


def docstrings(path: Path) -> Iterator[tuple[int, str]]:
    """Each docstring of `path` with the line it starts on."""
    tree = parsed(path)
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    for node in walked(tree):
        if isinstance(node, kinds) and (text := ast.get_docstring(node, clean=False)):
            yield node.body[0].lineno, text


def comments(path: Path) -> Iterator[tuple[int, str]]:
    for token in tokenize.generate_tokens(io.StringIO(source(path)).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def citation_problems(where: str, line: str) -> list[str]:
    """What is wrong with one line that cites docs/lab: not a `Why:` line, or a missing file."""
    if "docs/lab" not in line:
        return []
    if not line.lstrip("# ").startswith("Why:"):
        return [f"{where}: cites docs/lab outside a 'Why:' line: {line.strip()}"]
    links = JOURNAL_LINK.findall(line)
    missing = [link for link in links if not (ROOT / link).is_file()]
    if not links:
        return [f"{where}: 'Why:' line names no journal file (docs/lab/<date>.md)"]
    return [f"{where}: no such journal file: {link}" for link in missing]


def problems(path: Path, name: str) -> list[str]:
    text = source(path)
    if "docs/lab" not in text and text.count("Why:") < 2:
        return []  # nothing cites the journal, and no docstring can hold two Why: lines
    found: list[str] = []
    for start, text in docstrings(path):
        lines = text.splitlines()
        whys = [line for line in lines if line.strip().startswith("Why:")]
        if len(whys) > 1:
            found.append(f"{name}:{start}: {len(whys)} 'Why:' lines in one docstring (keep one)")
        for offset, line in enumerate(lines):
            found += citation_problems(f"{name}:{start + offset}", line)
    for number, comment in comments(path):
        found += citation_problems(f"{name}:{number}", comment)
    return found


def test_origin_stories_are_one_why_line_linking_the_journal() -> None:
    found = [p for path in product_files() for p in problems(path, str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


def test_the_check_catches_a_second_why_and_an_unmarked_citation(tmp_path: Path) -> None:
    bad = tmp_path / "story.py"
    bad.write_text(
        '"""Does x.\n\nWhy: one (docs/lab/index.md).\nWhy: two.\n"""\n\n'
        "# a story (docs/lab)\n"
        'def f():\n    """Returns 1.\n\n    Why: seen (docs/lab/1999-01-01.md)."""\n',
        encoding="utf-8",
    )
    found = problems(bad, "story.py")
    assert len(found) == 3, found
    assert "2 'Why:' lines" in found[0]
    assert any("outside a 'Why:' line" in p for p in found)
    assert any("no such journal file: docs/lab/1999-01-01.md" in p for p in found)
