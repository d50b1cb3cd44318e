"""The model-visible texts: the catalogue's templates by kind (the runtime's, models/texts.py;
the rules', adaptations/registry.py `note_texts`, `held_texts`), the tool-result templates by
kind (tools/result_texts/, through models/texts.py), and every snapshot in tests/snapshots,
included at build time.

The page lists the snapshot files; their text is pulled in by pymdownx.snippets when the
site is built, so a changed prompt shows up without regenerating, and a new or removed
snapshot makes this page stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from adaptations import registry
from docs.tooling.markdown import banner, wrap
from models import texts
from tools import result_texts

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "snapshots"
FENCE = "`" * 8  # longer than any fence inside a prompt


def render() -> str:
    out = [
        banner("models/texts.py, tools/result_texts/ and tests/snapshots/"),
        "# Model-visible texts\n",
        wrap(
            "What the model reads, byte for byte as the tests pin it: the system prompts per "
            "mode and model size, the runtime note, the notes the graph adds, what tools write "
            "into their results, and the tool schemas. Each snapshot section shows one file of "
            "`tests/snapshots/`; the tests that write them say when and why each text is sent."
        )
        + "\n",
        *by_kind(),
        *tool_results(),
    ]
    for path in sorted(SNAPSHOTS.iterdir()):
        if path.suffix not in {".md", ".json"}:
            continue
        lang = "json" if path.suffix == ".json" else "text"
        out.append(f"## `{path.name}`\n")
        out.append(f'{FENCE}{lang}\n--8<-- "tests/snapshots/{path.name}"\n{FENCE}\n')
    return "\n".join(out)


def by_kind() -> list[str]:
    """The catalogue's table: each kind, what carries it, and its templates' names: the
    runtime's kinds, then the rules' own (notes, then held calls' answers)."""
    rules = {type(rule): sys.modules[type(rule).__module__] for rule in registry.RULES}
    named = template_names([texts, *rules.values(), *rules])
    kinds = [
        *(("a note", kind, ts) for kind, ts in texts.TEXTS.items()),
        *(("a note", kind, ts) for kind, ts in registry.note_texts().items()),
        *(("a held call's answer", kind, ts) for kind, ts in registry.held_texts().items()),
    ]
    rows = []
    for carrier, kind, templates in kinds:
        names = ", ".join(f"`{named[id(t)]}`" for t in templates) or "(written inline)"
        rows.append(wrap(f"`{kind}` ({carrier}): {names}", indent="  ", first="- "))
    intro = wrap(
        "Every note the agent adds and every answer a held-back call gets is marked with its "
        "kind: the runtime's (`NoteKind` in models/messages.py), whose templates models/texts.py "
        "holds, and each rule's own, which its class declares with the templates it sends "
        "(`Rule.notes`, `Rule.held` in adaptations/rule.py):"
    )
    return ["## By kind\n", intro + "\n", "\n".join(rows) + "\n"]


def template_names(spaces: Iterable[Any]) -> dict[int, str]:
    """The name each template is written under (by `id`), the first space naming it winning:
    a module's or a class's upper-case strings, and `NAME[key]` for its dicts of them."""
    named: dict[int, str] = {}
    for space in spaces:
        for name, value in vars(space).items():
            if name.isupper() and isinstance(value, str):
                named.setdefault(id(value), name)
            elif name.isupper() and isinstance(value, dict) and name not in {"TEXTS", "TOOL_TEXTS"}:
                for k, v in value.items():
                    named.setdefault(id(v), f"{name}[{k!r}]")
    return named


def tool_results() -> list[str]:
    """The tool-result catalogue's table: each kind and its templates' names."""
    named = {
        id(v): n
        for family in result_texts.FAMILIES
        for n, v in vars(family).items()
        if n.isupper() and isinstance(v, str)
    }
    rows = [
        wrap(f"`{kind}`: " + ", ".join(f"`{named[id(t)]}`" for t in templates), "  ", "- ")
        for kind, templates in texts.TOOL_TEXTS.items()
    ]
    intro = wrap(
        "What tools write into their results is kept as templates keyed by kind (`ToolTextKind` "
        "in tools/result_texts/, which holds their wording, one module per tool family; "
        "models/texts.py re-exports the "
        "catalogue as `TOOL_TEXTS`). A kind named like an adaptation is the note that rule adds; "
        "the others are the tool's own texts:"
    )
    return ["## Tool results by kind\n", intro + "\n", "\n".join(rows) + "\n"]
