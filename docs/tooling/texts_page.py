"""The model-visible texts: the catalogue's templates by kind (models/texts.py), and every
snapshot in tests/snapshots, included at build time.

The page lists the snapshot files; their text is pulled in by pymdownx.snippets when the
site is built, so a changed prompt shows up without regenerating, and a new or removed
snapshot makes this page stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from docs.tooling.markdown import banner, wrap
from models import texts
from models.messages import HeldKind

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "snapshots"
FENCE = "`" * 8  # longer than any fence inside a prompt


def render() -> str:
    out = [
        banner("models/texts.py and the snapshot files in tests/snapshots/"),
        "# Model-visible texts\n",
        wrap(
            "What the model reads, byte for byte as the tests pin it: the system prompts per "
            "mode and model size, the runtime note, the notes the graph adds, and the tool "
            "schemas. Each section shows one file of `tests/snapshots/`; the tests that write "
            "them say when and why each text is sent."
        )
        + "\n",
        *by_kind(),
    ]
    for path in sorted(SNAPSHOTS.iterdir()):
        if path.suffix not in {".md", ".json"}:
            continue
        lang = "json" if path.suffix == ".json" else "text"
        out.append(f"## `{path.name}`\n")
        out.append(f'{FENCE}{lang}\n--8<-- "tests/snapshots/{path.name}"\n{FENCE}\n')
    return "\n".join(out)


def by_kind() -> list[str]:
    """The catalogue's table: each kind, what carries it, and its templates' names."""
    named: dict[int, str] = {}
    for name, value in vars(texts).items():
        if name.isupper() and isinstance(value, str):
            named.setdefault(id(value), name)
        elif name.isupper() and isinstance(value, dict) and name != "TEXTS":
            named.update({id(v): f"{name}[{k!r}]" for k, v in value.items()})
    rows = []
    for kind, templates in texts.TEXTS.items():
        carrier = "a held call's answer" if kind in get_args(HeldKind) else "a note"
        names = ", ".join(f"`{named[id(t)]}`" for t in templates) or "(written inline)"
        rows.append(wrap(f"`{kind}` ({carrier}): {names}", indent="  ", first="- "))
    intro = wrap(
        "Every note the agent adds and every answer a held-back call gets is marked with its "
        "kind (`NoteKind`, `HeldKind` in models/messages.py); models/texts.py holds each "
        "kind's templates:"
    )
    return ["## By kind\n", intro + "\n", "\n".join(rows) + "\n"]
